"""Retry schedule: exponential backoff, the cap, jitter bounds and exhaustion."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from notifications.domain.retry import (
    RetryPolicy,
    backoff_delay,
    is_retryable_status,
    next_attempt_at,
)

pytestmark = pytest.mark.unit

NOW = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("attempt", "seconds"), [(1, 5), (2, 10), (3, 20), (4, 40), (7, 320), (8, 600), (50, 600)]
)
def test_delay_doubles_from_five_seconds_up_to_ten_minutes(attempt: int, seconds: int) -> None:
    assert next_attempt_at(attempt, NOW) == NOW + timedelta(seconds=seconds)


def test_huge_attempt_numbers_stay_at_the_cap() -> None:
    assert backoff_delay(100_000) == timedelta(minutes=10)


def test_result_is_utc_even_for_a_local_now() -> None:
    local = NOW.astimezone(timezone(timedelta(hours=5)))
    result = next_attempt_at(1, local)
    assert result.tzinfo is UTC
    assert result == NOW + timedelta(seconds=5)


@pytest.mark.parametrize(("fraction", "seconds"), [(0.0, 10), (0.5, 15), (1.0, 20)])
def test_equal_jitter_keeps_at_least_half_the_backoff(fraction: float, seconds: int) -> None:
    assert backoff_delay(3, jitter=lambda: fraction) == timedelta(seconds=seconds)


def test_jitter_never_exceeds_the_cap() -> None:
    assert backoff_delay(30, jitter=lambda: 1.0) == timedelta(minutes=10)


@pytest.mark.parametrize("fraction", [-0.1, 1.5, float("nan")])
def test_jitter_outside_zero_to_one_is_refused(fraction: float) -> None:
    with pytest.raises(ValueError, match="jitter"):
        backoff_delay(1, jitter=lambda: fraction)


def test_custom_schedule() -> None:
    delay = backoff_delay(3, base=timedelta(seconds=1), factor=3, max_delay=timedelta(seconds=60))
    assert delay == timedelta(seconds=9)


def test_attempts_are_one_based_and_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="1-based"):
        backoff_delay(0)
    with pytest.raises(ValueError, match="naive"):
        next_attempt_at(1, datetime(2026, 3, 3, 12, 0))  # noqa: DTZ001


def test_policy_gives_five_attempts_then_gives_up() -> None:
    policy = RetryPolicy()
    assert [policy.is_exhausted(n) for n in range(1, 6)] == [False] * 4 + [True]
    assert policy.next_attempt_at(4, NOW) == NOW + timedelta(seconds=40)
    assert policy.next_attempt_at(5, NOW) is None


def test_policy_validates_its_settings() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="max_delay"):
        RetryPolicy(base=timedelta(minutes=20))


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(500, True), (503, True), (429, True), (408, True), (400, False), (401, False), (404, False)],
)
def test_transient_http_answers_are_retried_and_client_errors_are_not(
    status: int, retryable: bool
) -> None:
    assert is_retryable_status(status) is retryable
