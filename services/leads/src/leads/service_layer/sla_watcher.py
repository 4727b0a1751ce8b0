"""The response-SLA timer: reassigns (or escalates) leads whose first-contact deadline passed.

Timers are the `sla_due_at` field of each lead, so they survive restarts. Any number of
replicas may poll: a breach is applied by one update conditional on the deadline it acts on,
so exactly one replica's update matches and only its events reach the outbox.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from leads.adapters.lead_store import LeadDoc, MongoLeadStore
from leads.domain.assignment import LeadToAssign
from leads.domain.dedupe import LeadStatus
from leads.domain.lifecycle import AWAITING_CONTACT
from leads.domain.sla import SlaPolicy
from leads.service_layer.assigner import Assigner
from leads.service_layer.events import lead_event
from shared.contracts.events.lead_lifecycle import (
    LeadReassignedV1,
    LeadSlaBreachedV1,
    ReassignReason,
)
from shared.contracts.events.lead_received import LeadChannel
from shared.platform.clock import Clock
from shared.platform.logging import get_logger
from shared.platform.loops import run_every
from shared.platform.outbox import with_outbox

log = get_logger(__name__)

BATCH = 100


class SlaWatcher:
    """Polls for passed deadlines every `poll_seconds` of the injected clock."""

    def __init__(
        self,
        leads: MongoLeadStore,
        assigner: Assigner,
        policy: SlaPolicy,
        *,
        clock: Clock,
        poll_seconds: float,
        on_fired: Callable[[], None] | None = None,
    ) -> None:
        self._leads = leads
        self._assigner = assigner
        self._policy = policy
        self._clock = clock
        self._poll = poll_seconds
        self._on_fired = on_fired

    async def run(self) -> None:
        """Fire due timers forever; an outage only delays them to the next pass."""
        await run_every(self.fire_due, clock=self._clock, seconds=self._poll, what="SLA pass")

    async def fire_due(self) -> int:
        """Handle every deadline passed by now; return how many breaches this replica applied."""
        fired = 0
        while True:
            now = self._clock.now()
            due = await self._leads.due(now, BATCH)
            applied = [await self._breach(doc, now) for doc in due]
            fired += sum(applied)
            if len(due) < BATCH or not any(applied):
                break
        if fired and self._on_fired is not None:
            self._on_fired()
        return fired

    async def _breach(self, doc: LeadDoc, now: datetime) -> bool:
        if LeadStatus(doc["status"]) not in AWAITING_CONTACT:
            # Contacted meanwhile by a path that left the timer set: just stop it.
            await self._leads.update_if(
                {"_id": doc["_id"], "sla_due_at": doc["sla_due_at"]}, {"$unset": {"sla_due_at": ""}}
            )
            return False
        breaches = int(doc.get("sla_breaches", 0)) + 1
        previous = doc.get("manager_id")
        team = doc.get("team") or ""
        if self._policy.escalates(breaches):
            update, events = await self._escalate(doc, breaches, previous, team, now)
        else:
            update, events = await self._reassign(doc, breaches, previous, team, now)
        match = {
            "_id": doc["_id"],
            "sla_due_at": doc["sla_due_at"],
            "status": doc["status"],
            "manager_id": previous,
        }
        applied = await self._leads.update_if(match, with_outbox(update, events))
        if applied:
            log.info(
                "SLA breached",
                lead_id=doc["_id"],
                breach_count=breaches,
                escalated=self._policy.escalates(breaches),
            )
        return applied

    async def _reassign(
        self, doc: LeadDoc, breaches: int, previous: str | None, team: str, now: datetime
    ) -> tuple[dict[str, Any], list[Any]]:
        missed = [*doc.get("sla_missed_by", []), *([previous] if previous else [])]
        owner = await self._assigner.choose(
            LeadToAssign(
                lead_id=doc["_id"],
                channel=doc["channel"],
                region=doc.get("region"),
                product=doc.get("product"),
                excluded=frozenset(missed),
            ),
            priority=int(doc["priority"]["score"]),
            at=now,
            team_hint=team,
        )
        events = [
            self._breached(doc, breaches, previous, now, escalated_to=None),
            lead_event(
                LeadReassignedV1(
                    lead_id=doc["_id"],
                    from_manager_id=previous,
                    to_manager_id=owner.manager_id,
                    team=owner.team,
                    reason=ReassignReason.SLA_BREACH,
                    detail=owner.reason,
                    breach_count=breaches,
                    reassigned_at=now,
                    sla_deadline=owner.deadline,
                ),
                lead_id=doc["_id"],
                at=now,
            ),
        ]
        status = LeadStatus.ASSIGNED if owner.manager_id else LeadStatus.NEW
        update: dict[str, Any] = {
            "$set": {
                "manager_id": owner.manager_id,
                "team": owner.team,
                "status": status.value,
                "assignment_reason": owner.reason,
                "sla_deadline": owner.deadline,
                "sla_due_at": owner.deadline,
                "sla_breaches": breaches,
                "sla_missed_by": missed,
                "updated_at": now,
            },
            "$push": {
                "history": {
                    "at": now,
                    "type": "sla_breached",
                    "manager_id": owner.manager_id,
                    "from_manager_id": previous,
                    "reason": owner.reason,
                    "breach_count": breaches,
                }
            },
        }
        return update, events

    async def _escalate(
        self, doc: LeadDoc, breaches: int, previous: str | None, team: str, now: datetime
    ) -> tuple[dict[str, Any], list[Any]]:
        head = await self._assigner.head_of_sales(team)
        events = [self._breached(doc, breaches, previous, now, escalated_to=head)]
        if head != previous:
            events.append(
                lead_event(
                    LeadReassignedV1(
                        lead_id=doc["_id"],
                        from_manager_id=previous,
                        to_manager_id=head,
                        team=team or None,
                        reason=ReassignReason.ESCALATION,
                        detail="head_of_sales" if head else "no_head_of_sales",
                        breach_count=breaches,
                        reassigned_at=now,
                    ),
                    lead_id=doc["_id"],
                    at=now,
                )
            )
        # The head of sales decides what happens next: no further automatic deadline.
        update: dict[str, Any] = {
            "$set": {
                "manager_id": head,
                "status": (LeadStatus.ASSIGNED if head else LeadStatus.NEW).value,
                "assignment_reason": "escalation",
                "sla_breaches": breaches,
                "escalated": True,
                "updated_at": now,
                "sla_missed_by": [*doc.get("sla_missed_by", []), *([previous] if previous else [])],
            },
            "$unset": {"sla_due_at": ""},
            "$push": {
                "history": {
                    "at": now,
                    "type": "escalated",
                    "manager_id": head,
                    "from_manager_id": previous,
                    "breach_count": breaches,
                }
            },
        }
        return update, events

    def _breached(
        self,
        doc: LeadDoc,
        breaches: int,
        previous: str | None,
        now: datetime,
        *,
        escalated_to: str | None,
    ) -> Any:
        return lead_event(
            LeadSlaBreachedV1(
                lead_id=doc["_id"],
                manager_id=previous,
                team=doc.get("team"),
                channel=LeadChannel(doc["channel"]),
                deadline=doc["sla_due_at"],
                breached_at=now,
                breach_count=breaches,
                escalated=self._policy.escalates(breaches),
                escalated_to=escalated_to,
            ),
            lead_id=doc["_id"],
            at=now,
        )
