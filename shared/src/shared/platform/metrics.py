"""Prometheus metrics on `/metrics`: consumption, dead letters, outbox backlog, consumer lag."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable

from aiokafka import TopicPartition
from prometheus_client import Counter, Gauge, Histogram

from shared.platform.kafka import admin_client, offsets_reader
from shared.platform.logging import get_logger
from shared.platform.settings import KafkaSettings

log = get_logger(__name__)

EVENTS_CONSUMED = Counter(
    "voronka_events_consumed_total",
    "Events a subscriber finished with, by topic and outcome (ok, dead_lettered).",
    ["topic", "outcome"],
)
PROCESSING_SECONDS = Histogram(
    "voronka_event_processing_seconds",
    "Time per event from reading it to its effect being stored (a batch's time shared out).",
    ["topic"],
)
OUTBOX_PUBLISHED = Counter(
    "voronka_outbox_published_total", "Events the outbox relay got acknowledged by Kafka."
)
OUTBOX_BACKLOG = Gauge(
    "voronka_outbox_backlog_documents",
    "Documents holding events not yet published, at the relay's last pass.",
)
OUTBOX_FAILED = Counter(
    "voronka_outbox_failed_total",
    "Publishes of a document's events that Kafka refused for a reason other than an outage.",
)
OUTBOX_PARKED = Counter(
    "voronka_outbox_parked_total",
    "Documents whose events were set aside after repeated refusals (see `_outbox_parked`).",
)
CONSUMER_LAG = Gauge(
    "voronka_consumer_lag_messages",
    "Messages on a topic not yet committed by the consumer group.",
    ["group", "topic"],
)

_watched: set[tuple[str, str]] = set()


def watch_lag(group_id: str, topics: Iterable[str]) -> None:
    """Have the lag monitor follow these physical topics for this consumer group."""
    _watched.update((group_id, topic) for topic in topics)


async def measure_lag(kafka: KafkaSettings) -> None:
    """Set CONSUMER_LAG for every watched (group, topic): end offsets minus committed ones."""
    if not _watched:
        return
    admin = admin_client(kafka, client_id="voronka-lag-monitor")
    reader = offsets_reader(kafka, client_id="voronka-lag-monitor")
    try:
        await admin.start()
        await reader.start()
        await reader.topics()  # loads cluster metadata, so partitions are known
        for group in sorted({g for g, _ in _watched}):
            committed = await admin.list_consumer_group_offsets(group)
            topics = sorted(t for g, t in _watched if g == group)
            for topic in topics:
                numbers = reader.partitions_for_topic(topic) or set()
                partitions = [TopicPartition(topic, n) for n in sorted(numbers)]
                if not partitions:
                    continue
                ends = await reader.end_offsets(partitions)
                lag = sum(
                    ends[tp] - (committed[tp].offset if tp in committed else 0) for tp in partitions
                )
                CONSUMER_LAG.labels(group=group, topic=topic).set(max(lag, 0))
    finally:
        for closing in (reader.stop(), admin.close()):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(closing, 5)


async def lag_monitor(kafka: KafkaSettings, interval: float = 15.0) -> None:
    """Refresh the lag gauges forever; a broker outage only leaves them stale.

    The first measurement waits one interval: a process that lives a few seconds (a test)
    never opens the extra connections at all.
    """
    while True:
        await asyncio.sleep(interval)
        try:
            await asyncio.wait_for(measure_lag(kafka), interval)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("consumer lag not measured", error_type=type(exc).__name__)
