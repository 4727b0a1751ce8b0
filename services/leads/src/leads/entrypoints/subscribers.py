"""Every Kafka subscription of the leads service, in one place."""

from __future__ import annotations

from faststream.kafka import KafkaBroker

from leads.service_layer.intake_batch import BatchIntake, Received
from leads.service_layer.telephony import ExternalActivities
from shared.contracts.errors import TopicMismatchError
from shared.contracts.events.lead_lifecycle import LeadActivityLoggedV1
from shared.contracts.events.lead_received import LeadReceivedV1
from shared.contracts.topics import Topic
from shared.platform.clock import Clock
from shared.platform.consumer import BatchItem, subscribe, subscribe_batch, topic_group

INTAKE_BATCH = 50
"""Most `lead.received` taken at once; keeps each bulk write within one command of 50."""


def register_subscribers(
    broker: KafkaBroker,
    *,
    intake: BatchIntake,
    activities: ExternalActivities,
    group_id: str,
    topic_prefix: str,
    clock: Clock,
) -> None:
    """`lead.received` from every channel, in batches; `lead.activity_logged` from telephony."""

    async def receive(items: list[BatchItem]) -> None:
        await intake.receive_batch([received(item) for item in items])

    subscribe_batch(
        broker,
        [Topic.LEAD_RECEIVED.value],
        receive,
        group_id=topic_group(group_id, Topic.LEAD_RECEIVED.value),
        clock=clock,
        topic_prefix=topic_prefix,
        max_records=INTAKE_BATCH,
        description="Leads from channels and external systems: dedupe, score, assign, store.",
    )
    subscribe(
        broker,
        Topic.LEAD_ACTIVITY_LOGGED.value,
        activities,
        event_type=LeadActivityLoggedV1,
        group_id=topic_group(group_id, Topic.LEAD_ACTIVITY_LOGGED.value),
        clock=clock,
        topic_prefix=topic_prefix,
        description="Calls and messages logged by telephony; the first contact stops the SLA.",
    )


def received(item: BatchItem) -> Received:
    """The `lead.received` a batch item carries (another event type fails like `subscribe`)."""
    event = item.decoded.event
    if not isinstance(event, LeadReceivedV1):
        raise TopicMismatchError(f"expected LeadReceivedV1, got {type(event).__name__}")
    return Received(event, item.decoded.envelope.id, item.decoded.envelope.time)
