"""Outgoing events of the deals service, encoded for the outbox of the aggregate they describe."""

from __future__ import annotations

from datetime import datetime

from shared.contracts.events.base import EventModel
from shared.platform.outbox import OutboxMessage, aggregate_event

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
    """An event of this service, keyed by its aggregate so its events stay in order."""
    return aggregate_event(
        event,
        source=SOURCE,
        key=key,
        at=at,
        causation_id=causation_id,
        correlation_id=correlation_id,
    )
