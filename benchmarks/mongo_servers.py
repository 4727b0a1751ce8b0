"""One workload against any MongoDB-protocol server, to compare local test servers (ADR 0017).

Run against a server on a free port, for example:

    uv run --frozen --no-sync python benchmarks/mongo_servers.py \
        --url mongodb://127.0.0.1:27018/ --docs 1000 100000 --pid 12345

For each size it loads a fresh collection of ~2 KB documents with the indexes our services
declare (status + due time, a string key, an array of strings), then times the operations the
services run, one at a time from one client. It prints a Markdown table with the 100k/1k ratio,
the server's memory (with `--pid`) and two atomicity probes: concurrent `$inc` from three
clients, and two claimers racing `find_one_and_update` over the same open documents.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pymongo import ASCENDING, AsyncMongoClient, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection

Collection = AsyncCollection[dict[str, Any]]
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STATUSES = ("open", "done", "snoozed")
TAGS = tuple(f"tag{n:02d}" for n in range(50))
BATCH = 1000


@dataclass
class Row:
    """One measured operation: a rate (docs/s) or p50 and p99 (ms) for each collection size."""

    operation: str
    unit: str
    values: dict[int, tuple[float, ...]] = field(default_factory=dict)


def document(i: int, rng: random.Random) -> dict[str, Any]:
    """A lead-like document of about 2 KB of BSON."""
    return {
        "_id": f"d{i:07d}",
        "key": f"k{i:07d}-{rng.randrange(10**9):09d}",
        "status": STATUSES[i % len(STATUSES)],
        "due_at": NOW + timedelta(minutes=rng.randrange(-43_200, 43_200)),
        "tags": rng.sample(TAGS, 5),
        "rev": 0,
        "owner": f"m{rng.randrange(40)}",
        "amount": {"minor": rng.randrange(10**7), "currency": "RUB"},
        "notes": [{"at": NOW, "text": "x" * 300} for _ in range(5)],
    }


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def timed(
    op: Callable[[int], Awaitable[object]], samples: int, budget: float
) -> tuple[float, float, int]:
    """p50 and p99 in ms of up to `samples` calls, stopping early once `budget` s are spent."""
    took: list[float] = []
    deadline = time.perf_counter() + budget
    for n in range(samples):
        start = time.perf_counter()
        await op(n)
        took.append((time.perf_counter() - start) * 1000)
        if time.perf_counter() > deadline and n >= 4:
            break
    return percentile(took, 0.5), percentile(took, 0.99), len(took)


def memory_kib(pids: list[int]) -> tuple[int, int]:
    """RSS and PSS in KiB of the given processes and all their descendants."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, todo = set[int](), list(pids)
    while todo:
        pid = todo.pop()
        if pid not in tree:
            tree.add(pid)
            todo += children.get(pid, [])
    rss = pss = 0
    for pid in tree:
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
        except OSError:
            continue
        for line in rollup:
            name, _, value = line.partition(":")
            if name == "Rss":
                rss += int(value.split()[0])
            elif name == "Pss":
                pss += int(value.split()[0])
    return rss, pss


async def load(col: Collection, size: int, rng: random.Random) -> float:
    """Insert `size` documents with insert_many in batches; returns documents per second."""
    start = time.perf_counter()
    for first in range(0, size, BATCH):
        batch = [document(i, rng) for i in range(first, min(size, first + BATCH))]
        await col.insert_many(batch)
    return size / (time.perf_counter() - start)


