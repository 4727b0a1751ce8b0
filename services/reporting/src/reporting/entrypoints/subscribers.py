"""The reporting service's one subscription: every business topic, consumed in batches."""

from __future__ import annotations

from faststream.kafka import KafkaBroker

from reporting.service_layer.ingest import Ingestor
from reporting.service_layer.translate import TOPICS
from shared.platform.clock import Clock
from shared.platform.consumer import subscribe_batch


def register_subscribers(
    broker: KafkaBroker,
    *,
    ingestor: Ingestor,
    group_id: str,
    topic_prefix: str,
    clock: Clock,
    max_records: int,
    batch_timeout_ms: int,
) -> None:
    """Batches of up to `max_records` events, folded and written in bulk."""
    subscribe_batch(
        broker,
        [topic.value for topic in TOPICS],
        ingestor,
        group_id=group_id,
        clock=clock,
        topic_prefix=topic_prefix,
        max_records=max_records,
        batch_timeout_ms=batch_timeout_ms,
        description="Every business fact, folded into the projections.",
    )
