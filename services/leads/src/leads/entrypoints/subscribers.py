"""Every Kafka subscription of the leads service, in one place."""

from __future__ import annotations

from faststream.kafka import KafkaBroker

from leads.service_layer.intake import LeadIntake
from leads.service_layer.telephony import ExternalActivities
from shared.contracts.events.lead_lifecycle import LeadActivityLoggedV1
from shared.contracts.events.lead_received import LeadReceivedV1
from shared.contracts.topics import Topic
from shared.platform.clock import Clock
from shared.platform.consumer import subscribe, topic_group


def register_subscribers(
    broker: KafkaBroker,
    *,
    intake: LeadIntake,
    activities: ExternalActivities,
    group_id: str,
    topic_prefix: str,
    clock: Clock,
) -> None:
    """`lead.received` from every channel; `lead.activity_logged` from telephony and others."""
    subscribe(
        broker,
        Topic.LEAD_RECEIVED.value,
        intake,
        event_type=LeadReceivedV1,
        group_id=topic_group(group_id, Topic.LEAD_RECEIVED.value),
        clock=clock,
        topic_prefix=topic_prefix,
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
