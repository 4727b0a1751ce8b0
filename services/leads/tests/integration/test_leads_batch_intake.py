"""Batch intake over the MongoDB adapters on the real server: bulk writes, redelivery, budget."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import time, timedelta
from typing import Any

import pytest
import pytest_asyncio
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.monitoring import CommandListener, CommandStartedEvent

from leads.adapters.contact_key_store import MongoContactKeys
from leads.adapters.indexes import INDEXES
from leads.adapters.lead_repository import MongoLeadRepository
from leads.adapters.load_counter import MongoLoadCounter
from leads.adapters.parked_activities import MongoParkedActivities
from leads.adapters.roster_store import MongoRosterStore
from leads.domain.lead_records import Activity
from leads.domain.parked import ParkedActivity
from leads.domain.roster import RosterManager, WorkingTime
from leads.domain.sla import SlaPolicy
from leads.service_layer.assigner import Assigner, AssignmentConfig
from leads.service_layer.commands import LeadCommands
from leads.service_layer.contact_book import ContactBook
from leads.service_layer.intake import LeadIntake
from leads.service_layer.intake_batch import BatchIntake, Received
from leads.service_layer.loads import LoadKeeper
from leads.service_layer.parking import ActivityParking
from shared.contracts.events.lead_lifecycle import ActivityDirection, ActivityKind
from shared.contracts.events.lead_received import LeadReceivedV1
from shared.platform.clock import ManualClock
from shared.platform.indexes import ensure_indexes
from shared.platform.mongo import create_mongo_client, watch_commands
from shared.platform.settings import MongoSettings

pytestmark = pytest.mark.integration

MANAGERS = [f"mgr-{n:02d}" for n in range(20)]
BATCH_BUDGET = 16
"""Commands for a batch of new people however many (up to 50): reads, claims, insert, loads,
and one read of the activities parked under the batch's phones."""


class Commands(CommandListener):
    """The names of the commands the service's client sends while `on`."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.targets: list[tuple[str, str]] = []
        self.on = False

    def started(self, event: CommandStartedEvent) -> None:
        if self.on:
            self.names.append(event.command_name)
            self.targets.append((event.command_name, str(event.command.get(event.command_name))))

    def succeeded(self, event: Any) -> None:
        """Counted when started."""

    def failed(self, event: Any) -> None:
        """Counted when started."""


class World:
    """The intake wired over the MongoDB adapters, with the client's commands counted."""

    def __init__(self, db: AsyncDatabase[Any], clock: ManualClock, commands: Commands) -> None:
        self.db, self.clock, self.commands = db, clock, commands
        self.leads = MongoLeadRepository(db, clock=clock)
        self.counter = MongoLoadCounter(db)
        loads = LoadKeeper(self.leads, self.counter)
        book = ContactBook(
            self.leads, MongoContactKeys(db), clock=clock, window=timedelta(hours=72)
        )
        self.roster = MongoRosterStore(db, clock=clock)
        calendar = WorkingTime("around_the_clock", "Europe/Moscow", time(9), time(18))
        assigner = Assigner(
            self.roster,
            loads,
            AssignmentConfig("round_robin", "sales", calendar, SlaPolicy(default_minutes=60)),
        )
        commands = LeadCommands(
            self.leads,
            assigner,
            book=book,
            loads=loads,
            clock=clock,
            disqualify_reasons=frozenset(),
        )
        self.park = MongoParkedActivities(db)
        parking = ActivityParking(self.park, commands, book, clock=clock, keep=timedelta(days=7))
        single = LeadIntake(
            self.leads, assigner, book=book, loads=loads, clock=clock, parking=parking
        )
        self.intake = BatchIntake(
            single, self.leads, assigner, book=book, loads=loads, clock=clock, parking=parking
        )

    async def receive(self, bodies: list[dict[str, Any]]) -> list[str]:
        """One batch, each body with an event id of its own external id."""
        now = self.clock.now()
        return await self.intake.receive_batch(
            [
                Received(LeadReceivedV1.model_validate(body), f"evt-{body['external_id']}", now)
                for body in bodies
            ]
        )


@pytest_asyncio.fixture
async def world(
    mongo_settings: MongoSettings, mongo_db: AsyncDatabase[Any], clock: ManualClock
) -> AsyncIterator[World]:
    """A roster of 20 managers in this test's database; `mongo_db` drops it afterwards."""
    commands = Commands()
    undo = watch_commands(lambda app: commands)
    client = create_mongo_client(mongo_settings, app_name="leads")
    undo()
    assert mongo_settings.database is not None
    built = World(client[mongo_settings.database], clock, commands)
    await ensure_indexes(built.db, INDEXES)
    for manager in MANAGERS:
        await built.roster.put_manager(
            RosterManager(id=manager, name=manager, team="sales", capacity=1_000)
        )
    try:
        yield built
    finally:
        await client.close()


