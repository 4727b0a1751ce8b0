"""Outgoing messages of the notifications service: outcomes and dead letters, for the outbox."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from notifications.service_layer.deliveries import SourceRecord
from shared.contracts.events.notification import NotificationFailedV1, NotificationSentV1
from shared.contracts.topics import Topic, dead_letter_topic
from shared.platform.dead_letter import DLQ_HEADER_PREFIX, MAX_ERROR_CHARS
from shared.platform.outbox import OutboxMessage, outbox_message

SOURCE = "urn:voronka:notifications"
"""CloudEvents `source` of everything the notifications service publishes."""

_EVENT_IDS = uuid.uuid5(uuid.NAMESPACE_URL, "urn:voronka:notifications:outcome")


def _outcome_id(delivery_id: str, outcome: str) -> str:
    # Deterministic, so an outcome written twice (a lost lease) carries one event id and
    # consumers deduplicate it.
    return str(uuid.uuid5(_EVENT_IDS, f"{delivery_id}:{outcome}"))


def _common(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "delivery_id": doc["_id"],
        "source_event_id": doc["source_event_id"],
        "source_event_type": doc["source_type"],
        "event_kind": doc["event_kind"],
        "recipient_id": doc["recipient_id"],
        "recipient_kind": doc["recipient_kind"],
        "channel": doc["channel"],
    }


def _message(doc: dict[str, Any], event: Any, outcome: str, at: datetime) -> OutboxMessage:
    headers = doc.get("source", {}).get("headers") or {}
    return outbox_message(
        event,
        topic=Topic(event.event_type).value,
        source=SOURCE,
        key=doc["_id"],
        event_id=_outcome_id(doc["_id"], outcome),
        time=at,
        causation_id=doc["source_event_id"],
        correlation_id=headers.get("ce_correlationid") or doc["source_event_id"],
    )


def sent_event(doc: dict[str, Any], *, attempts: int, at: datetime) -> OutboxMessage:
    """`notification.sent` for a delivery the provider accepted."""
    event = NotificationSentV1(**_common(doc), attempts=attempts, sent_at=at)
    return _message(doc, event, "sent", at)


def failed_event(doc: dict[str, Any], *, attempts: int, error: str, at: datetime) -> OutboxMessage:
    """`notification.failed` for a delivery given up after its last attempt."""
    event = NotificationFailedV1(
        **_common(doc), attempts=max(attempts, 1), error=error[:MAX_ERROR_CHARS], failed_at=at
    )
    return _message(doc, event, "failed", at)


def dead_letter(
    doc: dict[str, Any],
    *,
    error: str,
    attempts: int,
    at: datetime,
    consumer_group: str,
    topic_prefix: str,
) -> OutboxMessage:
    """The source event, untouched, for `<source topic>.dlq`, with why and which delivery.

    Headers carry ids, codes and counts only: the provider's text may quote an address.
    """
    source = SourceRecord.from_doc(doc)
    headers = {k: v for k, v in source.headers.items() if not k.startswith(DLQ_HEADER_PREFIX)}
    headers.update(
        {
            "dlq_origin_topic": topic_prefix + source.topic,
            "dlq_consumer_group": consumer_group,
            "dlq_error": f"DeliveryFailed: {error}"[:MAX_ERROR_CHARS],
            "dlq_error_type": "DeliveryFailed",
            "dlq_attempts": str(attempts),
            "dlq_failed_at": at.isoformat(),
            "dlq_delivery_id": doc["_id"],
            "dlq_channel": doc["channel"],
            "dlq_recipient_kind": doc["recipient_kind"],
        }
    )
    return OutboxMessage(
        id=_outcome_id(doc["_id"], "dead-letter"),
        topic=dead_letter_topic(source.topic),
        key=source.key,
        value=source.payload,
        headers=headers,
    )
