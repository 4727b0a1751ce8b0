"""The consumed event a delivery is planned from, captured as the delivery keeps it."""

from __future__ import annotations

from notifications.domain.delivery import SourceRecord
from shared.contracts.codec import DecodedEvent
from shared.contracts.events.base import EventModel


def source_of(decoded: DecodedEvent[EventModel]) -> SourceRecord:
    """Capture the envelope and the payload as JSON (money stays a string)."""
    envelope, event = decoded.envelope, decoded.event
    reminder_id = getattr(event, "reminder_id", None)
    return SourceRecord(
        topic=envelope.type,
        event_id=envelope.id,
        dedupe_id=reminder_id if isinstance(reminder_id, str) else envelope.id,
        type=envelope.type,
        key=envelope.subject,
        payload=event.model_dump_json(),
        headers={name: value.decode("utf-8") for name, value in envelope.to_headers()},
    )
