"""The delivery document: what one message to one recipient over one channel records."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from notifications.domain.model import Channel, DeliveryStatus
from shared.contracts.codec import DecodedEvent
from shared.contracts.events.base import EventModel
from shared.platform.outbox import outbox_fields

PENDING = (DeliveryStatus.QUEUED.value, DeliveryStatus.DEFERRED.value)


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """The consumed event a delivery comes from, kept for rendering, webhooks and dead letters.

    `dedupe_id` is the business id when the producer supplies one (`reminder_id` of
    `payment.due` and `contract.renewal_due`), so a reminder republished under a new event id
    maps to the same deliveries; otherwise the event id.
    """

    topic: str
    event_id: str
    dedupe_id: str
    type: str
    key: str | None
    payload: str = field(repr=False)
    headers: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_decoded(cls, decoded: DecodedEvent[EventModel]) -> SourceRecord:
        """Capture the envelope and the payload as JSON (money stays a string)."""
        envelope, event = decoded.envelope, decoded.event
        reminder_id = getattr(event, "reminder_id", None)
        return cls(
            topic=envelope.type,
            event_id=envelope.id,
            dedupe_id=reminder_id if isinstance(reminder_id, str) else envelope.id,
            type=envelope.type,
            key=envelope.subject,
            payload=event.model_dump_json(),
            headers={name: value.decode("utf-8") for name, value in envelope.to_headers()},
        )

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> SourceRecord:
        """Read back what `to_doc` stored in a delivery."""
        source = doc["source"]
        return cls(
            topic=source["topic"],
            event_id=doc["source_event_id"],
            dedupe_id=doc["source_id"],
            type=doc["source_type"],
            key=source.get("key"),
            payload=source["payload"],
            headers=dict(source.get("headers") or {}),
        )

    def data(self) -> dict[str, Any]:
        """The payload as plain JSON values."""
        value: dict[str, Any] = json.loads(self.payload)
        return value

    def to_doc(self) -> dict[str, Any]:
        """Fields of a delivery document; headers as a map (FerretDB has no nested arrays)."""
        return {
            "source_event_id": self.event_id,
            "source_id": self.dedupe_id,
            "source_type": self.type,
            "source": {
                "topic": self.topic,
                "key": self.key,
                "payload": self.payload,
                "headers": dict(self.headers),
            },
        }


def history_entry(
    at: datetime, event: str, reason: str | None = None, **detail: Any
) -> dict[str, Any]:
    """One line of a delivery's history (a status it took, or `attempt`); never PII."""
    return {"at": at, "event": event, "reason": reason, **detail}


def new_delivery(
    delivery_id: str,
    *,
    source: SourceRecord,
    event_kind: str,
    recipient_id: str,
    recipient_kind: str,
    channel: Channel,
    urgent: bool,
    now: datetime,
    status: DeliveryStatus = DeliveryStatus.QUEUED,
    reason: str | None = None,
    cancel_keys: Sequence[str] = (),
) -> dict[str, Any]:
    """A delivery document as inserted; pending ones are due at once."""
    pending = status.value in PENDING
    return {
        "_id": delivery_id,
        "status": status.value,
        "reason": reason,
        "event_kind": event_kind,
        "recipient_id": recipient_id,
        "recipient_kind": recipient_kind,
        "channel": channel.value,
        "urgent": urgent,
        **source.to_doc(),
        "cancel_keys": list(cancel_keys),
        "attempts": 0,
        "in_flight": False,
        "next_attempt_at": now if pending else None,
        "lease_until": None,
        "lease_owner": None,
        "created_at": now,
        "updated_at": now,
        "sent_at": None,
        "provider": None,
        "last_error": None,
        "history": [history_entry(now, status.value, reason)],
        **outbox_fields([]),
    }
