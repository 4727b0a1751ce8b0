"""Outgoing events of the leads service, encoded for the outbox of the lead they describe."""

from __future__ import annotations

from datetime import datetime

from shared.contracts.events.base import EventModel
from shared.contracts.topics import Topic
from shared.platform.outbox import OutboxMessage, outbox_message

SOURCE = "urn:voronka:leads"
"""CloudEvents `source` of everything the leads service publishes."""


def lead_event(
    event: EventModel,
    *,
    lead_id: str,
    at: datetime,
    causation_id: str | None = None,
    correlation_id: str | None = None,
) -> OutboxMessage:
    """An event keyed by its lead, so every event of one lead stays in order on its topic."""
    return outbox_message(
        event,
        topic=Topic(event.event_type).value,
        source=SOURCE,
        key=lead_id,
        time=at,
        causation_id=causation_id,
        correlation_id=correlation_id or lead_id,
    )