async def measure(
    col: Collection, size: int, samples: int, budget: float, rows: dict[str, Row]
) -> None:
    """Load `size` documents into an empty collection and time every operation on it."""
    rng = random.Random(size)  # noqa: S311 - reproducible data, not secrets

    def record(operation: str, unit: str, *values: float) -> None:
        rows.setdefault(operation, Row(operation, unit)).values[size] = values

    await col.create_index([("status", ASCENDING), ("due_at", ASCENDING)])
    await col.create_index("key", unique=True)
    await col.create_index("tags")
    record("insert_many (batches of 1000)", "docs/s", await load(col, size, rng))

    keys = [doc["key"] async for doc in col.find({}, {"key": 1})]
    ids = [f"d{i:07d}" for i in range(size)]
    revs = dict.fromkeys(ids, 0)

    async def insert_one(n: int) -> None:
        await col.insert_one(document(size + n, rng))

    start = time.perf_counter()
    count = 0
    while count < samples and (count < 5 or time.perf_counter() - start < budget):
        await insert_one(count)
        count += 1
    record("insert_one", "docs/s", count / (time.perf_counter() - start))

    async def find_by_id(_: int) -> None:
        assert await col.find_one({"_id": rng.choice(ids)}) is not None

    async def update_by_id_and_rev(_: int) -> None:
        one = rng.choice(ids)
        result = await col.update_one(
            {"_id": one, "rev": revs[one]},
            {"$set": {"owner": f"m{rng.randrange(40)}", "touched_at": NOW}, "$inc": {"rev": 1}},
        )
        assert result.modified_count == 1, "a revision-checked update missed"
        revs[one] += 1

    async def by_key(_: int) -> None:
        assert await col.find({"key": rng.choice(keys)}).limit(1).to_list() != []

    async def by_tag(_: int) -> None:
        assert await col.find({"tags": rng.choice(TAGS)}).limit(1).to_list() != []

    async def due_poll(_: int) -> None:
        query = {"status": "open", "due_at": {"$lte": NOW}}
        found = await col.find(query).sort("due_at", ASCENDING).limit(100).to_list()
        assert 0 < len(found) <= 100

    async def claim(_: int) -> None:
        claimed = await col.find_one_and_update(
            {"status": "open", "due_at": {"$lte": NOW}},
            {"$set": {"status": "claimed", "claimed_by": "bench"}, "$inc": {"rev": 1}},
            sort=[("due_at", ASCENDING)],
            return_document=ReturnDocument.AFTER,
        )
        assert claimed is not None
        assert claimed["status"] == "claimed"
        revs[claimed["_id"]] = claimed["rev"]

    async def count_open(_: int) -> None:
        assert await col.count_documents({"status": "open"}) > 0

    operations: list[tuple[str, Callable[[int], Awaitable[None]]]] = [
        ("find_one by _id", find_by_id),
        ("update_one {_id, rev} $set+$inc", update_by_id_and_rev),
        ("find {key: …} limit 1 (unique string index)", by_key),
        ("find {tags: …} limit 1 (array index)", by_tag),
        ("poll {status, due_at $lte} sort due_at limit 100", due_poll),
        ("find_one_and_update claim (same filter, sorted)", claim),
        ("count_documents {status: open}", count_open),
    ]
    due = await col.count_documents({"status": "open", "due_at": {"$lte": NOW}})
    for name, op in operations:
        # A claim takes a due document away: never ask for more than half of them.
        calls = min(samples, due // 2) if op is claim else samples
        p50, p99, _ = await timed(op, calls, budget)
        record(name, "ms p50/p99", p50, p99)


async def atomicity(col: Collection, url: str) -> tuple[str, str]:
    """Three clients × 300 concurrent `$inc`; two claimers racing over 200 open documents."""
    await col.insert_one({"_id": "counter", "n": 0})
    await col.insert_many([{"_id": f"job{n:03d}", "status": "open"} for n in range(200)])
    clients: list[AsyncMongoClient[dict[str, Any]]] = [
        AsyncMongoClient(url, maxPoolSize=20) for _ in range(3)
    ]
    try:
        mine = [c[col.database.name][col.name] for c in clients]

        async def increments(c: Collection) -> None:
            await asyncio.gather(
                *(c.update_one({"_id": "counter"}, {"$inc": {"n": 1}}) for _ in range(300))
            )

        await asyncio.gather(*(increments(c) for c in mine))
        counter = await col.find_one({"_id": "counter"})
        kept = f"{counter['n'] if counter else '?'} of 900 increments kept"

        async def claimer(c: Collection, name: str) -> int:
            claims = 0
            while await c.find_one_and_update(
                {"status": "open"}, {"$set": {"status": "claimed", "by": name}}
            ):
                claims += 1
            return claims

        counts = await asyncio.gather(claimer(mine[0], "one"), claimer(mine[1], "two"))
        claims = f"{sum(counts)} claims for 200 documents ({counts[0]} + {counts[1]})"
    finally:
        for c in clients:
            await c.close()
    return kept, claims


def short(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def report(rows: dict[str, Row], sizes: list[int]) -> list[str]:
    first, last = sizes[0], sizes[-1]
    header = ["operation", "unit", *(f"{short(s)} docs" for s in sizes)]
    if len(sizes) > 1:
        header.append(f"{short(last)}/{short(first)}")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows.values():
        cells = [row.operation, row.unit]
        cells += [" / ".join(f"{v:,.1f}" for v in row.values.get(s, ())) for s in sizes]
        if len(sizes) > 1 and first in row.values and last in row.values:
            cells.append(f"{row.values[last][0] / row.values[first][0]:.2f}")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


async def main(args: argparse.Namespace) -> None:
    sizes: list[int] = sorted(args.docs)
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(args.url)
    db = client[f"bench_{uuid.uuid4().hex[:8]}"]
    rows: dict[str, Row] = {}
    memory: list[str] = []

    def note_memory(moment: str) -> None:
        if args.pid:
            rss, pss = memory_kib(args.pid)
            memory.append(f"{moment}: RSS {rss / 1024:,.0f} MiB, PSS {pss / 1024:,.0f} MiB")

    try:
        await client.admin.command("ping")
        note_memory("idle")
        for size in sizes:
            col = db[f"docs_{size}"]
            started = time.perf_counter()
            await measure(col, size, args.samples, args.budget, rows)
            note_memory(f"after {size:,} docs ({time.perf_counter() - started:,.0f} s)")
            await col.drop()
        kept, claims = await atomicity(db["atomicity"], args.url)
    finally:
        await client.drop_database(db.name)
        await client.close()
    lines = [f"server: {args.url}", *report(rows, sizes), *memory, kept, claims]
    print("\n".join(lines))  # noqa: T201 - the report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="mongodb://127.0.0.1:27017/")
    parser.add_argument("--docs", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--samples", type=int, default=200, help="timed calls per operation")
    parser.add_argument("--budget", type=float, default=20.0, help="seconds per operation, at most")
    parser.add_argument("--pid", type=int, nargs="*", default=[], help="server pids for memory")
    asyncio.run(main(parser.parse_args()))
