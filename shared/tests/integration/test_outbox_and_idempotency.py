"""Outbox relay and idempotent consumers: a relay killed between publish and clear loses nothing,
and a consumer still applies every event once (one document per event id, or a revision-checked
aggregate write that finds the event already applied)."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiokafka.errors import MessageSizeTooLargeError
from faststream.kafka import KafkaBroker
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError
from pymongo.monitoring import (
    CommandFailedEvent,
    CommandListener,
    CommandStartedEvent,
    CommandSucceededEvent,
)

from shared.contracts.codec import DecodedEvent
from shared.contracts.events.lead_received import LeadContact, LeadReceivedV1
from shared.contracts.topics import Topic
from shared.platform.clock import ManualClock
from shared.platform.consumer import subscribe
from shared.platform.indexes import ensure_indexes
from shared.platform.outbox import (
    KafkaOutboxPublisher,
    OutboxMessage,
    OutboxRelay,
    outbox_fields,
    outbox_indexes,
    outbox_message,
    with_outbox,
)
from shared.platform.repository import MongoRepository, message_on_own_topic
from shared.platform.settings import KafkaSettings, MongoSettings
from shared.testing.kafka import read_topic, wait_until
from shared.testing.sample_aggregate import SAMPLE_SOURCE, SampleAccount, SampleAccountMapper

pytestmark = pytest.mark.integration


class RelayKilled(BaseException):
    """Stands for the process dying: not an Exception, so nothing in the relay catches it."""


class DiesAfterPublishing:
    """Publishes for real, then dies before the relay can clear what it published."""

    def __init__(self, inner: KafkaOutboxPublisher) -> None:
        self.inner = inner

    async def publish_batch(self, messages: Sequence[OutboxMessage]) -> None:
        await self.inner.publish_batch(messages)
        raise RelayKilled


def event(n: int) -> LeadReceivedV1:
    return LeadReceivedV1(
        source="web",
        external_id=f"form-{n}",
        channel="web_form",
        received_at=datetime(2026, 3, 2, 9, n, tzinfo=UTC),
        contact=LeadContact(email=f"client{n}@example.ru"),
    )


def messages_for(doc_id: str, numbers: Sequence[int]) -> list[OutboxMessage]:
    return [
        outbox_message(event(n), topic=Topic.LEAD_RECEIVED, source="/voronka/test", key=doc_id)
        for n in numbers
    ]


async def test_relay_killed_between_publish_and_clear_republishes_and_consumer_applies_once(
    kafka_topics: Any,
    kafka_settings: KafkaSettings,
    mongo_db: AsyncDatabase[Any],
    broker_factory: Callable[[], KafkaBroker],
    clock: ManualClock,
) -> None:
    topic = await kafka_topics(Topic.LEAD_RECEIVED)
    aggregates = mongo_db.aggregates
    await ensure_indexes(mongo_db, outbox_indexes("aggregates"))
    await aggregates.insert_one(
        {"_id": "a", "state": 1, **outbox_fields(messages_for("a", [1, 2]))}
    )
    await aggregates.insert_one({"_id": "b", "state": 1, **outbox_fields(messages_for("b", [3]))})

    producer = broker_factory()
    await producer.start()
    publisher = KafkaOutboxPublisher(producer, topic_prefix=kafka_settings.topic_prefix)

    with pytest.raises(RelayKilled):
        await OutboxRelay([aggregates], DiesAfterPublishing(publisher), clock=clock).drain_once()
    first = await aggregates.find_one({"_id": "a"})
    assert first is not None and len(first["_outbox"]) == 2, "killed relay must not clear"

    # A new relay (restart) after the dead one's lease expired publishes everything again.
    clock.advance(60)
    restarted = OutboxRelay([aggregates], publisher, clock=clock)
    assert await restarted.drain_once() == 3
    assert await restarted.drain_once() == 0
    for doc in await aggregates.find({}).to_list(None):
        assert doc["_outbox"] == [] and doc["_outbox_pending"] is False

    # Appending later events through `with_outbox` keeps the state change and events together.
    await aggregates.update_one(
        {"_id": "b"}, with_outbox({"$inc": {"state": 1}}, messages_for("b", [4]))
    )
    assert await restarted.drain_once() == 1

    records = await read_topic(kafka_settings.bootstrap_servers, topic, count=7)
    assert len(records) == 7  # the killed batch (3) republished: at-least-once on the wire

    applied = mongo_db.applied
    consumer = broker_factory()
    deliveries: list[str] = []

    async def insert_effect(decoded: DecodedEvent[LeadReceivedV1]) -> None:
        # One effect document per event id: a redelivered event hits the unique _id.
        with contextlib.suppress(DuplicateKeyError):  # already applied
            await applied.insert_one({"_id": decoded.envelope.id, "lead": decoded.envelope.subject})
        deliveries.append(decoded.envelope.id)

    subscribe(
        consumer,
        Topic.LEAD_RECEIVED,
        insert_effect,
        event_type=LeadReceivedV1,
        group_id="counter",
        clock=clock,
        topic_prefix=kafka_settings.topic_prefix,
    )
    await consumer.start()

    async def all_delivered() -> bool:
        return len(deliveries) == 7

    await wait_until(all_delivered)
    # Seven deliveries of four distinct events: each took effect once.
    effects = await applied.find({}).to_list(None)
    assert len(set(deliveries)) == 4
    assert sorted(d["lead"] for d in effects) == ["a", "a", "b", "b"]


async def test_an_event_applied_twice_through_the_repository_changes_the_aggregate_once(
    mongo_db: AsyncDatabase[Any], clock: ManualClock
) -> None:
    repo = MongoRepository(
        mongo_db.accounts,
        SampleAccountMapper(),
        clock=clock,
        message_of=message_on_own_topic(SAMPLE_SOURCE),
    )
    await repo.add(SampleAccount("c1", "new"))

    def apply_move(account: SampleAccount) -> bool:
        return account.move_to("hot", clock.now())  # False when the account is already there

    # The same event delivered twice at once (say, to two consumers around a rebalance): the
    # loser of the race reloads, finds the move made and writes nothing.
    outcomes = await asyncio.gather(repo.update("c1", apply_move), repo.update("c1", apply_move))

    assert sorted(moved for _, moved in filter(None, outcomes)) == [False, True]
    document = await mongo_db.accounts.find_one({"_id": "c1"})
    assert document is not None
    assert (document["segment"], document["rev"], len(document["_outbox"])) == ("hot", 1, 1)


async def test_relays_of_two_replicas_publish_each_pending_event_once(
    kafka_topics: Any,
    kafka_settings: KafkaSettings,
    mongo_db: AsyncDatabase[Any],
    broker_factory: Callable[[], KafkaBroker],
    clock: ManualClock,
) -> None:
    topic = await kafka_topics(Topic.LEAD_RECEIVED)
    col = mongo_db.aggregates
    await col.insert_many(
        [{"_id": f"d{n}", **outbox_fields(messages_for(f"d{n}", [n]))} for n in range(20)]
    )
    producer = broker_factory()
    await producer.start()
    publisher = KafkaOutboxPublisher(producer, topic_prefix=kafka_settings.topic_prefix)
    one, two = (OutboxRelay([col], publisher, clock=clock) for _ in range(2))
    counts = await asyncio.gather(one.drain_once(), two.drain_once())
    assert sum(counts) == 20
    records = await read_topic(kafka_settings.bootstrap_servers, topic, count=20)
    assert len(records) == 20


class RefusesOne:
    """Kafka refusing one document's events for good (too large, say) and taking the rest."""

    def __init__(self, refused_key: str | None) -> None:
        self.refused_key = refused_key
        self.published: list[str] = []

    async def publish_batch(self, messages: Sequence[OutboxMessage]) -> None:
        if any(m.key == self.refused_key for m in messages):
            raise MessageSizeTooLargeError()
        self.published.extend(m.key for m in messages if m.key)


