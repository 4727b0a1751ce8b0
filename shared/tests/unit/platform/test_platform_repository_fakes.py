"""The in-memory repository keeps the MongoDB one's rules; `changes` diffs top-level fields."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.contracts.topics import Topic
from shared.platform.clock import ManualClock
from shared.platform.repository import ConcurrentModification, changes, message_on_own_topic
from shared.testing.fakes import InMemoryRepository
from shared.testing.sample_aggregate import SAMPLE_SOURCE, SampleAccount, SampleAccountMapper

pytestmark = pytest.mark.unit

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def repo(clock: ManualClock) -> InMemoryRepository[SampleAccount]:
    return InMemoryRepository(
        SampleAccountMapper(), clock=clock, message_of=message_on_own_topic(SAMPLE_SOURCE)
    )


def payload(message: Any) -> dict[str, Any]:
    return dict(json.loads(message.value))


# --- changes(): the diff a save writes ------------------------------------------------------


def test_changes_sets_what_differs_and_unsets_what_is_gone() -> None:
    before = {"_id": "c1", "segment": "hot", "tags": ["vip"], "note": "calls on Fridays"}
    after = {"_id": "c1", "segment": "warm", "tags": ["vip"], "city": "Perm"}

    assert changes(before, after) == {
        "$set": {"segment": "warm", "city": "Perm"},
        "$unset": {"note": ""},
    }


def test_changes_of_equal_documents_is_no_update_at_all() -> None:
    document = {"_id": "c1", "segment": "hot", "tags": ["vip"]}

    assert changes(document, dict(document)) == {}


def test_changes_rewrites_a_changed_array_or_map_whole() -> None:
    before = {"_id": "c1", "tags": ["vip", "opt"], "address": {"city": "Perm", "zip": "614000"}}
    after = {"_id": "c1", "tags": ["vip", "opt", "new"], "address": {"city": "Perm", "zip": "1"}}

    assert changes(before, after) == {
        "$set": {"tags": ["vip", "opt", "new"], "address": {"city": "Perm", "zip": "1"}}
    }


def test_changes_never_touches_id_revision_or_the_relays_fields() -> None:
    before = {
        "_id": "c1",
        "rev": 4,
        "_outbox": [{"id": "e1"}],
        "_outbox_pending": True,
        "_outbox_lease": START,
        "_outbox_owner": "relay-1",
        "n": 1,
    }
    after = {"_id": "c2", "n": 1}

    assert changes(before, after) == {}


def test_changes_tells_none_from_an_absent_field() -> None:
    assert changes({"_id": "c1", "note": None}, {"_id": "c1"}) == {"$unset": {"note": ""}}
    assert changes({"_id": "c1"}, {"_id": "c1", "note": None}) == {"$set": {"note": None}}


# --- the in-memory repository ---------------------------------------------------------------


async def test_add_stores_the_document_at_revision_0_and_publishes_recorded_events(
    repo: InMemoryRepository[SampleAccount],
) -> None:
    account = SampleAccount("c1", "new", tags=["vip"])
    account.move_to("hot", START)

    assert await repo.add(account, causation_id="cmd-1") is True

    assert repo.documents == {
        "c1": {"_id": "c1", "segment": "hot", "tags": ["vip"], "rev": 0},
    }
    assert account.revision == 0 and account.pending_events == []
    [message] = repo.published
    assert message.topic == Topic.CLIENT_SEGMENT_CHANGED
    assert message.key == "c1"
    assert message.headers["ce_causationid"] == "cmd-1"
    assert message.headers["ce_correlationid"] == "c1"
    assert message.headers["ce_source"] == SAMPLE_SOURCE
    assert payload(message)["from_segment"] == "new"
    assert payload(message)["to_segment"] == "hot"


async def test_add_of_a_taken_id_is_refused_and_publishes_nothing(
    repo: InMemoryRepository[SampleAccount],
) -> None:
    await repo.add(SampleAccount("c1", "hot"))
    second = SampleAccount("c1", "warm")
    second.move_to("cooling", START)

    assert await repo.add(second) is False

    assert repo.documents["c1"]["segment"] == "hot"
    assert repo.published == []
    assert len(second.pending_events) == 1, "refused events stay with the aggregate"


async def test_get_round_trips_through_the_mapper_and_hands_out_a_copy(
    repo: InMemoryRepository[SampleAccount],
) -> None:
    await repo.add(SampleAccount("c1", "hot", tags=["vip"], note="calls on Fridays"))

    loaded = await repo.get("c1")
    assert loaded is not None
    assert (loaded.client_id, loaded.segment, loaded.tags, loaded.note) == (
        "c1",
        "hot",
        ["vip"],
        "calls on Fridays",
    )
    loaded.tag("opt")  # changed in memory, not saved
    assert repo.documents["c1"]["tags"] == ["vip"]
    assert await repo.get("missing") is None


async def test_save_writes_state_bumps_revision_and_publishes_events_in_order(
    repo: InMemoryRepository[SampleAccount], clock: ManualClock
) -> None:
    await repo.add(SampleAccount("c1", "new"))
    account = await repo.get("c1")
    assert account is not None
    account.move_to("hot", START)
    clock.advance(60)
    account.move_to("warm", clock.now())
    account.note = None
    account.tag("vip")  # in place, on the very list the mapper handed out at load

    await repo.save(account)

    assert account.revision == 1
    assert repo.documents["c1"] == {"_id": "c1", "segment": "warm", "tags": ["vip"], "rev": 1}
    moves = [(payload(m)["from_segment"], payload(m)["to_segment"]) for m in repo.published]
    assert moves == [("new", "hot"), ("hot", "warm")]
    assert [m.headers["ce_time"] for m in repo.published] == ["2026-03-02T09:01:00Z"] * 2
    assert repo.published_on(Topic.CLIENT_SEGMENT_CHANGED) == repo.published
    assert repo.published_on(Topic.DEAL_STAGE_CHANGED) == []


async def test_a_save_without_changes_writes_nothing_and_keeps_the_revision(
    repo: InMemoryRepository[SampleAccount],
) -> None:
    await repo.add(SampleAccount("c1", "hot"))
    account = await repo.get("c1")
    assert account is not None
    assert account.move_to("hot", START) is False

    await repo.save(account)

    assert account.revision == 0
    assert repo.documents["c1"]["rev"] == 0
    assert repo.published == []


async def test_the_second_of_two_concurrent_saves_loses_and_publishes_nothing(
    repo: InMemoryRepository[SampleAccount],
) -> None:
    await repo.add(SampleAccount("c1", "new"))
    first, second = await repo.get("c1"), await repo.get("c1")
    assert first is not None and second is not None
    first.move_to("hot", START)
    second.move_to("warm", START)

    await repo.save(first)
    with pytest.raises(ConcurrentModification):
        await repo.save(second)

    assert repo.documents["c1"]["segment"] == "hot"
    assert repo.documents["c1"]["rev"] == 1
    assert [payload(m)["to_segment"] for m in repo.published] == ["hot"]
    assert second.revision == 0 and len(second.pending_events) == 1


async def test_update_reloads_and_applies_the_change_again_after_losing_a_race(
    repo: InMemoryRepository[SampleAccount],
) -> None:
    await repo.add(SampleAccount("c1", "new"))
    calls: list[str] = []

    def tag_and_move(account: SampleAccount) -> int:
        calls.append(account.segment)
        if len(calls) == 1:  # another writer gets in between this load and its save
            rival = repo.documents["c1"]
            repo.documents["c1"] = {**rival, "segment": "cooling", "rev": rival["rev"] + 1}
        account.tag("seen")
        account.move_to("hot", START)
        return len(account.tags)

    outcome = await repo.update("c1", tag_and_move)

    assert outcome is not None
    account, tag_count = outcome
    assert calls == ["new", "cooling"]
    assert tag_count == 1
    assert account.revision == 2
    assert repo.documents["c1"] == {"_id": "c1", "segment": "hot", "tags": ["seen"], "rev": 2}
    assert [(payload(m)["from_segment"], payload(m)["to_segment"]) for m in repo.published] == [
        ("cooling", "hot")
    ]


async def test_update_of_a_missing_aggregate_is_none(
    repo: InMemoryRepository[SampleAccount],
) -> None:
    assert await repo.update("missing", lambda account: account.tag("x")) is None


async def test_update_gives_up_after_the_given_attempts(
    repo: InMemoryRepository[SampleAccount],
) -> None:
    await repo.add(SampleAccount("c1", "new"))

    def always_overtaken(account: SampleAccount) -> None:
        stored = repo.documents["c1"]
        repo.documents["c1"] = {**stored, "rev": stored["rev"] + 1}
        account.tag("x")

    with pytest.raises(ConcurrentModification):
        await repo.update("c1", always_overtaken, attempts=3)
    assert repo.documents["c1"]["rev"] == 3
    assert repo.documents["c1"]["tags"] == []


async def test_save_refuses_an_aggregate_it_did_not_load(
    repo: InMemoryRepository[SampleAccount],
) -> None:
    await repo.add(SampleAccount("c1", "hot"))
    stranger = SampleAccount("c1", "warm")
    stranger.revision = 0

    with pytest.raises(ValueError, match="loaded by this repository"):
        await repo.save(stranger)


async def test_a_document_stored_without_a_revision_loads_at_revision_0(
    repo: InMemoryRepository[SampleAccount],
) -> None:
    repo.documents["c1"] = {"_id": "c1", "segment": "hot", "tags": []}

    outcome = await repo.update("c1", lambda account: account.move_to("warm", START))

    assert outcome is not None and outcome[0].revision == 1
    assert repo.documents["c1"]["rev"] == 1
