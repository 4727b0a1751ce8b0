"""The load-counter and contact-key documents on the real server: idempotent, race-safe writes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from leads.adapters.contact_key_store import MongoContactKeys
from leads.adapters.lead_repository import MongoLeadRepository
from leads.adapters.load_counter import MongoLoadCounter, set_id
from leads.domain.contact_keys import ClientRef, KeyClaim
from leads.service_layer.loads import LoadKeeper
from shared.platform.clock import ManualClock

pytestmark = pytest.mark.integration

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def test_counting_twice_or_at_once_keeps_the_load_exact(mongo_db: Any) -> None:
    counter = MongoLoadCounter(mongo_db)
    # Enough leads that several share one of the manager's 16 set documents.
    await asyncio.gather(*(counter.count("mgr-a", f"lead-{n}") for n in range(40)))
    await counter.count("mgr-a", "lead-0")
    assert await counter.loads(["mgr-a", "mgr-b"]) == {"mgr-a": 40}

    await counter.uncount("mgr-a", "lead-0")
    await counter.uncount("mgr-a", "lead-0")
    await counter.uncount("mgr-b", "lead-0")
    assert await counter.loads(["mgr-a"]) == {"mgr-a": 39}
    assert await counter.counted("mgr-a") == {f"lead-{n}" for n in range(1, 40)}
    assert await counter.managers() == ["mgr-a"]


async def test_one_claim_wins_a_key_and_a_release_frees_it_only_for_its_owner(
    mongo_db: Any,
) -> None:
    keys = MongoContactKeys(mongo_db)
    won = await asyncio.gather(
        *(keys.claim("phone:+79120000000", f"lead-{n}", expected=None, at=AT) for n in range(4))
    )
    assert sorted(won) == [False, False, False, True]
    winner = f"lead-{won.index(True)}"

    await keys.release("phone:+79120000000", "lead-other")
    [stored] = await keys.read(["phone:+79120000000", "email:none@example.ru"])
    assert (stored.owner, stored.claimed_at) == (winner, AT)

    await keys.release("phone:+79120000000", winner)
    assert await keys.claim("phone:+79120000000", "lead-next", expected=None, at=AT)
    assert not await keys.claim("phone:+79120000000", "lead-late", expected=winner, at=AT)


async def test_claims_in_bulk_say_which_keys_point_to_their_lead(mongo_db: Any) -> None:
    keys = MongoContactKeys(mongo_db)
    await keys.claim("phone:+79120000002", "lead-other", expected=None, at=AT)
    claims = [
        KeyClaim("phone:+79120000001", "lead-a", None),
        KeyClaim("phone:+79120000002", "lead-b", None),
        KeyClaim("phone:+79120000003", "lead-c", None),
    ]

    won = await keys.claim_many(claims, at=AT)

    owners = {key.key: key.owner for key in await keys.read([c.key for c in claims])}
    # The refused claim stops the command (FerretDB whatever `ordered` says; MongoDB as ordered):
    # a claim after it did not run and is reported lost, which sends its lead to `claim`.
    assert won == [True, False, False]
    assert owners == {"phone:+79120000001": "lead-a", "phone:+79120000002": "lead-other"}
    assert await keys.claim_many(claims[2:], at=AT) == [True]


async def test_a_key_keeps_its_latest_client(mongo_db: Any) -> None:
    keys = MongoContactKeys(mongo_db)
    later = ClientRef("lead-2", "mgr-b", AT + timedelta(days=1))
    await keys.record_client("email:ivan@example.ru", later)
    await keys.record_client("email:ivan@example.ru", ClientRef("lead-1", "mgr-a", AT))
    [stored] = await keys.read(["email:ivan@example.ru"])
    assert stored.client == later and stored.owner is None

    latest = ClientRef("lead-3", "mgr-c", AT + timedelta(days=2))
    await keys.record_client("email:ivan@example.ru", latest)
    [stored] = await keys.read(["email:ivan@example.ru"])
    assert stored.client == latest


async def test_a_count_left_behind_by_a_crash_catches_up_with_its_set(mongo_db: Any) -> None:
    counter = MongoLoadCounter(mongo_db)
    await counter.count("mgr-a", "lead-1")
    # As if the process stopped after changing the set and before copying its size.
    await counter.sets.update_one(
        {"_id": set_id("mgr-a", "lead-2")},
        {"$push": {"leads": "lead-2"}, "$inc": {"v": 1}},
        upsert=True,
    )
    assert await counter.loads(["mgr-a"]) == {"mgr-a": 1}

    assert await counter.counted("mgr-a") == {"lead-1", "lead-2"}  # what reconciliation reads
    assert await counter.loads(["mgr-a"]) == {"mgr-a": 2}


async def test_reconciliation_counts_open_leads_nobody_counted_and_drops_closed_ones(
    mongo_db: Any,
) -> None:
    # Through the services' own client options: the server once refused reconciliation's read.
    await mongo_db.leads.insert_many(
        [
            {"_id": "lead-1", "manager_id": "mgr-a", "status": "assigned"},
            {"_id": "lead-2", "manager_id": "mgr-a", "status": "contacted"},
            {"_id": "lead-3", "manager_id": "mgr-b", "status": "disqualified"},
            {"_id": "lead-4", "manager_id": None, "status": "new"},
        ]
    )
    counter = MongoLoadCounter(mongo_db)
    await counter.count("mgr-b", "lead-3")  # counted, then closed before its uncount
    keeper = LoadKeeper(MongoLeadRepository(mongo_db, clock=ManualClock(AT)), counter)

    assert await keeper.reconcile() == 3

    assert await counter.loads(["mgr-a", "mgr-b"]) == {"mgr-a": 2, "mgr-b": 0}
    assert await keeper.reconcile() == 0
