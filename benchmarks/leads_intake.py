"""Intake throughput with few vs many open leads stored: `lead.received` → stored and assigned.

For each size it seeds a fresh database with that many open leads (bulk inserts of the documents
the mapper writes, plus their contact-key and manager-load documents), then times the service's
`LeadIntake` use case over the MongoDB adapters handling new people one after another, as the
consumer does, and prints leads stored and assigned per second and the ratio of the largest size
to the smallest (target ≥ 0.8: the cost of a lead must not grow with the data).

    eval "$(bash deploy/local/infra.sh env)" && export MONGODB_URL
    uv run --frozen --no-sync python benchmarks/leads_intake.py --stored 1000 100000

`--code DIR` imports the `leads` package from DIR instead (e.g. the previous commit's
`services/leads/src`, extracted with `git archive`), to measure the code before a change.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import importlib
import json
import os
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

MANAGERS = 100
"""Roster size of every run: the same in both, so only the number of stored leads differs."""
CAPACITY = 5_000
"""Per manager, above any seeded load: nobody is full, every lead gets assigned."""
BATCH = 1_000
SEEDED_AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def manager_ids() -> list[str]:
    """The roster's managers."""
    return [f"mgr-{n:03d}" for n in range(MANAGERS)]


def request(n: int, *, prefix: str) -> dict[str, Any]:
    """A web request of person `n`: nobody in the seeded data, nobody twice."""
    return {
        "source": "website",
        "external_id": f"{prefix}-{n}",
        "channel": "web_form",
        "contact": {"name": f"Покупатель {n}", "phone": f"+7913{n:07d}"},
        "request_text": "Нужен станок",
        "product": "Станок ЧПУ X200",
        "quantity": "2",
    }


def template_document() -> dict[str, Any]:
    """One open lead as the mapper stores it, to copy for every seeded lead."""
    from leads.adapters.lead_mapper import LeadMapper
    from leads.domain.contact import normalize_contact
    from leads.domain.lead import Lead
    from leads.domain.lead_records import Owner
    from leads.domain.priority import LeadSignals, score_lead
    from shared.contracts.events.lead_received import LeadReceivedV1

    body = request(0, prefix="seed")
    event = LeadReceivedV1.model_validate(body)
    contact = normalize_contact(name=body["contact"]["name"], phone=body["contact"]["phone"])
    priority = score_lead(
        LeadSignals(
            channel="web_form",
            received_at=SEEDED_AT,
            request_text=body["request_text"],
            product=body["product"],
            quantity=None,
            budget=None,
            deadline=None,
            is_returning_client=False,
            referred_by=None,
        )
    )
    lead = Lead.receive(
        lead_id="lead-template",
        request=event,
        contact=contact,
        received_at=SEEDED_AT,
        priority=priority,
        owner=Owner("mgr-000", "sales", "seeded", SEEDED_AT + timedelta(days=365)),
        client_lead_id=None,
        now=SEEDED_AT,
    )
    return {**LeadMapper().to_document(lead), "rev": 0, "_outbox": [], "_outbox_pending": False}


def seeded(stored: int) -> Iterator[tuple[dict[str, Any], str]]:
    """Each seeded lead's document and its owner."""
    template = template_document()
    managers = manager_ids()
    for n in range(stored):
        document = copy.deepcopy(template)
        phone = f"+7912{n:07d}"
        owner = managers[n % MANAGERS]
        document.update(
            _id=f"lead-seed{n:09d}",
            external_id=f"seed-{n}",
            dedupe_keys=[f"phone:{phone}"],
            manager_id=owner,
        )
        document["contact"]["phone"] = phone
        yield document, owner


async def seed(db: AsyncDatabase[Any], stored: int) -> float:
    """Insert the open leads with their key and load documents; seconds it took."""
    started = time.perf_counter()
    leads: list[dict[str, Any]] = []
    keys: list[dict[str, Any]] = []
    loads: dict[str, list[str]] = {m: [] for m in manager_ids()}
    for document, owner in seeded(stored):
        leads.append(document)
        keys.append({"_id": document["dedupe_keys"][0], "owner": document["_id"]})
        loads[owner].append(document["_id"])
        if len(leads) == BATCH:
            await db["leads"].insert_many(leads, ordered=False)
            await db["contact_keys"].insert_many(keys, ordered=False)
            leads, keys = [], []
    if leads:
        await db["leads"].insert_many(leads, ordered=False)
        await db["contact_keys"].insert_many(keys, ordered=False)
    await seed_loads(db, loads)
    return time.perf_counter() - started


async def seed_loads(db: AsyncDatabase[Any], loads: dict[str, list[str]]) -> None:
    """Each manager's counted sets and counts, as the load counter keeps them."""
    try:
        from leads.adapters.load_counter import set_id
    except ModuleNotFoundError:  # the code before load counters keeps none
        return
    sets: dict[str, list[str]] = {}
    for manager, ids in loads.items():
        for lead_id in ids:
            sets.setdefault(set_id(manager, lead_id), []).append(lead_id)
    await db["manager_load_sets"].insert_many(
        [{"_id": bucket, "leads": ids, "v": len(ids)} for bucket, ids in sets.items()]
    )
    counts: dict[str, dict[str, dict[str, int]]] = {}
    for bucket, ids in sets.items():
        manager, part = bucket.rsplit("/", 1)
        entry = counts.setdefault(manager, {"n": {}, "v": {}})
        entry["n"][part] = entry["v"][part] = len(ids)
    await db["manager_load"].insert_many([{"_id": m, **c} for m, c in counts.items()])


