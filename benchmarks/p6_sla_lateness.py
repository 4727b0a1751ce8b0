"""P6: how late the SLA watcher fires a deadline while many other deadlines are pending.

The leads service runs as its own process. One lead goes through the real intake; its stored
document is then cloned straight into the collection (this figure measures the timer, not
intake): `pending` clones due in ten hours, then `due` clones whose deadlines fall a few
seconds ahead, spread over a window. Lateness = when `lead.sla_breached` was appended to Kafka
(record timestamp) − the deadline: the poll interval, the breach itself and the outbox relay.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from figures import Figure, at_most, failed, figure
from p3_lead_latency import lead_body, put_roster
from pymongo import AsyncMongoClient
from stack import Process, Stack, isolated, percentile, progress, services, topic_reader

from shared.contracts import decode
from shared.contracts.topics import Topic
from shared.platform.settings import KafkaSettings

KEY = "P6"
WHAT = "SLA lateness p99"


async def template_lead(db: Any, http: httpx.AsyncClient, run: str) -> dict[str, Any]:
    """Submit one lead and return its stored document once it has a running timer."""
    lead_id = (await http.post("/v1/leads", json=lead_body(run, 0))).json()["lead_id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        document = await db.leads.find_one({"_id": lead_id})
        if document and document.get("sla_due_at") and not document.get("_outbox_pending"):
            return {k: v for k, v in document.items() if not k.startswith("_outbox")}
        await asyncio.sleep(0.2)
    raise TimeoutError("the template lead was not stored and assigned within 60 s")


def clones(template: dict[str, Any], run: str, deadlines: list[datetime]) -> list[dict[str, Any]]:
    """Copies of the template lead, each with its own id, keys and deadline."""
    out = []
    for deadline in deadlines:
        name = f"{run}-{uuid.uuid4().hex[:12]}"
        out.append(
            {
                **template,
                "_id": name,
                "external_id": name,
                "aliases": [],
                "dedupe_keys": [f"bench:{name}"],
                "sla_due_at": deadline,
                "sla_deadline": deadline,
            }
        )
    return out


async def insert(db: Any, documents: list[dict[str, Any]]) -> None:
    """In chunks, so no single command is huge."""
    for start in range(0, len(documents), 1000):
        await db.leads.insert_many(documents[start : start + 1000], ordered=False)


async def breaches(
    kafka: KafkaSettings, wanted: int, until: float, ready: asyncio.Event
) -> list[tuple[datetime, datetime, datetime]]:
    """(deadline, breached_at, appended) of each `lead.sla_breached` until `wanted` or `until`."""
    seen: list[tuple[datetime, datetime, datetime]] = []
    async with topic_reader(kafka, Topic.LEAD_SLA_BREACHED.value) as consumer:
        ready.set()
        while len(seen) < wanted and time.monotonic() < until:
            batch = await consumer.getmany(timeout_ms=100, max_records=500)
            for records in batch.values():
                for record in records:
                    event: Any = decode(
                        record.value or b"", record.headers or (), topic="lead.sla_breached"
                    ).event
                    appended = datetime.fromtimestamp(record.timestamp / 1000, UTC)
                    seen.append((event.deadline, event.breached_at, appended))
    return seen


async def measure(
    stack: Stack, kafka: KafkaSettings, leads: Process, pending: int, due: int, window: float
) -> dict[str, Any]:
    """Load the deadlines, wait for the due ones, return lateness in ms."""
    client: AsyncMongoClient[Any] = AsyncMongoClient(stack.mongo_url, tz_aware=True)
    db = client[leads.env["LEADS_DATABASE"]]
    try:
        async with httpx.AsyncClient(base_url=leads.url, timeout=10.0) as http:
            await put_roster(http)
            template = await template_lead(db, http, stack.run_id)
        progress("P6: template lead stored; inserting pending deadlines")
        far = datetime.now(UTC) + timedelta(hours=10)
        loading = time.perf_counter()
        await insert(db, clones(template, stack.run_id, [far] * pending))
        load_seconds = time.perf_counter() - loading
        ready = asyncio.Event()
        until = time.monotonic() + window + 60
        reader = asyncio.create_task(breaches(kafka, due, until, ready))
        await ready.wait()
        await asyncio.sleep(2.0)
        first = datetime.now(UTC) + timedelta(seconds=5)
        deadlines = [first + timedelta(seconds=window * j / due) for j in range(due)]
        await insert(db, clones(template, stack.run_id, deadlines))
        seen = await reader
    finally:
        await client.close()
    arrival = [(at - deadline).total_seconds() * 1000 for deadline, _, at in seen]
    detection = [(found - deadline).total_seconds() * 1000 for deadline, found, _ in seen]
    return {
        "pending": pending,
        "due": due,
        "window_s": window,
        "fired": len(seen),
        "insert_pending_s": round(load_seconds, 1),
        "p50_ms": round(percentile(arrival, 50), 1) if arrival else None,
        "p99_ms": round(percentile(arrival, 99), 1) if arrival else None,
        "detection_p99_ms": round(percentile(detection, 99), 1) if detection else None,
    }


async def run(stack: Stack, quick: bool) -> list[Figure]:
    """One leads process with its default 1 s poll; report lateness of the due deadlines."""
    pending, due, window = (1_000, 100, 10.0) if quick else (10_000, 300, 30.0)
    params: dict[str, Any] = {"pending": pending, "due": due}
    try:
        async with (
            isolated(stack, KEY) as kafka,
            services(
                stack, kafka, ("leads",), LEADS_CALENDAR="around_the_clock", LEADS_SLA_MINUTES="600"
            ) as running,
        ):
            result = await measure(stack, kafka, running["leads"], pending, due, window)
    except Exception as exc:  # one broken figure must not stop the run
        return [failed(KEY, WHAT, exc, **params)]
    p99 = result["p99_ms"]
    verdict = at_most(p99, 1000.0) if result["fired"] == due else "miss"
    return [
        figure(
            KEY,
            f"{WHAT} with {pending:,} pending deadlines",
            p99,
            "ms",
            target="p99 ≤ 1 s",
            verdict=verdict,
            parameters=result,
            note=(
                f"fired {result['fired']}/{due}; p50 {result['p50_ms']} ms; detection p99 "
                f"{result['detection_p99_ms']} ms; poll 1 s (default)"
            ),
        )
    ]
