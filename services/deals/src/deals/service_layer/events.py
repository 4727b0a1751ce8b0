"""Outgoing events of the deals service, encoded for the outbox of the aggregate they describe."""

from __future__ import annotations

from datetime import datetime

from shared.contracts.events.base import EventModel
from shared.contracts.topics import Topic
from shared.platform.outbox import OutboxMessage, outbox_message

SOURCE = "urn:voronka:deals"
"""CloudEvents `source` of everything the deals service publishes."""


def deal_event(
    event: EventModel,
    *,
    key: str,
    at: datetime,
    causation_id: str | None = None,
    correlation_id: str | None = None,
) -> OutboxMessage:
    """An event keyed by its aggregate (deal, invoice or contract id)."""
    return outbox_message(
        event,
        topic=Topic(event.event_type).value,
        source=SOURCE,
        key=key,
        time=at,
        causation_id=causation_id,
        correlation_id=correlation_id or key,
    )
