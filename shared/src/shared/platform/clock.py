"""The one source of time: code takes a `Clock` so tests can drive SLA and due-date timers."""

from __future__ import annotations

import asyncio
import itertools
import math
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "ManualClock", "OffsetFileClock", "SystemClock", "clock_from_env"]

OFFSET_FILE_VARIABLE = "VORONKA_CLOCK_OFFSET_FILE"


@runtime_checkable
class Clock(Protocol):
    """What time-based code depends on instead of `datetime.now()` and `asyncio.sleep()`."""

    def now(self) -> datetime:
        """Return the current instant as an aware UTC datetime."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Suspend the caller for `seconds` of this clock's time."""
        ...


class SystemClock:
    """Wall-clock time, for production."""

    def now(self) -> datetime:
        """Return the current instant as an aware UTC datetime."""
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        """Suspend the caller for `seconds` of real time."""
        await asyncio.sleep(seconds)


def _require_aware(when: datetime, what: str) -> datetime:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {when.isoformat()}")
    return when.astimezone(UTC)


@dataclass(order=True)
class _Sleeper:
    deadline: datetime
    seq: int
    future: asyncio.Future[None] = field(compare=False)


class ManualClock:
    """Time that moves only when a test says so; `sleep()` never waits for real time.

    Sleepers are woken by `advance()` / `set()` once their deadline is reached. Waking resolves
    a future, so a sleeper actually resumes at the test's next `await`. Meant for one event
    loop; it is not thread-safe.
    """

    def __init__(self, start: datetime) -> None:
        self._now = _require_aware(start, "start")
        self._sleepers: list[_Sleeper] = []
        self._seq = itertools.count()

    def now(self) -> datetime:
        """Return the time last set, in UTC."""
        return self._now

    @property
    def pending_sleepers(self) -> int:
        """How many `sleep()` calls are waiting: lets a test know a task reached its timer."""
        return sum(1 for s in self._sleepers if not s.future.done())

    async def sleep(self, seconds: float) -> None:
        """Wait until the clock has been moved `seconds` forward from now."""
        if math.isnan(seconds):
            raise ValueError("cannot sleep for NaN seconds")
        if seconds <= 0:
            # Like asyncio.sleep(0): give other tasks a turn, without consulting real time.
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if math.isinf(seconds):
            self._sleepers.append(
                _Sleeper(datetime.max.replace(tzinfo=UTC), next(self._seq), future)
            )
        else:
            deadline = self._now + timedelta(seconds=seconds)
            self._sleepers.append(_Sleeper(deadline, next(self._seq), future))
        try:
            await future
        finally:
            # Cancelled sleepers leave no trace behind.
            self._sleepers = [s for s in self._sleepers if s.future is not future]

    def advance(self, delta: timedelta | float) -> None:
        """Move time forward by `delta` (a timedelta or seconds) and wake due sleepers."""
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        if step < timedelta(0):
            raise ValueError(f"a clock never goes backwards; cannot advance by {step}")
        self._move_to(self._now + step)

    def set(self, when: datetime) -> None:
        """Jump to `when` (aware, not earlier than now) and wake due sleepers."""
        target = _require_aware(when, "when")
        if target < self._now:
            raise ValueError(
                f"a clock never goes backwards; {target.isoformat()} is before "
                f"{self._now.isoformat()}"
            )
        self._move_to(target)

    def _move_to(self, target: datetime) -> None:
        self._now = target
        # Deadline order, so sleepers resume in the order their timers would have fired.
        for sleeper in sorted(self._sleepers):
            if sleeper.deadline > target:
                break
            if not sleeper.future.done():
                sleeper.future.set_result(None)


class OffsetFileClock:
    """Wall-clock time shifted by a number of seconds read from a file: for end-to-end tests.

    Services in separate processes cannot share a `ManualClock`; a test writes how far time
    has moved into one file and every process reads it. A sleep lasts until this clock has
    moved on by the time asked, rereading the file at least every second, so a jump ends it
    within a second. Never set in production.
    """

    def __init__(self, path: str, *, reread_seconds: float = 0.05) -> None:
        self._path = path
        self._reread = reread_seconds
        self._offset = 0.0
        self._read_at = -math.inf

    def _current_offset(self) -> float:
        monotonic = time.monotonic()
        if monotonic - self._read_at >= self._reread:
            try:
                with open(self._path, encoding="utf-8") as handle:
                    self._offset = float(handle.read().strip() or 0)
            except (OSError, ValueError):
                pass  # a missing or half-written file keeps the last offset
            self._read_at = monotonic
        return self._offset

    def now(self) -> datetime:
        """Real time plus the offset the test wrote."""
        return datetime.now(UTC) + timedelta(seconds=self._current_offset())

    async def sleep(self, seconds: float) -> None:
        """Wait until this clock has moved `seconds` on: real time passing or the offset jumping."""
        if math.isnan(seconds):
            raise ValueError("cannot sleep for NaN seconds")
        if math.isinf(seconds):
            await asyncio.Event().wait()  # forever, until cancelled
        deadline = self.now() + timedelta(seconds=max(seconds, 0.0))
        # Polling, not an event: the offset is a file another process writes.
        while (remaining := (deadline - self.now()).total_seconds()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(min(remaining, 1.0))


def clock_from_env() -> Clock:
    """The system clock, unless an end-to-end test asked for an offset file clock."""
    path = os.environ.get(OFFSET_FILE_VARIABLE)
    return OffsetFileClock(path) if path else SystemClock()
