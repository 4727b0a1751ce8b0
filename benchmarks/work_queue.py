"""The work queue's cost with few vs many tasks stored: `WorkQueue.day_of` per manager.

For each size it seeds a fresh database with that many tasks (open and done, due over a
year) and, per hundred tasks, a meeting, a lead to call, an open invoice and a deal, spread
over one manager per ten tasks, so each manager's own day is the same size in every run and
only everyone else's data grows. It times the queue of one manager after another through the
MongoDB adapters, next to a bare baseline in the same run (one `find_one` by `_id`), and
prints p50 and p95 and the ratio of the smallest size's p50 to the largest's (target ≥ 0.8).

    eval "$(bash deploy/local/infra.sh env)" && export MONGODB_URL
    uv run --frozen --no-sync python benchmarks/work_queue.py --stored 1000 100000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from deals.adapters.indexes import INDEXES
from deals.adapters.meeting_repository import MeetingMapper, MongoMeetingRepository
from deals.adapters.pipeline_store import MongoPipelineStore
from deals.adapters.task_repository import MongoTaskRepository, TaskMapper
from deals.adapters.work_day_sources import MongoDayReader, MongoLeadsToCall
from deals.domain.meeting import Meeting, MeetingPlan
from deals.domain.source import SOURCE
from deals.domain.task import Task, TaskDraft
from deals.service_layer.pipelines import Pipelines
from deals.service_layer.work_queue import WorkQueue
from shared.contracts.events.tasks import TaskLinks, TaskResolution
from shared.platform.clock import ManualClock
from shared.platform.indexes import ensure_indexes
from shared.platform.repository import message_on_own_topic

TASKS_PER_MANAGER = 10
"""Each manager's own share stays the same; only everyone else's data grows."""
NOW = datetime(2026, 3, 5, 10, 0, tzinfo=UTC)
BATCH = 1_000
ROUNDS = 200


MANAGERS = 100


def manager(n: int) -> str:
    """The manager task (or record) n belongs to."""
    return f"mgr-{n % MANAGERS:05d}"


def task_document(n: int) -> dict[str, Any]:
    """Task n: due somewhere over a year around NOW, one in three done."""
    draft = TaskDraft(
        task_id=f"task-{n:07d}",
        title="Позвонить клиенту",
        assignee_id=manager(n),
        due_at=NOW + timedelta(hours=(n * 37) % (24 * 365) - 24 * 180),
        links=TaskLinks(deal_id=f"deal-{n % 5000}"),
        team="msk",
    )
    task = Task.set(draft, now=NOW - timedelta(days=200), escalate_after=timedelta(days=1))
    task.collect_events()
    if n % 3 == 0:
        task.close(TaskResolution.DONE, NOW - timedelta(days=1))
        task.collect_events()
    return {**TaskMapper().to_document(task), "rev": 0}


def meeting_document(n: int) -> dict[str, Any]:
    """Meeting n: one an hour, around NOW."""
    starts = NOW + timedelta(hours=n % 500 - 250)
    meeting = Meeting.schedule(
        f"meeting-{n:07d}",
        MeetingPlan("Встреча", starts, starts + timedelta(hours=1), place="Офис"),
        organizer_id=manager(n),
        team="msk",
        deal_id=None,
        client_id="client-1",
        remind_before=timedelta(hours=1),
        now=starts - timedelta(days=1),
    )
    return {**MeetingMapper().to_document(meeting), "rev": 0}


async def insert(db: AsyncDatabase[Any], name: str, docs: list[dict[str, Any]]) -> None:
    """Bulk insert in batches."""
    for start in range(0, len(docs), BATCH):
        await db[name].insert_many(docs[start : start + BATCH], ordered=False)


async def seed(db: AsyncDatabase[Any], tasks: int) -> None:
    """Tasks, and per hundred tasks a meeting, a lead to call, an open invoice, a deal."""
    global MANAGERS
    MANAGERS = max(1, tasks // TASKS_PER_MANAGER)
    await ensure_indexes(db, INDEXES)
    await insert(db, "tasks", [task_document(n) for n in range(tasks)])
    side = max(1, tasks // 100)
    meetings = [meeting_document(n) for n in range(side)]
    await insert(db, "meetings", meetings)
    seats = [
        {
            "_id": f"{m['_id']}|{m['organizer_id']}",
            "meeting_id": m["_id"],
            "person_id": m["organizer_id"],
            "starts_at": m["starts_at"],
        }
        for m in meetings
    ]
    await insert(db, "meeting_seats", seats)
    await insert(
        db,
        "leads_to_call",
        [
            {
                "_id": f"lead-{n}",
                "manager_id": manager(n),
                "priority": n % 90,
                "received_at": NOW - timedelta(hours=1),
                "sla_deadline": NOW + timedelta(minutes=n % 60),
                "at": NOW - timedelta(hours=1),
            }
            for n in range(side)
        ],
    )
    money = {"amount": "1000.00", "currency": "RUB"}
    await insert(
        db,
        "invoices",
        [
            {
                "_id": f"inv-{n}",
                "manager_id": manager(n),
                "client_id": "client-1",
                "status": "open",
                "issued_at": NOW - timedelta(days=30),
                "installments": [
                    {
                        "number": 1,
                        "due_on": "2026-03-05",
                        "amount": money,
                        "paid": {**money, "amount": "0"},
                    }
                ],
            }
            for n in range(side)
        ],
    )
    await insert(
        db,
        "deals",
        [
            {
                "_id": f"deal-{n}",
                "manager_id": manager(n),
                "title": "Сделка",
                "stage": "invoice" if n % 2 else "negotiation",
                "stage_kind": "open",
                "stage_entered_at": NOW - timedelta(hours=n % 200),
                "updated_at": NOW,
            }
            for n in range(side)
        ],
    )


def queue(db: AsyncDatabase[Any]) -> WorkQueue:
    """The work queue over the MongoDB adapters, as bootstrap wires it."""
    clock = ManualClock(NOW)
    published = message_on_own_topic(SOURCE)
    pipelines = Pipelines(MongoPipelineStore(db["pipelines"]))
    return WorkQueue(
        leads=MongoLeadsToCall(db["leads_to_call"]),
        tasks=MongoTaskRepository(db["tasks"], clock=clock, message_of=published),
        meetings=MongoMeetingRepository(
            db["meetings"], db["meeting_seats"], clock=clock, message_of=published
        ),
        reader=MongoDayReader(db["deals"], db["invoices"]),
        stages=pipelines,
        clock=clock,
        time_zone="Europe/Moscow",
        stuck_after=timedelta(hours=72),
    )


def quantiles(samples: list[float]) -> dict[str, float]:
    """p50 and p95 in milliseconds."""
    cuts = statistics.quantiles(samples, n=20)
    return {"p50_ms": statistics.median(samples) * 1000, "p95_ms": cuts[18] * 1000}


async def measure(client: AsyncMongoClient[Any], tasks: int) -> dict[str, Any]:
    """Seed one database, then time ROUNDS queues and as many bare reads."""
    name = f"bench_queue_{uuid.uuid4().hex[:8]}"
    db = client[name]
    try:
        started = time.perf_counter()
        await seed(db, tasks)
        await Pipelines(MongoPipelineStore(db["pipelines"])).ensure_default()
        seeded = time.perf_counter() - started
        work = queue(db)
        days, bare = [], []
        for n in range(ROUNDS):
            began = time.perf_counter()
            await work.day_of(manager(n))
            days.append(time.perf_counter() - began)
            began = time.perf_counter()
            await db["tasks"].find_one({"_id": f"task-{n:07d}"})
            bare.append(time.perf_counter() - began)
        return {
            "tasks": tasks,
            "seed_seconds": round(seeded, 1),
            "queue": quantiles(days),
            "bare_find_one": quantiles(bare),
        }
    finally:
        await client.drop_database(name)


async def main() -> None:
    """Run every size and print (and optionally write) the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stored", type=int, nargs="+", default=[1_000, 100_000])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    client: AsyncMongoClient[Any] = AsyncMongoClient(os.environ["MONGODB_URL"], tz_aware=True)
    try:
        runs = [await measure(client, size) for size in args.stored]
    finally:
        await client.close()
    few, many = runs[0], runs[-1]
    result = {
        "runs": runs,
        "ratio_p50": round(few["queue"]["p50_ms"] / many["queue"]["p50_ms"], 2),
        "queue_over_bare_p50": [
            round(r["queue"]["p50_ms"] / r["bare_find_one"]["p50_ms"], 1) for r in runs
        ],
    }
    print(json.dumps(result, indent=2))  # noqa: T201 - the benchmark's report
    if args.json:
        args.json.write_text(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main())
