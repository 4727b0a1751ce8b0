"""The generic repository on the real FerretDB: state, outbox and revision in one document write."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from pymongo import AsyncMongoClient, monitoring
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts.topics import Topic
from shared.platform.clock import ManualClock
from shared.platform.outbox import OutboxRelay
from shared.platform.repository import (
    ConcurrentModification,
    MongoRepository,
    message_on_own_topic,
)
from shared.platform.settings import MongoSettings
from shared.testing.fakes import FakePublisher
from shared.testing.sample_aggregate import SAMPLE_SOURCE, SampleAccount, SampleAccountMapper

pytestmark = pytest.mark.integration

Repo = MongoRepository[SampleAccount]


class Writes(monitoring.CommandListener):
    """Keeps the update and insert commands a client sends, to see what a save wrote."""

    def __init__(self) -> None:
        self.commands: list[dict[str, Any]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name in ("update", "insert"):
            self.commands.append(dict(event.command))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        return None

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        return None

    def updates(self) -> list[dict[str, Any]]:
        """The `{q, u}` statements of the update commands, in order."""
        return [s for c in self.commands if "updates" in c for s in c["updates"]]


@pytest_asyncio.fixture
async def watched(
    mongo_db: AsyncDatabase[Any], mongo_settings: MongoSettings
) -> AsyncIterator[tuple[AsyncCollection[Any], Writes]]:
    """The test database's `accounts` through a client whose writes are recorded."""
    writes = Writes()
    client: AsyncMongoClient[Any] = AsyncMongoClient(
        mongo_settings.url.get_secret_value(), tz_aware=True, event_listeners=[writes]
    )
    assert mongo_settings.database == mongo_db.name
    try:
        yield client[mongo_db.name].accounts, writes
    finally:
        await client.close()


@pytest.fixture
def accounts(watched: tuple[AsyncCollection[Any], Writes]) -> AsyncCollection[Any]:
    return watched[0]


@pytest.fixture
def writes(watched: tuple[AsyncCollection[Any], Writes]) -> Writes:
    return watched[1]


@pytest.fixture
def repo(accounts: AsyncCollection[Any], clock: ManualClock) -> Repo:
    return MongoRepository(
        accounts, SampleAccountMapper(), clock=clock, message_of=message_on_own_topic(SAMPLE_SOURCE)
    )


def moves(outbox: list[dict[str, Any]]) -> list[tuple[str, str]]:
    payloads = [json.loads(message["value"]) for message in outbox]
    return [(p["from_segment"], p["to_segment"]) for p in payloads]


async def stored(accounts: AsyncCollection[Any], account_id: str) -> dict[str, Any]:
    document = await accounts.find_one({"_id": account_id})
    assert document is not None
    return dict(document)


async def loaded(repo: Repo, account_id: str) -> SampleAccount:
    account = await repo.get(account_id)
    assert account is not None
    return account


async def test_add_writes_the_state_and_its_events_as_the_outbox_at_revision_0(
    repo: Repo, accounts: AsyncCollection[Any], clock: ManualClock
) -> None:
    account = SampleAccount("c1", "new", tags=["vip"])
    account.move_to("hot", clock.now())

    assert await repo.add(account, causation_id="cmd-1") is True

    document = await stored(accounts, "c1")
    outbox = document.pop("_outbox")
    assert document == {
        "_id": "c1",
        "segment": "hot",
        "tags": ["vip"],
        "rev": 0,
        "_outbox_pending": True,
    }
    assert moves(outbox) == [("new", "hot")]
    assert outbox[0]["topic"] == Topic.CLIENT_SEGMENT_CHANGED
    assert outbox[0]["key"] == "c1"
    assert outbox[0]["headers"]["ce_causationid"] == "cmd-1"
    assert account.revision == 0 and account.pending_events == []

    assert await repo.add(SampleAccount("c2", "warm")) is True
    quiet = await stored(accounts, "c2")
    assert (quiet["_outbox"], quiet["_outbox_pending"], quiet["rev"]) == ([], False, 0)


async def test_a_second_add_of_the_same_id_is_refused_and_changes_nothing(
    repo: Repo, accounts: AsyncCollection[Any], clock: ManualClock
) -> None:
    await repo.add(SampleAccount("c1", "hot"))
    again = SampleAccount("c1", "warm")
    again.move_to("cooling", clock.now())

    assert await repo.add(again) is False

    document = await stored(accounts, "c1")
    assert (document["segment"], document["_outbox"], document["rev"]) == ("hot", [], 0)
    assert again.revision is None and len(again.pending_events) == 1


async def test_save_sets_and_unsets_only_the_changed_fields_and_appends_its_events(
    repo: Repo, accounts: AsyncCollection[Any], writes: Writes, clock: ManualClock
) -> None:
    await repo.add(SampleAccount("c1", "new", tags=["vip"], note="calls on Fridays"))
    account = await loaded(repo, "c1")
    # A field the save does not change, rewritten behind the repository's back (no revision
    # bump): a whole-document write would put the old value back.
    await accounts.update_one({"_id": "c1"}, {"$set": {"tags": ["vip", "key-account"]}})
    account.move_to("hot", clock.now())
    account.note = None
    writes.commands.clear()

    await repo.save(account, causation_id="cmd-2")

    [statement] = writes.updates()
    assert statement["q"] == {"_id": "c1", "rev": {"$in": [0, None]}}
    update = statement["u"]
    assert set(update) == {"$set", "$unset", "$push", "$inc"}
    assert update["$set"] == {"segment": "hot", "_outbox_pending": True}
    assert update["$unset"] == {"note": ""}
    assert update["$inc"] == {"rev": 1}
    assert moves(update["$push"]["_outbox"]["$each"]) == [("new", "hot")]

    document = await stored(accounts, "c1")
    assert document["segment"] == "hot"
    assert "note" not in document
    assert document["tags"] == ["vip", "key-account"], "an unchanged field is not written"
    assert document["rev"] == 1 and account.revision == 1
    assert document["_outbox_pending"] is True
    assert moves(document["_outbox"]) == [("new", "hot")]


