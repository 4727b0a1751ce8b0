"""Dead letters: list them, and replay them to the topic they came from, each once.

`python -m shared.platform.dlq list <topic>` prints one JSON line per dead letter of a
logical topic (where it came from, why it failed; never the payload, which may hold personal
data). `python -m shared.platform.dlq replay <topic>` publishes every dead letter not replayed
yet back to its origin topic with its original headers, once the cause is fixed: the replay
group's committed offset remembers how far it got, so running it twice replays nothing twice.
Every replay is logged with the event id. `make dlq TOPIC=… [REPLAY=1]` runs it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from shared.contracts.topics import dead_letter_topic
from shared.platform.dead_letter import DLQ_HEADER_PREFIX
from shared.platform.kafka import admin_client, client_options
from shared.platform.logging import configure_logging, get_logger
from shared.platform.settings import KafkaSettings

REPLAY_GROUP = "voronka-dlq-replay"

log = get_logger(__name__)


@dataclass(frozen=True)
class DeadLetter:
    """What a dead letter says about itself, without its payload."""

    offset: int
    partition: int
    event_id: str | None
    event_type: str | None
    origin_topic: str | None
    error: str | None
    attempts: str | None
    failed_at: str | None


def _headers(record: Any) -> dict[str, str]:
    return {name: value.decode("utf-8", "replace") for name, value in (record.headers or ())}


def described(record: Any) -> DeadLetter:
    """The dead letter's origin and error, read from its headers."""
    headers = _headers(record)
    return DeadLetter(
        offset=record.offset,
        partition=record.partition,
        event_id=headers.get("ce_id"),
        event_type=headers.get("ce_type"),
        origin_topic=headers.get("dlq_origin_topic"),
        error=headers.get("dlq_error"),
        attempts=headers.get("dlq_attempts"),
        failed_at=headers.get("dlq_failed_at"),
    )


async def _partitions(kafka: KafkaSettings, physical: str) -> list[TopicPartition]:
    """The partitions of a topic (none when it does not exist), asked of the cluster."""
    admin = admin_client(kafka, client_id="voronka-dlq")
    await admin.start()
    try:
        described = await admin.describe_topics([physical])
    finally:
        await admin.close()
    numbers = [
        p["partition"] for t in described if not t.get("error_code") for p in t["partitions"]
    ]
    return [TopicPartition(physical, n) for n in sorted(numbers)]


async def _behind(
    consumer: AIOKafkaConsumer, partitions: Iterable[TopicPartition], ends: dict[Any, int]
) -> bool:
    """Whether the consumer has not yet read up to `ends` on some of the partitions."""
    for tp in partitions:
        if await consumer.position(tp) < ends[tp]:
            return True
    return False


async def _read_all(kafka: KafkaSettings, topic: str) -> list[Any]:
    """Every record of a logical topic's dead-letter topic, read outside any group."""
    physical = kafka.topic_prefix + dead_letter_topic(topic)
    consumer = AIOKafkaConsumer(
        **client_options(kafka, client_id="voronka-dlq"), enable_auto_commit=False
    )
    await consumer.start()
    try:
        partitions = await _partitions(kafka, physical)
        if not partitions:
            return []
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records: list[Any] = []
        while await _behind(consumer, partitions, ends):
            batch = await consumer.getmany(*partitions, timeout_ms=1000)
            for tp, found in batch.items():
                records.extend(r for r in found if r.offset < ends[tp])
        return records
    finally:
        await consumer.stop()


async def list_dead_letters(kafka: KafkaSettings, topic: str) -> list[DeadLetter]:
    """Every dead letter of a logical topic, oldest first per partition."""
    return [described(record) for record in await _read_all(kafka, topic)]


async def replay(kafka: KafkaSettings, topic: str) -> list[DeadLetter]:
    """Publish the dead letters not replayed yet back to their origin; return them.

    The replay group commits past them only after every one was acknowledged, so a replay
    that fails halfway is run again whole (consumers are idempotent per event).
    """
    producer = AIOKafkaProducer(**client_options(kafka, client_id="voronka-dlq-replay"), acks="all")
    await producer.start()
    try:
        return await _replay_with(producer, kafka, topic)
    finally:
        await producer.stop()


async def _replay_with(
    producer: AIOKafkaProducer, kafka: KafkaSettings, topic: str
) -> list[DeadLetter]:
    group = kafka.topic_prefix + REPLAY_GROUP
    physical = kafka.topic_prefix + dead_letter_topic(topic)
    consumer = AIOKafkaConsumer(
        physical,
        **client_options(kafka, client_id="voronka-dlq-replay"),
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        partitions = await _partitions(kafka, physical)
        if not partitions:
            return []
        ends = await consumer.end_offsets(partitions)
        records: list[Any] = []
        replayed: list[DeadLetter] = []
        while True:
            assigned = consumer.assignment()
            if assigned and not await _behind(consumer, assigned, ends):
                break
            batch = await consumer.getmany(timeout_ms=1000)
            for tp, found in batch.items():
                records.extend(r for r in found if r.offset < ends[tp])
        for record in records:
            dead = described(record)
            origin = dead.origin_topic or kafka.topic_prefix + topic
            headers = [
                (name, value)
                for name, value in (record.headers or ())
                if not name.startswith(DLQ_HEADER_PREFIX)
            ]
            await producer.send_and_wait(origin, record.value, key=record.key, headers=headers)
            log.info("dead letter replayed", event_id=dead.event_id, origin_topic=origin)
            replayed.append(dead)
        await consumer.commit({tp: ends[tp] for tp in partitions})
        return replayed
    finally:
        await consumer.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """`list` or `replay` the dead letters of a logical topic; prints JSON lines."""
    parser = argparse.ArgumentParser(prog="python -m shared.platform.dlq", description=__doc__)
    parser.add_argument("action", choices=("list", "replay"))
    parser.add_argument("topic", help="the logical topic, e.g. payment.received")
    args = parser.parse_args(argv)
    configure_logging("dlq")
    kafka = KafkaSettings()
    run = list_dead_letters if args.action == "list" else replay
    for dead in asyncio.run(run(kafka, args.topic)):
        sys.stdout.write(json.dumps(asdict(dead), ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