async def test_events_kafka_refuses_for_good_are_parked_after_ten_tries_and_others_flow(
    mongo_db: AsyncDatabase[Any], clock: ManualClock
) -> None:
    col = mongo_db.aggregates
    await col.insert_many(
        [{"_id": key, **outbox_fields(messages_for(key, [n]))} for n, key in enumerate("abc")]
    )
    publisher = RefusesOne("b")
    relay = OutboxRelay([col], publisher, clock=clock)
    assert await relay.drain_once() == 2
    assert sorted(publisher.published) == ["a", "c"]
    for tries in range(2, 11):
        clock.advance(timedelta(seconds=31))  # the refused document's lease runs out
        await relay.drain_once()
        stored = await col.find_one({"_id": "b"})
        assert stored is not None
        if tries < 10:
            assert stored["_outbox_failures"] == tries
    # Parked at the tenth refusal, with the count cleared for whatever is appended next.
    assert "_outbox_failures" not in stored
    assert stored["_outbox_pending"] is False and stored["_outbox"] == []
    assert [m["key"] for m in stored["_outbox_parked"]] == ["b"]
    clock.advance(timedelta(seconds=31))
    assert await relay.drain_once() == 0  # parked: no more tries


async def test_a_document_published_after_refusals_starts_counting_refusals_afresh(
    mongo_db: AsyncDatabase[Any], clock: ManualClock
) -> None:
    col = mongo_db.aggregates
    await col.insert_one({"_id": "a", **outbox_fields(messages_for("a", [1]))})
    publisher = RefusesOne("a")
    relay = OutboxRelay([col], publisher, clock=clock)
    for _ in range(9):
        await relay.drain_once()
        clock.advance(timedelta(seconds=31))
    publisher.refused_key = None
    assert await relay.drain_once() == 1
    stored = await col.find_one({"_id": "a"})
    assert stored is not None and "_outbox_failures" not in stored

    # A new event refused once more is tried again, not parked as the tenth refusal.
    await col.update_one({"_id": "a"}, {"$set": outbox_fields(messages_for("a", [2]))})
    publisher.refused_key = "a"
    await relay.drain_once()
    stored = await col.find_one({"_id": "a"})
    assert stored is not None and stored["_outbox_failures"] == 1
    assert stored["_outbox_pending"] is True and "_outbox_parked" not in stored


