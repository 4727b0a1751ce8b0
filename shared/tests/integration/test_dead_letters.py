"""Bad input never stops the line: poison goes to `<topic>.dlq` once and the next message flows."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from faststream.kafka import KafkaBroker

from shared.contracts.codec import DecodedEvent, encode
from shared.contracts.events.lead_received import LeadContact, LeadReceivedV1
from shared.contracts.topics import Topic, dead_letter_topic
from shared.platform.clock import ManualClock
from shared.platform.consumer import RetryPolicy, subscribe
from shared.platform.settings import KafkaSettings
from shared.testing.kafka import read_topic

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


async def test_poison_message_lands_in_dead_letter_topic_once_and_next_is_processed(
    kafka_topics: Any,
    kafka_settings: KafkaSettings,
    broker_factory: Callable[[], KafkaBroker],
    clock: ManualClock,
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

    consumer = broker_factory()
    subscribe(
        consumer,
        Topic.LEAD_RECEIVED,
        handle,
        event_type=LeadReceivedV1,
        group_id="leads-intake",
        clock=clock,
        topic_prefix=kafka_settings.topic_prefix,
        retry=RetryPolicy(attempts=3, backoff_seconds=0.0),
        sleep=no_sleep,
    )
    producer = broker_factory()
    await producer.start()
    await producer.publish(
        b'{"source": "web", "channel": "carrier pigeon", "contact": {"phone": "+79120000000"}}',
        topic=topic,
        key=b"bad-1",
    )
    await producer.publish(b"not json at all", topic=topic, key=b"bad-2")
    for n in (1, 2, 3):
        payload, headers = good(n)
        await producer.publish(payload, topic=topic, key=f"f{n}".encode(), headers=headers)
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
