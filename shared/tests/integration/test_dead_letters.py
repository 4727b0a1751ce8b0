"""Bad input never stops the line: poison goes to `<topic>.dlq` once and the next message flows;
an outage is never dead-lettered. Single messages and batches take the same path."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest
from faststream.kafka import KafkaBroker
from prometheus_client import REGISTRY as METRICS
from pymongo.errors import AutoReconnect

from shared.contracts.codec import DecodedEvent, encode
from shared.contracts.events.base import EventModel
from shared.contracts.events.lead_received import LeadContact, LeadReceivedV1
from shared.contracts.registry import EventRegistry
from shared.contracts.topics import Topic, dead_letter_topic
from shared.platform import dlq
from shared.platform.clock import ManualClock
from shared.platform.consumer import BatchItem, RetryPolicy, subscribe, subscribe_batch, topic_group
from shared.platform.errors import RetryLater
from shared.platform.repository import ConcurrentModification
from shared.platform.settings import KafkaSettings
from shared.testing.kafka import committed, read_topic, wait_until

pytestmark = pytest.mark.integration


def good(n: int) -> tuple[bytes, dict[str, str]]:
    payload, headers = encode(
        LeadReceivedV1(
            source="web",
            external_id=f"f{n}",
            channel="web_form",
            received_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
            contact=LeadContact(phone=f"+7 912 000-00-0{n}"),
        ),
        source="/web",
    )
    return payload, {k: v.decode() for k, v in headers}


async def no_sleep(_: float) -> None:
    return None


def quick_delivery(kafka_settings: KafkaSettings, clock: ManualClock) -> dict[str, Any]:
    """What every subscriber here shares: the test's topics and clock, retries without waits."""
    return {
        "clock": clock,
        "topic_prefix": kafka_settings.topic_prefix,
        "retry": RetryPolicy(attempts=3, backoff_seconds=0.0, outage_pause_seconds=0.0),
        "sleep": no_sleep,
    }


@pytest.fixture
def lead_consumer(
    broker_factory: Callable[[], KafkaBroker], kafka_settings: KafkaSettings, clock: ManualClock
) -> Callable[..., KafkaBroker]:
    """A consumer (not started) with `handle` subscribed to `lead.received` with quick retries."""

    def make(handle: Any, *, group_id: str, **options: Any) -> KafkaBroker:
        consumer = broker_factory()
        options.setdefault("event_type", LeadReceivedV1)
        subscribe(
            consumer,
            Topic.LEAD_RECEIVED,
            handle,
            group_id=group_id,
            **{**quick_delivery(kafka_settings, clock), **options},
        )
        return consumer

    return make


async def publish_good(producer: KafkaBroker, topic: str, numbers: tuple[int, ...]) -> None:
    """Publish the good `lead.received` events of these numbers, keyed `f<n>`, in order."""
    for n in numbers:
        payload, headers = good(n)
        await producer.publish(payload, topic=topic, key=f"f{n}".encode(), headers=headers)


