"""Lease time: the server's clock, sampled rarely and carried by the monotonic clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.platform.lease_time import ServerLeaseTime

pytestmark = pytest.mark.unit

SERVER = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Ticks:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.value = 100.0

    def __call__(self) -> float:
        return self.value


async def test_between_samples_time_runs_on_the_monotonic_clock_from_the_servers_reading() -> None:
    ticks, reads = Ticks(), []

    async def read() -> datetime:
        reads.append(ticks.value)
        ticks.value += 0.25  # a round trip of 0.25 s: the server read at its middle
        return SERVER + timedelta(hours=len(reads) - 1)

    lease_time = ServerLeaseTime(read, every=30, monotonic=ticks)
    assert await lease_time.now() == SERVER + timedelta(seconds=0.125)
    ticks.value += 10
    assert await lease_time.now() == SERVER + timedelta(seconds=10.125)
    assert len(reads) == 1
    ticks.value += 20  # 30 s since the sample: read again (the server's clock moved an hour)
    assert await lease_time.now() == SERVER + timedelta(hours=1, seconds=0.125)
    assert len(reads) == 2
