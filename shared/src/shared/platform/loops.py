"""The background loop every timer and dispatcher runs: a pass, then a wait on the clock."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from shared.platform.clock import Clock
from shared.platform.logging import get_logger

log = get_logger(__name__)


async def run_every(
    step: Callable[[], Awaitable[object]],
    *,
    clock: Clock,
    seconds: float,
    what: str,
    wakeup: asyncio.Event | None = None,
) -> None:
    """Run `step` forever, `seconds` of the clock apart or sooner when `wakeup` is set.

    A failed pass (an outage, say) is logged and only delays the work to the next pass.
    """
    while True:
        if wakeup is not None:
            wakeup.clear()
        try:
            await step()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning(f"{what} failed; retrying", error_type=type(exc).__name__)
        await wait(clock, seconds, wakeup)


async def wait(clock: Clock, seconds: float, wakeup: asyncio.Event | None = None) -> None:
    """Sleep `seconds` of the clock, or less when `wakeup` is (or gets) set."""
    if wakeup is None:
        await clock.sleep(seconds)
        return
    if wakeup.is_set():
        return
    sleeper = asyncio.ensure_future(clock.sleep(seconds))
    woken = asyncio.ensure_future(wakeup.wait())
    try:
        await asyncio.wait({sleeper, woken}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (sleeper, woken):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
