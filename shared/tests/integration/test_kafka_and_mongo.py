"""The real broker and the real MongoDB-protocol server carry Voronka's events and documents."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from faststream.kafka import KafkaBroker
from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts.codec import DecodedEvent, encode
from shared.contracts.events.lead_received import LeadContact, LeadReceivedV1
from shared.contracts.topics import TOPIC_SPECS, Topic
from shared.platform.clock import ManualClock
from shared.platform.consumer import subscribe
from shared.platform.kafka import admin_client
from shared.platform.settings import KafkaSettings
from shared.platform.topics import ensure_topics
from shared.testing.kafka import read_topic

pytestmark = pytest.mark.integration


def lead_received() -> LeadReceivedV1:
    return LeadReceivedV1(
        source="telephony",
        external_id="call-42",
        channel="phone",
        received_at=datetime(2026, 3, 2, 8, 30, tzinfo=UTC),
        contact=LeadContact(name="Анна Петрова", phone="8 912 345-67-89"),
        request_text="Нужно 20 палет кирпича до пятницы",
    )


async def test_lead_received_published_through_faststream_reaches_another_group_with_headers(
    kafka_topics: Any,
    kafka_settings: KafkaSettings,
    broker_factory: Callable[[], KafkaBroker],
    clock: ManualClock,
) -> None:
    topic = await kafka_topics(Topic.LEAD_RECEIVED)
    received: list[DecodedEvent[LeadReceivedV1]] = []
    done = asyncio.Event()

    async def handle(decoded: DecodedEvent[LeadReceivedV1]) -> None:
        received.append(decoded)
        done.set()

    consumer_broker = broker_factory()
    subscribe(
        consumer_broker,
        Topic.LEAD_RECEIVED,
        handle,
        event_type=LeadReceivedV1,
        group_id="leads-intake",
        clock=clock,
        topic_prefix=kafka_settings.topic_prefix,
    )
    await consumer_broker.start()

    payload, headers = encode(
        lead_received(), source="/telephony", subject="call-42", correlation_id="corr-1"
    )
    producer = broker_factory()
    await producer.start()
    await producer.publish(
        payload, topic=topic, key=b"call-42", headers={k: v.decode() for k, v in headers}
    )

    await asyncio.wait_for(done.wait(), 30)
    assert received[0].event == lead_received()
    assert received[0].envelope.correlationid == "corr-1"
    assert received[0].envelope.subject == "call-42"

    records = await read_topic(kafka_settings.bootstrap_servers, topic, count=1)
    assert len(records) == 1
    seen_headers = dict(records[0].headers)
    for name, value in headers:
        assert seen_headers[name] == value, name
    assert records[0].key == b"call-42"


async def test_document_round_trips_through_async_mongo_client(
    mongo_db: AsyncDatabase[Any],
) -> None:
    document = {
        "_id": "lead-1",
        "name": "Пётр Иванов",
        "amount": str(Decimal("12500.50")),
        "currency": "RUB",
        "received_at": datetime(2026, 2, 28, 23, 59, 59, 123000, tzinfo=UTC),
        "tags": ["оптовик", "ВИП"],
        "nested": {"region": "Свердловская область", "count": 3},
    }
    await mongo_db.leads.insert_one(document)
    loaded = await mongo_db.leads.find_one({"_id": "lead-1"})
    assert loaded == document
    assert loaded["received_at"].utcoffset() is not None


async def test_topic_provisioning_is_idempotent_and_sets_partitions(
    kafka_settings: KafkaSettings,
) -> None:
    specs = [s for s in TOPIC_SPECS if s.name in (Topic.LEAD_RECEIVED, Topic.PAYMENT_DUE)]
    first = await ensure_topics(kafka_settings, specs, prefix=kafka_settings.topic_prefix)
    second = await ensure_topics(kafka_settings, specs, prefix=kafka_settings.topic_prefix)
    assert sorted(first) == sorted(kafka_settings.topic_prefix + s.name for s in specs)
    assert second == []

    admin = admin_client(kafka_settings, client_id="test")
    await admin.start()
    try:
        names = [kafka_settings.topic_prefix + spec.name for spec in specs]
        described = {t["topic"]: t for t in await admin.describe_topics(names)}
        resources = [ConfigResource(ConfigResourceType.TOPIC, name) for name in names]
        configs = await admin.describe_configs(resources)
    finally:
        await admin.close()
    retention = {
        resource[3]: {entry[0]: entry[1] for entry in resource[4]}["retention.ms"]
        for response in configs
        for resource in response.resources
    }
    for spec in specs:
        name = kafka_settings.topic_prefix + spec.name
        assert len(described[name]["partitions"]) == spec.partitions
        assert retention[name] == str(spec.retention_ms)
