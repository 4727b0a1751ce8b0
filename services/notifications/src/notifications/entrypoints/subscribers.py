"""Every Kafka subscription of the notifications service, in one place."""

from __future__ import annotations

from typing import Any

from faststream.kafka import KafkaBroker

from notifications.service_layer.payments import PaymentReceived
from notifications.service_layer.ports import StaffDirectory
from notifications.service_layer.tasks import TaskCompleted
from notifications.service_layer.triggers import Triggers
from shared.contracts.events.base import EventModel
from shared.contracts.events.invoicing import PaymentReceivedV1
from shared.contracts.events.person import PersonChangedV1
from shared.contracts.events.tasks import TaskCompletedV1
from shared.contracts.topics import Topic
from shared.platform.clock import Clock
from shared.platform.consumer import follow_people, subscribe, topic_group

_TRIGGERS = {
    Topic.LEAD_ASSIGNED: "Tell the manager a lead is theirs.",
    Topic.LEAD_REASSIGNED: "Tell the new owner a lead moved to them.",
    Topic.LEAD_SLA_BREACHED: "Tell the manager, and on escalation the head of sales.",
    Topic.PAYMENT_DUE: "Remind the client (and copy the manager); overdue goes to staff.",
    Topic.DEAL_STAGE_CHANGED: "Tell the head of sales about won and lost deals.",
    Topic.CONTRACT_RENEWAL_DUE: "Tell the manager a contract comes up for renewal.",
    Topic.CLIENT_SEGMENT_CHANGED: "Give the manager the contact cadence of the new segment.",
    Topic.TASK_OVERDUE: "Tell the assignee a task is overdue; after the grace, the team lead.",
    Topic.MEETING_REMINDER_DUE: "Remind the organizer and each colleague attending, at once.",
    Topic.PROPOSAL_SENT: "E-mail the client the proposal, its PDF attached, once per version.",
    Topic.PROPOSAL_ACCEPTED: "Tell the deal's manager the client accepted the proposal.",
    Topic.PROPOSAL_DECLINED: "Tell the deal's manager the client declined the proposal.",
}


def register_subscribers(
    broker: KafkaBroker,
    *,
    triggers: Triggers,
    payments: PaymentReceived,
    tasks: TaskCompleted,
    staff: StaffDirectory,
    group_id: str,
    topic_prefix: str,
    clock: Clock,
) -> None:
    """Every notifying topic, plus `payment.received`, which cancels pending reminders, and
    `task.completed`, which cancels a closed task's pending overdue messages.

    Integrators' webhooks receive every one of these events, whatever the rules say (a
    proposal's PDF as a reference: file name, media type, size and SHA-256, not the file).
    """
    options: dict[str, Any] = {"clock": clock, "topic_prefix": topic_prefix}
    for topic, description in _TRIGGERS.items():
        subscribe(
            broker,
            topic.value,
            triggers,
            event_type=EventModel,
            group_id=topic_group(group_id, topic.value),
            description=description,
            **options,
        )
    subscribe(
        broker,
        Topic.PAYMENT_RECEIVED.value,
        payments,
        event_type=PaymentReceivedV1,
        group_id=topic_group(group_id, Topic.PAYMENT_RECEIVED.value),
        description="Cancel reminders still pending for what was paid; forward to webhooks.",
        **options,
    )
    subscribe(
        broker,
        Topic.TASK_COMPLETED.value,
        tasks,
        event_type=TaskCompletedV1,
        group_id=topic_group(group_id, Topic.TASK_COMPLETED.value),
        description="Cancel a closed task's overdue messages still pending; forward to webhooks.",
        **options,
    )

    async def on_person(person: PersonChangedV1, _event_id: str) -> None:
        await staff.follow(person)

    follow_people(
        broker,
        on_person,
        group_id=group_id,
        description="The sales department's people, from the one directory (the leads roster).",
        **options,
    )
