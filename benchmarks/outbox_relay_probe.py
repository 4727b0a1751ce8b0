"""Outbox relay throughput: N documents with E pending events each, drained by one relay.

Seeds a database of its own (dropped at the end) with documents as the repository writes them,
then times `OutboxRelay.drain_once` passes until nothing is pending, counting every command the
relay's client sends with a PyMongo `CommandListener`. The publisher acknowledges at once unless
`--kafka` is given (then it publishes for real to topics of its own, deleted afterwards).

    eval "$(bash deploy/local/infra.sh env)" && export KAFKA_BOOTSTRAP_SERVERS MONGODB_URL
    uv run --frozen --no-sync python benchmarks/outbox_relay_probe.py --documents 2000 --events 2

`--module FILE` loads `OutboxRelay` from FILE instead (a copy of `outbox.py` before a change).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import sys
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.monitoring import (
    CommandFailedEvent,
    CommandListener,
    CommandStartedEvent,
    CommandSucceededEvent,
)

from shared.contracts.events.lead_received import LeadContact, LeadReceivedV1
from shared.contracts.topics import Topic, TopicSpec
from shared.platform import outbox
from shared.platform.clock import SystemClock
from shared.platform.indexes import ensure_indexes
from shared.platform.kafka import create_broker
from shared.platform.settings import KafkaSettings
from shared.platform.topics import delete_prefixed_topics, ensure_topics

INSERT_CHUNK = 500


class Commands(CommandListener):
    """Counts the commands a client sends, and the server's time on them, by name."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.seconds: Counter[str] = Counter()

    def started(self, event: CommandStartedEvent) -> None:
        """Count one command."""
        self.counts[event.command_name] += 1

    def succeeded(self, event: CommandSucceededEvent) -> None:
        """Add its round trip."""
        self.seconds[event.command_name] += event.duration_micros / 1e6

    def failed(self, event: CommandFailedEvent) -> None:
        """Add its round trip."""
        self.seconds[event.command_name] += event.duration_micros / 1e6


class Acknowledges:
    """A publisher that acknowledges at once and counts what it was given."""

    def __init__(self) -> None:
        self.published = 0

    async def publish_batch(self, messages: Sequence[outbox.OutboxMessage]) -> None:
        """Take the batch."""
        self.published += len(messages)


def load_module(path: Path | None) -> ModuleType:
    """The outbox module to measure: the installed one, or one loaded from `path`."""
    if path is None:
        return outbox
    spec = importlib.util.spec_from_file_location("outbox_under_probe", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def document(n: int, events: int) -> dict[str, Any]:
    """Lead `n` with `events` pending `lead.received` events, as the repository stores it."""
    key = f"lead-{n:06d}"
    messages = [
        outbox.outbox_message(
            LeadReceivedV1(
                source="web",
                external_id=f"probe-{n}-{e}",
                channel="web_form",
                received_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
                contact=LeadContact(email=f"client{n}@example.ru"),
            ),
            topic=Topic.LEAD_RECEIVED,
            source="/voronka/probe",
            key=key,
        )
        for e in range(events)
    ]
    return {"_id": key, "state": "new", **outbox.outbox_fields(messages)}


async def run(args: argparse.Namespace) -> None:
    """Seed, drain, print the figures, drop the database."""
    module = load_module(args.module)
    url = os.environ.get("MONGODB_URL", "mongodb://127.0.0.1:27017/")
    name = f"outbox_probe_{uuid.uuid4().hex[:8]}"
    seeding: AsyncMongoClient[Any] = AsyncMongoClient(url, tz_aware=True)
    commands = Commands()
    relay_client: AsyncMongoClient[Any] = AsyncMongoClient(
        url, tz_aware=True, event_listeners=[commands]
    )
    kafka = KafkaSettings(topic_prefix=f"probe-{uuid.uuid4().hex[:8]}.") if args.kafka else None
    broker = None
    try:
        db = seeding[name]
        await ensure_indexes(db, outbox.outbox_indexes("leads"))
        for start in range(0, args.documents, INSERT_CHUNK):
            stop = min(start + INSERT_CHUNK, args.documents)
            await db.leads.insert_many([document(n, args.events) for n in range(start, stop)])
        publisher: Any = Acknowledges()
        if kafka is not None:
            spec = TopicSpec(Topic.LEAD_RECEIVED, 3, 3_600_000, "probe")
            await ensure_topics(kafka, [spec], prefix=kafka.topic_prefix)
            broker = create_broker(kafka, client_id="outbox-probe")
            await broker.start()
            publisher = module.KafkaOutboxPublisher(broker, topic_prefix=kafka.topic_prefix)
        relay = module.OutboxRelay([relay_client[name].leads], publisher, clock=SystemClock())

        started = time.perf_counter()
        published = passes = 0
        while count := await relay.drain_once():
            published += count
            passes += 1
        elapsed = time.perf_counter() - started

        left = await db.leads.count_documents({outbox.PENDING_FIELD: True})
        total = sum(commands.counts.values())
        per_name = ", ".join(
            f"{k} {v} in {commands.seconds[k]:.2f} s" for k, v in commands.counts.most_common()
        )
        print(  # noqa: T201 - the figures are the output
            f"{args.module or 'installed outbox.py'}: {args.documents} documents x {args.events}"
            f" events, {'Kafka' if kafka else 'stub publisher'}: {published} published in"
            f" {passes} passes, {elapsed:.2f} s, {args.documents / elapsed:.0f} documents/s,"
            f" {total} commands ({total / args.documents:.2f} per document: {per_name});"
            f" {left} still pending"
        )
    finally:
        if broker is not None:
            await broker.stop()
        if kafka is not None:
            await delete_prefixed_topics(kafka, kafka.topic_prefix)
        await seeding.drop_database(name)
        await seeding.close()
        await relay_client.close()


def main() -> None:
    """Parse the arguments and run the probe."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--documents", type=int, default=2_000)
    parser.add_argument("--events", type=int, default=2)
    parser.add_argument("--kafka", action="store_true", help="publish to Kafka for real")
    parser.add_argument("--module", type=Path, help="load OutboxRelay from this outbox.py")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