async def test_poison_message_lands_in_dead_letter_topic_once_and_next_is_processed(
    kafka_topics: Any,
    kafka_settings: KafkaSettings,
    broker_factory: Callable[[], KafkaBroker],
    lead_consumer: Callable[..., KafkaBroker],
) -> None:
    topic = await kafka_topics(Topic.LEAD_RECEIVED, partitions=1)
    processed: list[str | None] = []
    done = asyncio.Event()
    attempts: dict[str | None, int] = {}

    async def handle(decoded: DecodedEvent[LeadReceivedV1]) -> None:
        attempts[decoded.event.external_id] = attempts.get(decoded.event.external_id, 0) + 1
        if decoded.event.external_id == "f2":
            raise ValueError("cannot process lead for +7 912 000-00-02")  # PII must not leak
        processed.append(decoded.event.external_id)
        if decoded.event.external_id == "f3":
            done.set()

    consumer = lead_consumer(handle, group_id="leads-intake")
    producer = broker_factory()
    await producer.start()
    await producer.publish(
        b'{"source": "web", "channel": "carrier pigeon", "contact": {"phone": "+79120000000"}}',
        topic=topic,
        key=b"bad-1",
    )
    await producer.publish(b"not json at all", topic=topic, key=b"bad-2")
    await publish_good(producer, topic, (1, 2, 3))
    await consumer.start()

    await asyncio.wait_for(done.wait(), 30)
    assert processed == ["f1", "f3"]
    assert attempts["f2"] == 3  # bounded retries first

    dead = await read_topic(kafka_settings.bootstrap_servers, dead_letter_topic(topic), count=3)
    assert len(dead) == 3, "each poison message exactly once"
    by_key = {record.key: dict(record.headers) for record in dead}
    assert set(by_key) == {b"bad-1", b"bad-2", b"f2"}
    for headers in by_key.values():
        assert headers["dlq_origin_topic"] == topic.encode()
        assert headers["dlq_consumer_group"] == b"leads-intake"
        assert b"+7" not in headers["dlq_error"] and b"7912" not in headers["dlq_error"]
    assert by_key[b"bad-1"]["dlq_error_type"] == b"InvalidEventError"
    assert b"channel" in by_key[b"bad-1"]["dlq_error"]
    assert by_key[b"bad-2"]["dlq_error_type"] == b"MalformedPayloadError"
    assert by_key[b"f2"]["dlq_error_type"] == b"ValueError"
    assert by_key[b"f2"]["dlq_attempts"] == b"3"
    assert by_key[b"f2"]["ce_type"] == b"lead.received", "original headers are kept"


class LeadReceivedV2(EventModel):
    """A later version of `lead.received`, which the subscriber below has moved on to."""

    event_type: ClassVar[str] = Topic.LEAD_RECEIVED.value
    event_version: ClassVar[int] = 2

    external_id: str


async def test_an_event_of_another_type_than_the_handler_takes_is_dead_lettered(
    kafka_topics: Any,
    kafka_settings: KafkaSettings,
    broker_factory: Callable[[], KafkaBroker],
    lead_consumer: Callable[..., KafkaBroker],
) -> None:
    topic = await kafka_topics(Topic.LEAD_RECEIVED, partitions=1)
    registry = EventRegistry([LeadReceivedV1, LeadReceivedV2])
    handled: list[str] = []
    done = asyncio.Event()

    async def handle(decoded: DecodedEvent[LeadReceivedV2]) -> None:
        handled.append(decoded.event.external_id)
        done.set()

    consumer = lead_consumer(
        handle, group_id="v2-reader", event_type=LeadReceivedV2, registry=registry
    )
    producer = broker_factory()
    await producer.start()
    await publish_good(producer, topic, (1,))  # v1: valid on the topic, not what handle takes
    v2_payload, v2_headers = encode(
        LeadReceivedV2(external_id="v2-1"), source="/web", registry=registry
    )
    await producer.publish(
        v2_payload, topic=topic, key=b"v2-1", headers={k: v.decode() for k, v in v2_headers}
    )
    await consumer.start()

    await asyncio.wait_for(done.wait(), 30)
    assert handled == ["v2-1"]
    [dead] = await read_topic(kafka_settings.bootstrap_servers, dead_letter_topic(topic), count=1)
    headers_of_dead = dict(dead.headers)
    assert dead.key == b"f1"
    assert headers_of_dead["dlq_error_type"] == b"TopicMismatchError"
    assert b"expected LeadReceivedV2, got LeadReceivedV1" in headers_of_dead["dlq_error"]
    assert headers_of_dead["ce_dataversion"] == b"1"
    assert headers_of_dead["dlq_attempts"] == b"1"  # never retried: it cannot succeed


def processing_count(topic: str) -> float:
    """Observations of `voronka_event_processing_seconds` for one logical topic so far."""
    value = METRICS.get_sample_value("voronka_event_processing_seconds_count", {"topic": topic})
    return value or 0.0


