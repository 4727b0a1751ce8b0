"""Outgoing events of the leads service, encoded for the outbox of the lead they describe."""

from __future__ import annotations

from datetime import datetime

from shared.contracts.events.base import EventModel
from shared.platform.outbox import OutboxMessage, aggregate_event

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
    """An event of this service, keyed by its aggregate so its events stay in order."""
    return aggregate_event(
        event,
        source=SOURCE,
        key=lead_id,
        at=at,
        causation_id=causation_id,
        correlation_id=correlation_id,
    )