def person(n: int, **extra: Any) -> dict[str, Any]:
    """A web request of person `n`, with a phone and an e-mail of their own."""
    return {
        "source": "website",
        "external_id": f"form-{n}",
        "channel": "web_form",
        "contact": {"name": f"Клиент {n}", "phone": f"+7 913 {n:07d}", "email": f"c{n}@ex.ru"},
        **extra,
    }


async def test_a_batch_is_stored_counted_and_claimed_once_even_when_redelivered(
    world: World,
) -> None:
    bodies = [person(n) for n in range(60)]  # above one command's 50 statements
    ids = await world.receive(bodies)

    again = await world.receive(bodies)

    assert again == ids and len(set(ids)) == 60
    leads = {doc["_id"]: doc async for doc in world.db["leads"].find({})}
    assert set(leads) == set(ids)
    assert all(len(doc["_outbox"]) == 1 for doc in leads.values())  # one lead.assigned each
    owners = [leads[lead_id]["manager_id"] for lead_id in ids]
    assert owners == [MANAGERS[n % 20] for n in range(60)]  # round robin, as one by one
    assert await world.counter.loads(MANAGERS) == dict.fromkeys(MANAGERS, 3)
    for manager in MANAGERS:
        assert await world.counter.counted(manager) == {
            lead_id for lead_id, owner in zip(ids, owners, strict=True) if owner == manager
        }
    keys = {doc["_id"]: doc["owner"] async for doc in world.db["contact_keys"].find({})}
    assert keys == {
        **{f"phone:+7913{n:07d}": ids[n] for n in range(60)},
        **{f"email:c{n}@ex.ru": ids[n] for n in range(60)},
    }


async def test_a_batch_of_new_people_costs_the_same_few_commands_as_one(world: World) -> None:
    await world.receive([person(100)])  # the roster's load documents exist from here on
    world.commands.on = True
    await world.receive([person(n) for n in range(40)])
    world.commands.on = False
    assert len(world.commands.names) <= BATCH_BUDGET, world.commands.names


async def test_duplicates_in_and_before_a_batch_join_their_lead(world: World) -> None:
    [stored] = await world.receive([person(1)])
    by_phone = person(2, external_id="form-2-call", channel="phone")
    by_phone["contact"] = {"phone": "+7 913 000 00 02"}
    no_contact = person(3, contact={"name": "Без контактов"})

    ids = await world.receive(
        [person(1, external_id="form-1-again"), person(2), by_phone, no_contact]
    )

    assert ids[0] == stored and ids[1] == ids[2] and len(set(ids)) == 3
    assert await world.db["leads"].count_documents({}) == 3
    joined = await world.db["leads"].find_one({"_id": ids[1]})
    assert joined is not None and joined["channels"] == ["web_form", "phone"]
    loads = await world.counter.loads(MANAGERS)
    assert sum(loads.values()) == 3


async def test_a_later_count_of_one_bucket_does_not_stop_the_others(
    world: World,
) -> None:
    first, second = ("lead-1", "lead-7")  # different buckets of one manager
    await world.counter.count("mgr-00", first)
    stored = await world.db["manager_load"].find_one({"_id": "mgr-00"})
    assert stored is not None
    [bucket] = stored["v"]
    # As if a concurrent writer copied a later version of that bucket meanwhile.
    await world.db["manager_load"].update_one({"_id": "mgr-00"}, {"$set": {f"v.{bucket}": 99}})

    await world.counter.count_many([("mgr-00", first), ("mgr-00", second)])

    after = await world.db["manager_load"].find_one({"_id": "mgr-00"})
    assert after is not None and after["v"][bucket] == 99 and len(after["n"]) == 2
    assert await world.counter.loads(["mgr-00"]) == {"mgr-00": 2}


async def test_a_batch_asks_the_park_once_and_logs_what_waited_for_its_leads(
    world: World,
) -> None:
    await world.receive([person(100)])
    call = Activity(
        "pbx-7", "mgr-05", ActivityKind.CALL, ActivityDirection.INBOUND, world.clock.now()
    )
    await world.park.park(
        ParkedActivity.park("phone:+79130000007", call, now=world.clock.now(), keep=timedelta(7))
    )
    world.commands.on = True
    ids = await world.receive([person(n) for n in range(40)])
    world.commands.on = False

    assert world.commands.targets.count(("find", "parked_activities")) == 1
    assert ("delete", "parked_activities") in world.commands.targets
    lead = await world.db["leads"].find_one({"_id": ids[7]})
    assert lead is not None and [a["id"] for a in lead["activities"]] == ["pbx-7"]
    assert await world.db["parked_activities"].find_one({"_id": "pbx-7"}) is None
