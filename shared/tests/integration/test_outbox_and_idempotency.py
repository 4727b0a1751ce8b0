"""Outbox relay and idempotent consumer: a relay killed between publish and clear loses nothing
and the consumer still applies every event exactly once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from faststream.kafka import KafkaBroker
from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts.codec import DecodedEvent
from shared.contracts.events.lead_received import LeadContact, LeadReceivedV1
from shared.contracts.topics import Topic
from shared.platform.clock import ManualClock
from shared.platform.consumer import subscribe
from shared.platform.inbox import Inbox, apply_once
from shared.platform.outbox import (
    KafkaOutboxPublisher,
    OutboxMessage,
    OutboxRelay,
    ensure_outbox_indexes,
    outbox_fields,
    outbox_message,
    with_outbox,
)
from shared.platform.settings import KafkaSettings
from shared.testing.kafka import read_topic, wait_until

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
    await ensure_outbox_indexes(aggregates)
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

    counters = mongo_db.counters
    consumer = broker_factory()

    async def count_once(decoded: DecodedEvent[LeadReceivedV1]) -> None:
        await apply_once(
            counters, decoded.envelope.subject, decoded.envelope.id, {"$inc": {"applied": 1}}
        )

    subscribe(
        consumer,
        Topic.LEAD_RECEIVED,
        count_once,
        event_type=LeadReceivedV1,
        group_id="counter",
        clock=clock,
        topic_prefix=kafka_settings.topic_prefix,
    )
    await consumer.start()

    async def all_applied() -> bool:
        docs = {d["_id"]: d["applied"] for d in await counters.find({}).to_list(None)}
        return docs == {"a": 2, "b": 2}

    await wait_until(all_applied)
    # Everything was consumed; the counters still hold once-per-event figures.
    docs = {d["_id"]: d for d in await counters.find({}).to_list(None)}
    assert {k: v["applied"] for k, v in docs.items()} == {"a": 2, "b": 2}
    assert len(set(docs["a"]["_inbox"])) == 2


async def test_apply_once_ignores_a_redelivered_event(mongo_db: AsyncDatabase[Any]) -> None:
    col = mongo_db.projections
    assert await apply_once(col, "x", "e1", {"$inc": {"n": 1}}) is True
    assert await apply_once(col, "x", "e1", {"$inc": {"n": 1}}) is False
    assert await apply_once(col, "x", "e2", {"$inc": {"n": 1}}) is True
    doc = await col.find_one({"_id": "x"})
    assert doc is not None and doc["n"] == 2


async def test_apply_once_forgets_only_beyond_the_remembered_window(
    mongo_db: AsyncDatabase[Any],
) -> None:
    col = mongo_db.projections
    for n in range(5):
        await apply_once(col, "x", f"e{n}", {"$inc": {"n": 1}}, remembered=3)
    doc = await col.find_one({"_id": "x"})
    assert doc is not None and doc["_inbox"] == ["e2", "e3", "e4"]


async def test_inbox_records_each_event_once_per_consumer(mongo_db: AsyncDatabase[Any]) -> None:
    inbox = Inbox(mongo_db.inbox, consumer="mailer")
    other = Inbox(mongo_db.inbox, consumer="sms")
    assert not await inbox.seen("e1")
    assert await inbox.record("e1") is True
    assert await inbox.record("e1") is False
    assert await inbox.seen("e1")
    assert not await other.seen("e1")


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