async def test_a_poison_message_in_a_batch_is_dead_lettered_alone_and_the_rest_applied(
    kafka_topics: Any,
    kafka_settings: KafkaSettings,
    broker_factory: Callable[[], KafkaBroker],
    clock: ManualClock,
) -> None:
    topic = await kafka_topics(Topic.LEAD_RECEIVED, partitions=1)
    applied: set[str] = set()
    sizes: list[int] = []
    observed_before = processing_count(Topic.LEAD_RECEIVED)

    async def apply_batch(items: list[BatchItem]) -> None:
        sizes.append(len(items))
        keys = [item.record.key.decode() for item in items]
        if "f2" in keys:
            raise ValueError("cannot process lead for +7 912 000-00-02")
        applied.update(keys)  # idempotent per message, as a batch handler must be

    consumer = broker_factory()
    subscribe_batch(
        consumer,
        [Topic.LEAD_RECEIVED],
        apply_batch,
        group_id="reporting-facts",
        **quick_delivery(kafka_settings, clock),
    )
    producer = broker_factory()
    await producer.start()
    await publish_good(producer, topic, (1, 2))
    await producer.publish(b"not json at all", topic=topic, key=b"bad")
    await publish_good(producer, topic, (3, 4))
    await consumer.start()

    async def rest_applied() -> bool:
        return applied == {"f1", "f3", "f4"}

    await wait_until(rest_applied)
    assert max(sizes) > 1, "the poison message came in a batch with others"
    dead = await read_topic(kafka_settings.bootstrap_servers, dead_letter_topic(topic), count=2)
    by_key = {record.key: dict(record.headers) for record in dead}
    assert set(by_key) == {b"f2", b"bad"}, "only the poison and the malformed message"
    assert by_key[b"f2"]["dlq_error_type"] == b"ValueError"
    assert by_key[b"f2"]["dlq_attempts"] == b"4"  # 3 as part of the batch, 1 alone
    assert b"+7" not in by_key[b"f2"]["dlq_error"]
    assert by_key[b"bad"]["dlq_error_type"] == b"MalformedPayloadError"
    assert applied == {"f1", "f3", "f4"}
    # Processing time is observed per event, the batch's time shared among its 5 records.
    assert processing_count(Topic.LEAD_RECEIVED) - observed_before == 5


async def test_an_outage_is_not_dead_lettered_and_the_same_offset_is_read_again(
    kafka_topics: Any,
    kafka_settings: KafkaSettings,
    broker_factory: Callable[[], KafkaBroker],
    lead_consumer: Callable[..., KafkaBroker],
) -> None:
    topic = await kafka_topics(Topic.LEAD_RECEIVED, partitions=1)
    outages = 4  # more than the retry attempts: an outage is not an attempt of the message
    calls: list[str | None] = []
    processed: list[str | None] = []

    async def handle(decoded: DecodedEvent[LeadReceivedV1]) -> None:
        calls.append(decoded.event.external_id)
        if decoded.event.external_id == "f1" and calls.count("f1") <= outages:
            raise AutoReconnect("connection to the database was lost")
        processed.append(decoded.event.external_id)

    consumer = lead_consumer(
        handle,
        group_id=topic_group(kafka_settings.topic_prefix + "leads-intake", Topic.LEAD_RECEIVED),
    )
    producer = broker_factory()
    await producer.start()
    await publish_good(producer, topic, (1, 2))
    await consumer.start()

    async def both_committed() -> bool:
        return await committed(kafka_settings, "leads-intake", Topic.LEAD_RECEIVED) == 2

    await wait_until(both_committed)
    assert processed == ["f1", "f2"], "the failed offset was read again, in order"
    assert calls.count("f1") == outages + 1
    dead = await read_topic(kafka_settings.bootstrap_servers, dead_letter_topic(topic), count=0)
    assert dead == []


