"""The shared background loop: a failed pass is retried after the wait; a wakeup cuts it short."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from shared.platform.clock import ManualClock
from shared.platform.loops import run_every

pytestmark = pytest.mark.unit


async def until(predicate: Callable[[], bool]) -> None:
    """Let the loop's task run until `predicate` holds (no real time passes)."""
    for _ in range(1000):
        if predicate():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition not reached")


async def test_a_failed_pass_is_retried_one_interval_later() -> None:
    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    passes: list[datetime] = []

    async def step() -> None:
        passes.append(clock.now())
        if len(passes) == 1:
            raise ConnectionError("database away")

    loop = asyncio.create_task(run_every(step, clock=clock, seconds=5, what="test pass"))
    try:
        await until(lambda: clock.pending_sleepers == 1)
        assert len(passes) == 1
        clock.advance(4)
        await asyncio.sleep(0)
        assert len(passes) == 1
        clock.advance(1)
        await until(lambda: len(passes) == 2)
    finally:
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop


async def test_a_wakeup_starts_the_next_pass_without_waiting() -> None:
    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    wakeup = asyncio.Event()
    passes = 0

    async def step() -> None:
        nonlocal passes
        passes += 1

    loop = asyncio.create_task(
        run_every(step, clock=clock, seconds=3600, what="test pass", wakeup=wakeup)
    )
    try:
        await until(lambda: clock.pending_sleepers == 1)
        wakeup.set()
        await until(lambda: passes == 2)
        assert clock.now() == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # no time had to pass
    finally:
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop
