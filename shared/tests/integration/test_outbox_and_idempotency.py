"""Outbox relay and idempotent consumers: a relay killed between publish and clear loses nothing,
and a consumer still applies every event once (one document per event id, or a revision-checked
aggregate write that finds the event already applied)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiokafka.errors import MessageSizeTooLargeError
from faststream.kafka import KafkaBroker
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

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
from shared.platform.settings import KafkaSettings
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

    records = await read_topic(kafka_settings.bootstrap_servers, topic, count=6)
    assert len(records) == 6  # 2 republished after the crash: at-least-once on the wire

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
        return len(deliveries) == 6

    await wait_until(all_delivered)
    # Six deliveries of four distinct events: each took effect once.
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

    def __init__(self, refused_key: str) -> None:
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
        assert stored is not None and stored["_outbox_failures"] == tries
    assert stored["_outbox_pending"] is False and stored["_outbox"] == []
    assert [m["key"] for m in stored["_outbox_parked"]] == ["b"]
    clock.advance(timedelta(seconds=31))
    assert await relay.drain_once() == 0  # parked: no more tries
