"""Kafka helpers for tests: read what landed on a topic, with a deadline instead of sleeps."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient

from shared.platform.consumer import topic_group
from shared.platform.settings import KafkaSettings


async def read_topic(
    bootstrap_servers: str, topic: str, *, count: int, timeout: float = 30.0
) -> list[Any]:
    """Read `count` records from the start of `topic`; fail if they do not arrive in time.

    It keeps reading briefly after reaching `count` records, so a test can also see that no
    extra record (a duplicate) followed.
    """
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap_servers,
        group_id=f"test-reader-{uuid.uuid4().hex}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    records: list[Any] = []
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(records) < count and loop.time() < deadline:
            batch = await consumer.getmany(timeout_ms=200)
            for part in batch.values():
                records.extend(part)
        settle = loop.time() + 1.0
        while loop.time() < settle:
            batch = await consumer.getmany(timeout_ms=200)
            for part in batch.values():
                records.extend(part)
    finally:
        await consumer.stop()
    if len(records) < count:
        raise AssertionError(
            f"expected {count} records on {topic}, got {len(records)} in {timeout}s"
        )
    return records


async def wait_until(predicate: Any, *, timeout: float = 30.0, interval: float = 0.1) -> None:
    """Poll an async predicate until it holds; fail with a clear message after `timeout`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await predicate():
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(interval)


async def committed(kafka: KafkaSettings, group: str, topic: str) -> int:
    """Messages of `topic` the service's consumer group has committed, over all partitions."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(
            topic_group(kafka.topic_prefix + group, topic)
        )
    finally:
        await admin.close()
    return sum(
        meta.offset for tp, meta in offsets.items() if tp.topic == kafka.topic_prefix + topic
    )