async def test_a_lost_race_is_read_again_past_the_attempts_and_never_dead_lettered(
    kafka_topics: Any,
    kafka_settings: KafkaSettings,
    broker_factory: Callable[[], KafkaBroker],
    lead_consumer: Callable[..., KafkaBroker],
) -> None:
    topic = await kafka_topics(Topic.LEAD_RECEIVED, partitions=1)
    lost_races = 6  # twice the attempts a failing message gets
    calls: list[str | None] = []
    pauses: list[float] = []

    async def handle(decoded: DecodedEvent[LeadReceivedV1]) -> None:
        calls.append(decoded.event.external_id)
        if decoded.event.external_id == "f1" and calls.count("f1") <= lost_races:
            raise ConcurrentModification("lead-1")

    async def note_pause(seconds: float) -> None:
        pauses.append(seconds)

    group = topic_group(kafka_settings.topic_prefix + "leads-race", Topic.LEAD_RECEIVED)
    consumer = lead_consumer(handle, group_id=group, sleep=note_pause)
    producer = broker_factory()
    await producer.start()
    await publish_good(producer, topic, (1, 2))
    await consumer.start()

    async def both_committed() -> bool:
        return await committed(kafka_settings, "leads-race", Topic.LEAD_RECEIVED) == 2

    await wait_until(both_committed)
    assert calls == ["f1"] * (lost_races + 1) + ["f2"]
    assert pauses == [0.2, 0.4, 0.8, 1.6, 3.2, 6.4]  # growing, from RetryPolicy's defaults
    dead = await read_topic(kafka_settings.bootstrap_servers, dead_letter_topic(topic), count=0)
    assert dead == []


async def test_what_waits_for_ever_is_dead_lettered_once_after_give_up_seconds(
    kafka_topics: Any,
    kafka_settings: KafkaSettings,
    broker_factory: Callable[[], KafkaBroker],
    lead_consumer: Callable[..., KafkaBroker],
    clock: ManualClock,
) -> None:
    topic = await kafka_topics(Topic.LEAD_RECEIVED, partitions=1)
    processed: list[str | None] = []

    async def handle(decoded: DecodedEvent[LeadReceivedV1]) -> None:
        if decoded.event.external_id == "f1":
            raise RetryLater("its lead has not arrived")
        processed.append(decoded.event.external_id)

    async def time_passes(seconds: float) -> None:
        clock.advance(seconds)

    policy = RetryPolicy(
        attempts=3, backoff_seconds=0.0, later_max_pause_seconds=60.0, give_up_seconds=300.0
    )
    group = topic_group(kafka_settings.topic_prefix + "leads-wait", Topic.LEAD_RECEIVED)
    consumer = lead_consumer(handle, group_id=group, sleep=time_passes, retry=policy)
    producer = broker_factory()
    await producer.start()
    await publish_good(producer, topic, (1, 2))
    started = clock.now()
    await consumer.start()

    async def both_committed() -> bool:
        return await committed(kafka_settings, "leads-wait", Topic.LEAD_RECEIVED) == 2

    await wait_until(both_committed)
    assert processed == ["f2"]
    assert (clock.now() - started).total_seconds() >= 300.0
    dead = await read_topic(kafka_settings.bootstrap_servers, dead_letter_topic(topic), count=1)
    assert len(dead) == 1


async def test_dead_letters_are_listed_and_replayed_once_after_the_cause_is_fixed(
    kafka_topics: Any,
    kafka_settings: KafkaSettings,
    broker_factory: Callable[[], KafkaBroker],
    lead_consumer: Callable[..., KafkaBroker],
) -> None:
    topic = await kafka_topics(Topic.LEAD_RECEIVED, partitions=1)
    fixed = False
    processed: list[str | None] = []

    async def handle(decoded: DecodedEvent[LeadReceivedV1]) -> None:
        if decoded.event.external_id == "f1" and not fixed:
            raise ValueError("a bug in this release")
        processed.append(decoded.event.external_id)

    group = topic_group(kafka_settings.topic_prefix + "leads-dlq", Topic.LEAD_RECEIVED)
    consumer = lead_consumer(handle, group_id=group)
    producer = broker_factory()
    await producer.start()
    await publish_good(producer, topic, (1, 2))
    await consumer.start()

    async def f2_done() -> bool:
        return processed == ["f2"]

    await wait_until(f2_done)
    listed = await dlq.list_dead_letters(kafka_settings, Topic.LEAD_RECEIVED)
    assert [(d.origin_topic, d.error) for d in listed] == [
        (topic, "ValueError: a bug in this release")
    ]
    fixed = True  # the next release
    replayed = await dlq.replay(kafka_settings, Topic.LEAD_RECEIVED)
    assert [d.event_id for d in replayed] == [listed[0].event_id]

    async def f1_done() -> bool:
        return processed == ["f2", "f1"]

    await wait_until(f1_done)
    assert await dlq.replay(kafka_settings, Topic.LEAD_RECEIVED) == []  # once
