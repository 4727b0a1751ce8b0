"""The reporting service's subscriptions: every business fact in batches; the directory."""

from __future__ import annotations

from faststream.kafka import KafkaBroker

from reporting.service_layer.ingest import Ingestor
from reporting.service_layer.translate import TOPICS
from shared.contracts.events.person import PersonChangedV1
from shared.platform.clock import Clock
from shared.platform.consumer import follow_people, subscribe_batch
from shared.platform.people import PeopleDirectory


def register_subscribers(
    broker: KafkaBroker,
    *,
    ingestor: Ingestor,
    people: PeopleDirectory,
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

    async def on_person(person: PersonChangedV1, _event_id: str) -> None:
        await people.apply(person)

    follow_people(
        broker,
        on_person,
        group_id=group_id,
        clock=clock,
        topic_prefix=topic_prefix,
        description="The directory of people: whose figures each report shows a caller.",
    )
