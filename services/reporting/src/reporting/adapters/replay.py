"""Reading topics from the first offset to the end as it was when the replay started."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from shared.contracts.codec import decode
from shared.contracts.errors import ContractError
from shared.platform.consumer import BatchItem
from shared.platform.settings import KafkaSettings


async def replay(
    kafka: KafkaSettings, topics: Sequence[str], *, batch: int = 1000
) -> AsyncIterator[list[BatchItem]]:
    """Yield decoded batches of every message in `topics` up to their current end offsets.

    No consumer group: nothing is committed, and the live consumer is not disturbed.
    Messages that break their contract were dead-lettered when first consumed; they are
    skipped here.
    """
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka.bootstrap_servers,
        enable_auto_commit=False,
        group_id=None,
        client_id="voronka-reporting-replay",
    )
    await consumer.start()
    try:
        partitions: list[TopicPartition] = []
        for topic in topics:
            for number in sorted(await _partitions(consumer, kafka.topic_prefix + topic)):
                partitions.append(TopicPartition(kafka.topic_prefix + topic, number))
        if not partitions:
            return
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends: dict[TopicPartition, int] = await consumer.end_offsets(partitions)
        logical = {kafka.topic_prefix + t: t for t in topics}
        while True:
            remaining = [tp for tp in partitions if await consumer.position(tp) < ends[tp]]
            if not remaining:
                return
            fetched = await consumer.getmany(*remaining, timeout_ms=500, max_records=batch)
            decoded: list[BatchItem] = []
            for tp, records in fetched.items():
                for record in records:
                    if record.offset >= ends[tp]:
                        continue
                    try:
                        event = decode(
                            record.value or b"", record.headers or (), topic=logical[tp.topic]
                        )
                        decoded.append(BatchItem(record, event))
                    except ContractError:
                        continue
            if decoded:
                yield decoded
    finally:
        await consumer.stop()


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    found: Any = consumer.partitions_for_topic(topic)
    if found is None:
        await consumer._client.force_metadata_update()
        found = consumer.partitions_for_topic(topic)
    return set(found or ())
