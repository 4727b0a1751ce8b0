"""Every Kafka subscription of the notifications service, in one place."""

from __future__ import annotations

from faststream.kafka import KafkaBroker

from notifications.service_layer.payments import PaymentReceived
from notifications.service_layer.triggers import Triggers
from shared.contracts.topics import Topic
from shared.platform.clock import Clock
from shared.platform.consumer import Handler, subscribe, topic_group

_TRIGGERS = {
    Topic.LEAD_ASSIGNED: "Tell the manager a lead is theirs.",
    Topic.LEAD_REASSIGNED: "Tell the new owner a lead moved to them.",
    Topic.LEAD_SLA_BREACHED: "Tell the manager, and on escalation the head of sales.",
    Topic.PAYMENT_DUE: "Remind the client (and copy the manager); overdue goes to staff.",
    Topic.DEAL_STAGE_CHANGED: "Tell the head of sales about won and lost deals.",
    Topic.CONTRACT_RENEWAL_DUE: "Tell the manager a contract comes up for renewal.",
    Topic.CLIENT_SEGMENT_CHANGED: "Give the manager the contact cadence of the new segment.",
}


def register_subscribers(
    broker: KafkaBroker,
    *,
    triggers: Triggers,
    payments: PaymentReceived,
    group_id: str,
    topic_prefix: str,
    clock: Clock,
) -> None:
    """Every notifying topic, plus `payment.received`, which cancels pending reminders.

    Integrators' webhooks receive every one of these events, whatever the rules say.
    """
    handlers: dict[Topic, tuple[Handler, str]] = {
        topic: (triggers, description) for topic, description in _TRIGGERS.items()
    }
    handlers[Topic.PAYMENT_RECEIVED] = (
        payments,
        "Cancel reminders still pending for what was paid; forward to webhooks.",
    )
    for topic, (handler, description) in handlers.items():
        subscribe(
            broker,
            topic.value,
            handler,
            group_id=topic_group(group_id, topic.value),
            clock=clock,
            topic_prefix=topic_prefix,
            description=description,
        )