async def test_a_list_changed_in_place_is_saved_whole(
    repo: Repo, accounts: AsyncCollection[Any]
) -> None:
    await repo.add(SampleAccount("c1", "hot", tags=["vip"]))
    account = await loaded(repo, "c1")
    account.tag("key-account")  # the mapper hands out this very list

    await repo.save(account)
    account.tag("wholesale")
    await repo.save(account)  # a second save of the same object diffs against the first

    document = await stored(accounts, "c1")
    assert document["tags"] == ["vip", "key-account", "wholesale"]
    assert document["rev"] == 2


async def test_a_save_without_changes_writes_nothing(
    repo: Repo, accounts: AsyncCollection[Any], writes: Writes, clock: ManualClock
) -> None:
    await repo.add(SampleAccount("c1", "hot", tags=["vip"]))
    account = await loaded(repo, "c1")
    assert account.move_to("hot", clock.now()) is False
    writes.commands.clear()

    await repo.save(account)

    assert writes.commands == []
    assert account.revision == 0
    assert (await stored(accounts, "c1"))["rev"] == 0


@pytest.mark.parametrize("stored_by", ["repository", "code from before revisions"])
async def test_the_later_of_two_concurrent_saves_raises_and_leaves_the_winner(
    repo: Repo, accounts: AsyncCollection[Any], clock: ManualClock, stored_by: str
) -> None:
    if stored_by == "repository":
        await repo.add(SampleAccount("c1", "new"))
    else:  # no `rev` at all: it loads at revision 0 and saves like one
        await accounts.insert_one({"_id": "c1", "segment": "new", "tags": []})
    first, second = await loaded(repo, "c1"), await loaded(repo, "c1")
    assert first.revision == 0
    first.move_to("hot", clock.now())
    second.move_to("warm", clock.now())

    await repo.save(first)
    with pytest.raises(ConcurrentModification):
        await repo.save(second)

    document = await stored(accounts, "c1")
    assert (document["segment"], document["rev"]) == ("hot", 1)
    assert moves(document["_outbox"]) == [("new", "hot")]
    assert second.revision == 0 and len(second.pending_events) == 1


class OvertakenOnce(MongoRepository[SampleAccount]):
    """Lets a rival aggregate save first, once, just before the next save."""

    rival: SampleAccount | None = None

    async def save(self, aggregate: SampleAccount, *, causation_id: str | None = None) -> None:
        rival, self.rival = self.rival, None
        if rival is not None:
            await super().save(rival)
        await super().save(aggregate, causation_id=causation_id)


async def test_update_reloads_and_applies_the_change_again_after_a_lost_race(
    accounts: AsyncCollection[Any], clock: ManualClock
) -> None:
    repo = OvertakenOnce(
        accounts, SampleAccountMapper(), clock=clock, message_of=message_on_own_topic(SAMPLE_SOURCE)
    )
    await repo.add(SampleAccount("c1", "new"))
    rival = await loaded(repo, "c1")
    rival.move_to("hot", clock.now())
    repo.rival = rival
    seen: list[str] = []

    def move_to_warm(account: SampleAccount) -> bool:
        seen.append(account.segment)
        return account.move_to("warm", clock.now())

    outcome = await repo.update("c1", move_to_warm, causation_id="cmd-3")

    assert outcome is not None
    account, moved = outcome
    assert seen == ["new", "hot"], "the second attempt saw the rival's write"
    assert moved is True and account.revision == 2
    document = await stored(accounts, "c1")
    assert (document["segment"], document["rev"]) == ("warm", 2)
    assert moves(document["_outbox"]) == [("new", "hot"), ("hot", "warm")]
    assert document["_outbox"][1]["headers"]["ce_causationid"] == "cmd-3"
    assert await repo.update("missing", move_to_warm) is None


async def test_a_save_keeps_what_the_relay_published_meanwhile_out_of_the_outbox(
    repo: Repo, accounts: AsyncCollection[Any], clock: ManualClock
) -> None:
    created = SampleAccount("c1", "new")
    created.move_to("hot", clock.now())
    await repo.add(created)
    account = await loaded(repo, "c1")
    publisher = FakePublisher()

    assert await OutboxRelay([accounts], publisher, clock=clock).drain_once() == 1
    account.move_to("warm", clock.now())
    await repo.save(account)

    assert moves([m.to_document() for m in publisher.sent]) == [("new", "hot")]
    document = await stored(accounts, "c1")
    assert moves(document["_outbox"]) == [("hot", "warm")], "the published event stays gone"
    assert document["_outbox_pending"] is True
    assert await OutboxRelay([accounts], publisher, clock=clock).drain_once() == 1
    assert moves([m.to_document() for m in publisher.sent]) == [("new", "hot"), ("hot", "warm")]

    account.tag("vip")  # a save without events leaves the drained outbox alone
    await repo.save(account)
    document = await stored(accounts, "c1")
    assert (document["_outbox"], document["_outbox_pending"], document["rev"]) == ([], False, 2)


async def test_find_loads_matching_aggregates_in_the_asked_order(repo: Repo) -> None:
    for n, segment in enumerate(["hot", "warm", "hot", "hot"]):
        await repo.add(SampleAccount(f"c{n}", segment))

    found = await repo.find({"segment": "hot"}, sort=[("_id", -1)], limit=2)

    assert [a.client_id for a in found] == ["c3", "c2"]
    assert [a.revision for a in found] == [0, 0]
