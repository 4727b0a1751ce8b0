"""Reporting ingest throughput against a bare aiokafka consumer reading the same topics.

Run with `make bench` (infrastructure up). Both readers start cold on the same freshly written
topics, in the same run; the figure that matters is the ratio, not the absolute rate.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from pydantic import SecretStr
from pymongo import AsyncMongoClient
from stack import committed_offsets

from reporting.bootstrap import build
from reporting.service_layer.translate import TOPICS
from reporting.settings import ReportingSettings
from shared.contracts import (
    ActivityKind,
    EventModel,
    LeadActivityLoggedV1,
    LeadAssignedV1,
    LeadChannel,
    LeadContactedV1,
    LeadQualifiedV1,
    decode,
    encode,
)
from shared.contracts.topics import TOPIC_SPECS
from shared.platform.settings import KafkaSettings, MongoSettings
from shared.platform.topics import ensure_topics

START = datetime(2026, 3, 2, 9, tzinfo=UTC)


def lead_events(n: int) -> list[EventModel]:
    """Five events per lead: assigned, contacted, two activities, qualified."""
    return list(lead_event_stream(n))


def lead_event_stream(n: int, *, first_lead: int = 0) -> Iterator[EventModel]:
    """`lead_events` one lead at a time, from lead number `first_lead`, for large runs."""
    for i in range(first_lead, first_lead + n // 5):
        lead, manager, at = f"L{i}", f"m{i % 10}", START + timedelta(minutes=i)
        channel = list(LeadChannel)[i % len(LeadChannel)]
        yield from [
            LeadAssignedV1(
                lead_id=lead,
                manager_id=manager,
                team="sales",
                reason="round_robin",
                channel=channel,
                source="bench",
                received_at=at,
                assigned_at=at,
                priority=30,
            ),
            LeadContactedV1(
                lead_id=lead,
                manager_id=manager,
                activity_id=f"c{i}",
                kind=ActivityKind.CALL,
                contacted_at=at,
                received_at=at,
                response_seconds=60,
                within_sla=True,
            ),
            LeadActivityLoggedV1(
                activity_id=f"a{i}",
                lead_id=lead,
                manager_id=manager,
                kind=ActivityKind.CALL,
                occurred_at=at,
            ),
            LeadActivityLoggedV1(
                activity_id=f"b{i}",
                lead_id=lead,
                manager_id=manager,
                kind=ActivityKind.EMAIL,
                occurred_at=at,
            ),
            LeadQualifiedV1(lead_id=lead, manager_id=manager, channel=channel, qualified_at=at),
        ]


async def produce(kafka: KafkaSettings, events: Iterable[EventModel]) -> int:
    """Write the events with a batching producer; returns how many were written."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers, linger_ms=5)
    await producer.start()
    written = 0
    try:
        pending = []
        for event in events:
            payload, headers = encode(event, source="urn:bench")
            key = str(getattr(event, "lead_id", None) or event.activity_id).encode()  # type: ignore[attr-defined]
            pending.append(
                await producer.send(
                    kafka.topic_prefix + event.event_type, payload, key=key, headers=headers
                )
            )
            if len(pending) >= 10_000:  # bounded memory on large runs
                await asyncio.gather(*pending)
                written += len(pending)
                pending = []
        await asyncio.gather(*pending)
        written += len(pending)
    finally:
        await producer.stop()
    return written


async def bare_rate(kafka: KafkaSettings, total: int, *, decoding: bool = False) -> float:
    """Events/s of a plain consumer; with `decoding`, it also checks each event's contract."""
    consumer = AIOKafkaConsumer(
        *(kafka.topic_prefix + t.value for t in TOPICS),
        bootstrap_servers=kafka.bootstrap_servers,
        group_id=f"bare-{uuid.uuid4().hex}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    started = time.perf_counter()
    await consumer.start()
    read = 0
    try:
        while read < total:
            batch = await consumer.getmany(timeout_ms=200, max_records=1000)
            for tp, records in batch.items():
                read += len(records)
                if decoding:
                    logical = tp.topic.removeprefix(kafka.topic_prefix)
                    for record in records:
                        decode(record.value or b"", record.headers or (), topic=logical)
            if read:
                await consumer.commit()
    finally:
        await consumer.stop()
    return total / (time.perf_counter() - started)


async def reporting_rate(settings: ReportingSettings, total: int) -> float:
    service = build(settings)
    started = time.perf_counter()
    group = settings.kafka.topic_prefix + settings.consumer_group
    async with service.app.router.lifespan_context(service.app):
        # Progress lives in Kafka (committed offsets): there is no event to wait on.
        while await committed_offsets(settings.kafka, group) < total:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
    return total / elapsed


async def main(events_wanted: int) -> dict[str, Any]:
    prefix = f"bench{uuid.uuid4().hex[:8]}."
    kafka = KafkaSettings(
        bootstrap_servers=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
        topic_prefix=prefix,
    )
    mongo_url = os.environ.get("MONGODB_URL", "mongodb://127.0.0.1:27017/")
    database = prefix.rstrip(".")
    settings = ReportingSettings(
        http_port=8004,
        kafka=kafka,
        mongodb=MongoSettings(url=SecretStr(mongo_url)),
        database=database,
        log_level="WARNING",
    )
    await ensure_topics(kafka, TOPIC_SPECS, prefix=prefix)
    events = lead_events(events_wanted)
    await produce(kafka, events)
    try:
        bare = await bare_rate(kafka, len(events))
        decoding = await bare_rate(kafka, len(events), decoding=True)
        ingest = await reporting_rate(settings, len(events))
    finally:
        client: AsyncMongoClient[Any] = AsyncMongoClient(mongo_url)
        await client.drop_database(database)
        await client.close()
    result = {
        "events": len(events),
        "bare_consumer_events_per_s": round(bare),
        "decoding_consumer_events_per_s": round(decoding),
        "reporting_ingest_events_per_s": round(ingest),
        "ratio_to_bare": round(ingest / bare, 2),
        "ratio_to_decoding": round(ingest / decoding, 2),
    }
    print(" ".join(f"{key}={value}" for key, value in result.items()))  # noqa: T201 - the report
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20_000, help="How many events to write.")
    asyncio.run(main(parser.parse_args().events))
