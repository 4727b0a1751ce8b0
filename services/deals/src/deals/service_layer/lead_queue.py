"""Lead events folded into the work queue's list of leads to call."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from shared.contracts.events.base import EventModel
from shared.contracts.events.lead_lifecycle import (
    LeadAssignedV1,
    LeadContactedV1,
    LeadConvertedV1,
    LeadDisqualifiedV1,
    LeadReassignedV1,
)
from shared.contracts.topics import Topic

LEAD_QUEUE_TOPICS = (
    Topic.LEAD_ASSIGNED,
    Topic.LEAD_REASSIGNED,
    Topic.LEAD_CONTACTED,
    Topic.LEAD_CONVERTED,
    Topic.LEAD_DISQUALIFIED,
)


class LeadQueue(Protocol):
    """Leads to call per manager."""

    async def assigned(
        self,
        lead_id: str,
        *,
        manager_id: str | None,
        priority: int | None,
        received_at: datetime,
        sla_deadline: datetime | None,
        at: datetime,
    ) -> None:
        """The lead has (or changed) its owner."""

    async def done(self, lead_id: str) -> None:
        """Nothing left to call about."""


async def follow_lead(queue: LeadQueue, event: EventModel) -> None:
    """Apply one lead event (idempotent; any order across topics)."""
    if isinstance(event, LeadAssignedV1):
        await queue.assigned(
            event.lead_id,
            manager_id=event.manager_id,
            priority=event.priority,
            received_at=event.received_at,
            sla_deadline=event.sla_deadline,
            at=event.assigned_at,
        )
    elif isinstance(event, LeadReassignedV1):
        await queue.assigned(
            event.lead_id,
            manager_id=event.to_manager_id,
            priority=None,
            received_at=event.reassigned_at,
            sla_deadline=event.sla_deadline,
            at=event.reassigned_at,
        )
    elif isinstance(event, LeadContactedV1 | LeadConvertedV1 | LeadDisqualifiedV1):
        await queue.done(event.lead_id)
