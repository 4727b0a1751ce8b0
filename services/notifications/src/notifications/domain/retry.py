"""Retry schedule of failed deliveries: capped exponential backoff with optional jitter."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

DEFAULT_BASE = timedelta(seconds=5)
DEFAULT_FACTOR = 2.0
DEFAULT_MAX_DELAY = timedelta(minutes=10)

# 408 timeout, 425 too early, 429 too many requests: the receiver may accept later.
_RETRYABLE_CLIENT_ERRORS = frozenset({408, 425, 429})


def backoff_delay(
    attempt: int,
    base: timedelta = DEFAULT_BASE,
    factor: float = DEFAULT_FACTOR,
    max_delay: timedelta = DEFAULT_MAX_DELAY,
    jitter: Callable[[], float] | None = None,
) -> timedelta:
    """Delay after the `attempt`-th failed attempt (1-based): base·factor^(attempt-1), capped.

    `jitter` returns a fraction in [0, 1] (pass `random.random`); the delay becomes
    `d/2 + d/2·fraction` ("equal jitter"), so retries of many deliveries failing together
    spread out yet never come back sooner than half the backoff nor later than `max_delay`.
    """
    if attempt < 1:
        raise ValueError(f"attempt is 1-based, got {attempt}")
    if base <= timedelta(0) or max_delay < base:
        raise ValueError("base must be positive and max_delay at least base")
    if factor < 1:
        raise ValueError(f"factor must be at least 1, got {factor}")
    cap = max_delay.total_seconds()
    try:
        seconds = min(base.total_seconds() * factor ** (attempt - 1), cap)
    except OverflowError:
        seconds = cap
    if jitter is not None:
        fraction = jitter()
        if not (math.isfinite(fraction) and 0.0 <= fraction <= 1.0):
            raise ValueError("jitter must return a fraction between 0 and 1")
        seconds = seconds / 2 + seconds / 2 * fraction
    return timedelta(seconds=seconds)


def next_attempt_at(
    attempt: int,
    now: datetime,
    base: timedelta = DEFAULT_BASE,
    factor: float = DEFAULT_FACTOR,
    max_delay: timedelta = DEFAULT_MAX_DELAY,
    jitter: Callable[[], float] | None = None,
) -> datetime:
    """UTC instant of the next try after the `attempt`-th attempt failed at `now`."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware, got naive {now.isoformat()}")
    return now.astimezone(UTC) + backoff_delay(attempt, base, factor, max_delay, jitter)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How many attempts a delivery gets and how they are spaced; then it is failed."""

    max_attempts: int = 5
    base: timedelta = DEFAULT_BASE
    factor: float = DEFAULT_FACTOR
    max_delay: timedelta = DEFAULT_MAX_DELAY

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {self.max_attempts}")
        backoff_delay(1, self.base, self.factor, self.max_delay)

    def is_exhausted(self, attempt: int) -> bool:
        """Whether no attempt is left after `attempt` attempts (1-based) have failed."""
        return attempt >= self.max_attempts

    def next_attempt_at(
        self, attempt: int, now: datetime, jitter: Callable[[], float] | None = None
    ) -> datetime | None:
        """When to try again after the `attempt`-th failure, or None when exhausted."""
        if self.is_exhausted(attempt):
            return None
        return next_attempt_at(attempt, now, self.base, self.factor, self.max_delay, jitter)


def is_retryable_status(status: int) -> bool:
    """Whether an HTTP answer from a provider or webhook receiver is worth retrying.

    Server errors and 408/425/429 are transient; other 4xx mean the request itself is wrong
    and would fail the same way again. 1xx-3xx never reach here as failures.
    """
    return status >= 500 or status in _RETRYABLE_CLIENT_ERRORS
