"""What the SLA poll costs on the local server as awaiting leads accumulate, none of them due.

`uv run --frozen --no-sync python benchmarks/sla_poll_probe.py 1000 10000` prints the median of
five polls at each size: the service's poll (sorted by deadline, limit 100) and the same without
the sort. Documents of about 1.5 KB, in a scratch database dropped afterwards (ADR 0027).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING, AsyncMongoClient

DATABASE = "probe_sla_poll"
POLLS = 5


async def median_ms(poll: Callable[[], Awaitable[list[Any]]]) -> float:
    """The median time of a few polls, in milliseconds."""
    times = []
    for _ in range(POLLS):
        started = time.perf_counter()
        await poll()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


async def probe(url: str, size: int) -> None:
    """Store `size` awaiting leads due in an hour or later and time the poll."""
    client: AsyncMongoClient[Any] = AsyncMongoClient(url, tz_aware=True)
    try:
        await client.drop_database(DATABASE)
        leads = client[DATABASE]["leads"]
        await leads.create_index([("status", ASCENDING), ("sla_due_at", ASCENDING)])
        now = datetime.now(UTC)
        filler = "x" * 1500
        for start in range(0, size, 1000):
            await leads.insert_many(
                {
                    "_id": f"L{i:07}",
                    "status": "new",
                    "sla_due_at": now + timedelta(hours=1, seconds=i),
                    "filler": filler,
                }
                for i in range(start, min(size, start + 1000))
            )
        due = {"sla_due_at": {"$lte": now}, "status": {"$in": ["new", "qualifying"]}}
        sorted_ms = await median_ms(
            lambda: leads.find(due).sort("sla_due_at", ASCENDING).limit(100).to_list(None)
        )
        unsorted_ms = await median_ms(lambda: leads.find(due).limit(100).to_list(None))
        print(  # noqa: T201 - the figures are the output
            f"{size:>7} awaiting: poll {sorted_ms:.1f} ms, without the sort {unsorted_ms:.1f} ms"
        )
    finally:
        await client.drop_database(DATABASE)
        await client.close()


async def main(sizes: list[int]) -> None:
    """Probe each size in turn."""
    url = os.environ.get("MONGODB_URL", "mongodb://127.0.0.1:27017/")
    for size in sizes:
        await probe(url, size)


if __name__ == "__main__":
    asyncio.run(main([int(arg) for arg in sys.argv[1:]] or [1000, 10000]))