async def put_roster(db: AsyncDatabase[Any]) -> None:
    """The roster every run uses, written through the service's own store."""
    from leads.adapters.roster_store import MongoRosterStore
    from leads.domain.roster import RosterManager
    from shared.platform.clock import SystemClock

    roster = MongoRosterStore(db, clock=SystemClock())
    for manager in manager_ids():
        await roster.put_manager(
            RosterManager(id=manager, name=manager, team="sales", capacity=CAPACITY)
        )


def wire(db: AsyncDatabase[Any]) -> tuple[Any, Any]:
    """The intake use case over the MongoDB adapters, and a coroutine creating indexes.

    Works with the code before the load counters and contact keys too (`--code`).
    """
    from leads.adapters.lead_repository import MongoLeadRepository
    from leads.adapters.roster_store import MongoRosterStore
    from leads.domain.roster import WorkingTime
    from leads.domain.sla import SlaPolicy
    from leads.service_layer.assigner import Assigner, AssignmentConfig
    from leads.service_layer.intake import LeadIntake
    from shared.platform.clock import SystemClock

    clock = SystemClock()
    leads = MongoLeadRepository(db, clock=clock)
    config = AssignmentConfig(
        strategy="least_loaded",
        default_team="sales",
        default_calendar=WorkingTime(
            "around_the_clock", "Europe/Moscow", clock_time(9), clock_time(18)
        ),
        sla=SlaPolicy(default_minutes=60),
    )
    window = timedelta(hours=72)
    try:
        loads_module = importlib.import_module("leads.service_layer.loads")
    except ModuleNotFoundError:  # the code before load counters
        assigner = Assigner(MongoRosterStore(db, clock=clock), leads, config)  # type: ignore[arg-type]
        intake = LeadIntake(leads, assigner, clock=clock, dedupe_window=window)  # type: ignore[call-arg]
        return intake, leads.ensure_indexes()  # type: ignore[attr-defined]
    from leads.adapters.contact_key_store import MongoContactKeys
    from leads.adapters.indexes import INDEXES
    from leads.adapters.load_counter import MongoLoadCounter
    from leads.service_layer.contact_book import ContactBook
    from shared.platform.indexes import ensure_indexes

    loads = loads_module.LoadKeeper(leads, MongoLoadCounter(db))
    book = ContactBook(leads, MongoContactKeys(db), clock=clock, window=window)
    assigner = Assigner(MongoRosterStore(db, clock=clock), loads, config)
    intake = LeadIntake(leads, assigner, book=book, loads=loads, clock=clock)
    return intake, ensure_indexes(db, INDEXES)


async def run_size(url: str, stored: int, events: int) -> dict[str, Any]:
    """Seed `stored` open leads in a fresh database and time `events` new leads."""
    from leads.domain.ids import lead_id_for
    from shared.contracts.events.lead_received import LeadReceivedV1

    client: AsyncMongoClient[Any] = AsyncMongoClient(url, tz_aware=True)
    name = f"benchleads{uuid.uuid4().hex[:8]}"
    db = client[name]
    try:
        intake, indexes = wire(db)
        seconds_seeding = await seed(db, stored)
        await indexes  # after the bulk load, as a service starting on existing data does
        await put_roster(db)
        bodies = [LeadReceivedV1.model_validate(request(n, prefix=name)) for n in range(events)]
        started = time.perf_counter()
        for body in bodies:
            await intake.receive(body, event_id=str(uuid.uuid4()), sent_at=datetime.now(UTC))
        elapsed = time.perf_counter() - started
        assigned = 0
        for n in range(events):
            stored_lead = await db["leads"].find_one(
                {"_id": lead_id_for("website", f"{name}-{n}", "")}, {"manager_id": 1}
            )
            assigned += bool(stored_lead and stored_lead.get("manager_id"))
        return {
            "stored": stored,
            "events": events,
            "assigned": assigned,
            "seconds": round(elapsed, 2),
            "leads_per_second": round(events / elapsed, 1),
            "ms_per_lead": round(1000 * elapsed / events, 2),
            "seeding_seconds": round(seconds_seeding, 1),
        }
    finally:
        await client.drop_database(name)
        await client.close()


async def main() -> None:
    """Run every size, print one line each and the ratio; optionally keep the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stored", type=int, nargs="+", default=[1_000, 100_000])
    parser.add_argument("--events", type=int, default=1_000)
    parser.add_argument("--code", type=Path, help="import `leads` from this directory")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if args.code is not None:
        sys.path.insert(0, str(args.code.resolve()))
        for module in [m for m in sys.modules if m == "leads" or m.startswith("leads.")]:
            del sys.modules[module]
    url = os.environ.get("MONGODB_URL", "mongodb://127.0.0.1:27017/")
    rows = []
    for stored in args.stored:
        row = await run_size(url, stored, args.events)
        rows.append(row)
        print(  # noqa: T201 - the figures are the output
            f"{row['stored']:>7} open leads stored: {row['leads_per_second']:>7} leads/s "
            f"({row['ms_per_lead']} ms each, {row['assigned']}/{row['events']} assigned; "
            f"seeded in {row['seeding_seconds']} s)",
            flush=True,
        )
    ratio = rows[-1]["leads_per_second"] / rows[0]["leads_per_second"] if rows else None
    if ratio is not None and len(rows) > 1:
        print(f"ratio {rows[-1]['stored']} vs {rows[0]['stored']}: {ratio:.2f} (target >= 0.8)")  # noqa: T201
    if args.json is not None:
        args.json.write_text(json.dumps({"runs": rows, "ratio": ratio}, indent=2) + "\n")


if __name__ == "__main__":
    asyncio.run(main())
