"""The time leases are judged by: one clock for every replica, whatever their own clocks say.

A lease written by one replica (`until = now + lease`) is read as expired by another when
`until < now` there. Were `now` each replica's own clock, a replica running two leases ahead
would take every delivery and recipient the others hold, and send twice (the fault suite's
clock-skew scenario showed it). So leases read the database server's clock instead: sampled
with one `hello` round trip, then carried forward by the local monotonic clock, which a wall
clock being set does not move.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Protocol

from shared.platform.clock import Clock


class LeaseTime(Protocol):
    """Where leases read the current instant."""

    async def now(self) -> datetime:
        """The current instant, aware UTC."""
        ...


class ClockLeaseTime:
    """Leases on an injected clock: for tests that move time by hand."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    async def now(self) -> datetime:
        """The clock's now."""
        return self._clock.now()


class ServerLeaseTime:
    """Leases on the database server's clock, sampled at most every `every` seconds."""

    def __init__(
        self,
        read: Callable[[], Awaitable[datetime]],
        *,
        every: float = 30.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read = read
        self._every = every
        self._monotonic = monotonic
        self._sample: tuple[datetime, float] | None = None

    async def now(self) -> datetime:
        """The server's time: read again when the sample is older than `every` seconds."""
        tick = self._monotonic()
        if self._sample is None or tick - self._sample[1] >= self._every:
            server = await self._read()
            back = self._monotonic()
            # The server read its clock somewhere in the round trip: its middle is the guess.
            self._sample = (server + timedelta(seconds=(back - tick) / 2), back)
            return self._sample[0]
        server, sampled = self._sample
        return server + timedelta(seconds=tick - sampled)