class CountsCommands(CommandListener):
    """Counts the commands a client sends, by name."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def started(self, event: CommandStartedEvent) -> None:
        self.counts[event.command_name] += 1

    def succeeded(self, event: CommandSucceededEvent) -> None:
        pass

    def failed(self, event: CommandFailedEvent) -> None:
        pass


async def test_one_pass_drains_hundreds_of_documents_in_a_few_commands(
    kafka_topics: Any,
    kafka_settings: KafkaSettings,
    mongo_settings: MongoSettings,
    mongo_db: AsyncDatabase[Any],
    broker_factory: Callable[[], KafkaBroker],
    clock: ManualClock,
) -> None:
    topic = await kafka_topics(Topic.LEAD_RECEIVED)
    await ensure_indexes(mongo_db, outbox_indexes("aggregates"))
    await mongo_db.aggregates.insert_many(
        [
            {"_id": f"d{n:03d}", **outbox_fields(messages_for(f"d{n:03d}", [1, 2]))}
            for n in range(250)
        ]
    )
    producer = broker_factory()
    await producer.start()
    publisher = KafkaOutboxPublisher(producer, topic_prefix=kafka_settings.topic_prefix)
    commands = CountsCommands()
    client: AsyncMongoClient[Any] = AsyncMongoClient(
        mongo_settings.url.get_secret_value(), tz_aware=True, event_listeners=[commands]
    )
    try:
        relay = OutboxRelay(
            [client[str(mongo_settings.database)].aggregates], publisher, clock=clock
        )
        assert await relay.drain_once() == 500
        sent = dict(commands.counts)
    finally:
        await client.close()

    # Per 100 documents: a read, a lease, a read back and two clearing updates; one count.
    assert sent == {"find": 6, "update": 8, "aggregate": 1}, sent
    left = await mongo_db.aggregates.count_documents({"_outbox_pending": True})
    held = await mongo_db.aggregates.count_documents({"_outbox_owner": {"$exists": True}})
    assert (left, held) == (0, 0)
    records = await read_topic(kafka_settings.bootstrap_servers, topic, count=500)
    assert len(records) == 500


class AppendsWhilePublishing:
    """Publishes for real; before the first batch, a save appends events to one document."""

    def __init__(
        self,
        inner: KafkaOutboxPublisher,
        collection: AsyncCollection[Any],
        doc_id: str,
        appended: list[OutboxMessage],
    ) -> None:
        self.inner = inner
        self.collection = collection
        self.doc_id = doc_id
        self.appended = appended

    async def publish_batch(self, messages: Sequence[OutboxMessage]) -> None:
        if self.appended:
            update = with_outbox({"$inc": {"state": 1}}, self.appended)
            await self.collection.update_one({"_id": self.doc_id}, update)
            self.appended = []
        await self.inner.publish_batch(messages)


async def test_an_event_appended_between_claim_and_clear_stays_pending_for_the_next_pass(
    kafka_topics: Any,
    kafka_settings: KafkaSettings,
    mongo_db: AsyncDatabase[Any],
    broker_factory: Callable[[], KafkaBroker],
    clock: ManualClock,
) -> None:
    topic = await kafka_topics(Topic.LEAD_RECEIVED)
    col = mongo_db.aggregates
    first = {key: messages_for(key, numbers) for key, numbers in (("a", [1, 2]), ("b", [3, 4]))}
    await col.insert_many(
        [{"_id": key, "state": 1, **outbox_fields(m)} for key, m in first.items()]
    )
    producer = broker_factory()
    await producer.start()
    kafka = KafkaOutboxPublisher(producer, topic_prefix=kafka_settings.topic_prefix)
    late = messages_for("b", [5])
    relay = OutboxRelay([col], AppendsWhilePublishing(kafka, col, "b", late), clock=clock)

    assert await relay.drain_once() == 4
    a, b = await col.find({}).sort("_id").to_list(None)
    assert (a["_outbox"], a["_outbox_pending"]) == ([], False)
    assert ([m["id"] for m in b["_outbox"]], b["_outbox_pending"]) == ([late[0].id], True)
    assert "_outbox_owner" not in b and "_outbox_lease" not in b, "released for the next pass"
    assert b["state"] == 2

    assert await relay.drain_once() == 1
    b = await col.find_one({"_id": "b"})
    assert b is not None and (b["_outbox"], b["_outbox_pending"]) == ([], False)
    records = await read_topic(kafka_settings.bootstrap_servers, topic, count=5)
    ids_of_b = [dict(r.headers)["ce_id"].decode() for r in records if r.key == b"b"]
    assert ids_of_b == [m.id for m in [*first["b"], *late]], "once each, in order"


class Records:
    """Publishes for real and keeps the ids it got acknowledged, per key, in order."""

    def __init__(self, inner: KafkaOutboxPublisher) -> None:
        self.inner = inner
        self.ids: dict[str, list[str]] = {}

    async def publish_batch(self, messages: Sequence[OutboxMessage]) -> None:
        await self.inner.publish_batch(messages)
        for m in messages:
            self.ids.setdefault(str(m.key), []).append(m.id)


async def test_two_relays_and_concurrent_writes_lose_no_event_and_publish_each_once(
    kafka_topics: Any,
    kafka_settings: KafkaSettings,
    mongo_db: AsyncDatabase[Any],
    broker_factory: Callable[[], KafkaBroker],
    clock: ManualClock,
) -> None:
    topic = await kafka_topics(Topic.LEAD_RECEIVED)
    col = mongo_db.aggregates
    keys = [f"d{n:02d}" for n in range(40)]
    written = {key: messages_for(key, [n]) for n, key in enumerate(keys)}
    await col.insert_many([{"_id": key, **outbox_fields(m)} for key, m in written.items()])
    producer = broker_factory()
    await producer.start()
    publisher = Records(KafkaOutboxPublisher(producer, topic_prefix=kafka_settings.topic_prefix))
    one, two = (OutboxRelay([col], publisher, clock=clock) for _ in range(2))
    writing = True

    async def write() -> None:
        nonlocal writing
        for round_ in range(1, 4):
            for n, key in enumerate(keys):
                more = messages_for(key, [(n + round_) % 60])
                await col.update_one({"_id": key}, with_outbox({"$inc": {"v": 1}}, more))
                written[key].extend(more)
        writing = False

    async def relay_while_writing(relay: OutboxRelay) -> None:
        while writing:
            # Two passes of one relay at once too (its loop and a caller's `drain_once`).
            await asyncio.gather(relay.drain_once(), relay.drain_once())

    await asyncio.gather(write(), relay_while_writing(one), relay_while_writing(two))
    while sum(await asyncio.gather(one.drain_once(), two.drain_once())):
        pass

    assert publisher.ids == {key: [m.id for m in messages] for key, messages in written.items()}
    for doc in await col.find({}).to_list(None):
        assert (doc["_outbox"], doc["_outbox_pending"]) == ([], False)
    records = await read_topic(kafka_settings.bootstrap_servers, topic, count=160)
    assert len(records) == 160


async def test_a_document_kafka_refuses_is_parked_while_the_rest_of_its_batch_is_published(
    kafka_topics: Any,
    kafka_settings: KafkaSettings,
    mongo_db: AsyncDatabase[Any],
    broker_factory: Callable[[], KafkaBroker],
    clock: ManualClock,
) -> None:
    topic = await kafka_topics(Topic.LEAD_RECEIVED)
    col = mongo_db.aggregates
    (oversized,) = messages_for("b", [2])
    too_large = replace(oversized, value=oversized.value + " " * 1_100_000)  # over 1 MiB
    await col.insert_many(
        [
            {"_id": "a", **outbox_fields(messages_for("a", [1]))},
            {"_id": "b", **outbox_fields([too_large])},
            {"_id": "c", **outbox_fields(messages_for("c", [3]))},
        ]
    )
    producer = broker_factory()
    await producer.start()
    relay = OutboxRelay(
        [col], KafkaOutboxPublisher(producer, topic_prefix=kafka_settings.topic_prefix), clock=clock
    )

    assert await relay.drain_once() == 2
    for _ in range(2, 11):
        clock.advance(timedelta(seconds=31))  # the refused document's lease runs out
        assert await relay.drain_once() == 0

    docs = {doc["_id"]: doc for doc in await col.find({}).to_list(None)}
    assert [(d["_outbox"], d["_outbox_pending"]) for d in docs.values()] == [([], False)] * 3
    assert [m["id"] for m in docs["b"]["_outbox_parked"]] == [too_large.id]
    assert "_outbox_failures" not in docs["b"]  # parked; the count starts afresh
    assert "_outbox_parked" not in docs["a"] and "_outbox_parked" not in docs["c"]
    records = await read_topic(kafka_settings.bootstrap_servers, topic, count=2)
    assert {r.key for r in records} == {b"a", b"c"}  # `a` or `c` twice if sent before `b`
