"""What a delivery publishes: its outcome (`notification.sent`/`.failed`) and dead letters."""

from __future__ import annotations

import uuid
from datetime import datetime

from notifications.domain.delivery import Delivery, DeliveryDeadLettered, DeliveryEvent
from shared.contracts.events.notification import NotificationFailedV1, NotificationSentV1
from shared.contracts.topics import Topic, dead_letter_topic
from shared.platform.dead_letter import DLQ_HEADER_PREFIX, MAX_ERROR_CHARS
from shared.platform.outbox import OutboxMessage, outbox_message
from shared.platform.repository import MessageOf

SOURCE = "urn:voronka:notifications"
"""CloudEvents `source` of everything the notifications service publishes."""

_EVENT_IDS = uuid.uuid5(uuid.NAMESPACE_URL, "urn:voronka:notifications:outcome")


def _outcome_id(delivery_id: str, outcome: str) -> str:
    # Deterministic, so an outcome written twice (a lost lease) carries one event id and
    # consumers deduplicate it.
    return str(uuid.uuid5(_EVENT_IDS, f"{delivery_id}:{outcome}"))


def _outcome(event: NotificationSentV1 | NotificationFailedV1, delivery: Delivery) -> OutboxMessage:
    source = delivery.source
    if isinstance(event, NotificationSentV1):
        outcome, at = "sent", event.sent_at
    else:
        outcome, at = "failed", event.failed_at
    return outbox_message(
        event,
        topic=Topic(event.event_type).value,
        source=SOURCE,
        key=delivery.id,
        event_id=_outcome_id(delivery.id, outcome),
        time=at,
        causation_id=source.event_id,
        correlation_id=source.headers.get("ce_correlationid") or source.event_id,
    )


def _dead_letter(
    dead: DeliveryDeadLettered, delivery: Delivery, *, consumer_group: str, topic_prefix: str
) -> OutboxMessage:
    """The source event, untouched, for `<source topic>.dlq`, with why and which delivery.

    Headers carry ids, codes and counts only: the provider's text may quote an address.
    """
    source = delivery.source
    headers = {k: v for k, v in source.headers.items() if not k.startswith(DLQ_HEADER_PREFIX)}
    headers.update(
        {
            "dlq_origin_topic": topic_prefix + source.topic,
            "dlq_consumer_group": consumer_group,
            "dlq_error": f"DeliveryFailed: {dead.error}"[:MAX_ERROR_CHARS],
            "dlq_error_type": "DeliveryFailed",
            "dlq_attempts": str(dead.attempts),
            "dlq_failed_at": dead.failed_at.isoformat(),
            "dlq_delivery_id": delivery.id,
            "dlq_channel": delivery.channel.value,
            "dlq_recipient_kind": delivery.recipient_kind,
        }
    )
    return OutboxMessage(
        id=_outcome_id(delivery.id, "dead-letter"),
        topic=dead_letter_topic(source.topic),
        key=source.key,
        value=source.payload,
        headers=headers,
    )


def delivery_messages(*, consumer_group: str, topic_prefix: str) -> MessageOf[Delivery]:
    """Each recorded event of a delivery as the outbox message that publishes it.

    Outcomes are keyed by the delivery and caused by its source event; a dead letter names
    the consumer group and the prefixed topic the source event came from.
    """

    def message_of(
        event: DeliveryEvent, delivery: Delivery, at: datetime, causation_id: str | None
    ) -> OutboxMessage:
        if isinstance(event, DeliveryDeadLettered):
            return _dead_letter(
                event, delivery, consumer_group=consumer_group, topic_prefix=topic_prefix
            )
        if isinstance(event, NotificationSentV1 | NotificationFailedV1):
            return _outcome(event, delivery)
        raise TypeError(f"a delivery does not publish {type(event).__name__}")

    return message_of
