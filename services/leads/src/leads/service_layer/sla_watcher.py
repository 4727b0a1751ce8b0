"""The response-SLA timer: reassigns (or escalates) leads whose first-contact deadline passed.

Timers are the `sla_due_at` field of each lead, so they survive restarts. Any number of
replicas may poll: a breach is saved only if nobody wrote the lead since it was read, so
exactly one replica's breach (and its events) lands; the others see a lost race and move on.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from leads.domain.assignment import LeadToAssign
from leads.domain.lead import Lead
from leads.domain.lead_records import Owner
from leads.domain.sla import SET_ASIDE, SlaPolicy
from leads.service_layer.assigner import Assigner
from leads.service_layer.loads import LoadKeeper
from leads.service_layer.ports import LeadRepository
from shared.platform.clock import Clock
from shared.platform.dead_letter import describe_error
from shared.platform.errors import is_transient
from shared.platform.logging import get_logger
from shared.platform.loops import run_every
from shared.platform.repository import ConcurrentModification

log = get_logger(__name__)

BATCH = 100


class SlaWatcher:
    """Polls for passed deadlines every `poll_seconds` of the injected clock."""

    def __init__(
        self,
        leads: LeadRepository,
        assigner: Assigner,
        policy: SlaPolicy,
        *,
        loads: LoadKeeper,
        clock: Clock,
        poll_seconds: float,
        on_fired: Callable[[], None] | None = None,
    ) -> None:
        self._leads = leads
        self._assigner = assigner
        self._loads = loads
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
            outcomes = [await self._breach_or_set_aside(lead, now) for lead in due]
            fired += sum(outcome is True for outcome in outcomes)
            if len(due) < BATCH or all(outcome is False for outcome in outcomes):
                break
        if fired and self._on_fired is not None:
            self._on_fired()
        return fired

    async def _breach_or_set_aside(self, lead: Lead, now: datetime) -> bool | None:
        """Breach one lead (True, or False if someone got there first); None: set aside.

        If a lead's own handling fails, it is set aside so the others still breach.

        Deadlines are read earliest first: without this, one lead whose breach always fails
        would come first in every pass and hold back every later deadline. An outage stops the
        pass instead (the next one starts over).
        """
        try:
            return await self._breach(lead, now)
        except Exception as exc:
            if is_transient(exc):
                raise
            until = now + SET_ASIDE
            log.error(
                "SLA breach failed; set aside",
                lead_id=lead.id,
                until=until.isoformat(),
                error=describe_error(exc),
            )
            await self._leads.postpone(lead.id, until)
            return None

    async def _breach(self, lead: Lead, now: datetime) -> bool:
        if not lead.is_sla_due(now):
            return False
        counted_for = lead.counted_for
        escalates = lead.escalates_on_breach(self._policy)
        if escalates:
            lead.escalate_after_breach(await self._assigner.head_of_sales(lead.team or ""), now)
        else:
            lead.reassign_after_breach(await self._next_owner(lead, now), now)
        try:
            await self._leads.save(lead)
        except ConcurrentModification:
            return False  # another replica, or a manager, got there first
        if lead.counted_for != counted_for:
            await self._loads.settle(lead.id, lead.counted_for, {counted_for})
        log.info(
            "SLA breached", lead_id=lead.id, breach_count=lead.sla_breaches, escalated=escalates
        )
        return True

    async def _next_owner(self, lead: Lead, now: datetime) -> Owner:
        return await self._assigner.choose(
            LeadToAssign(
                lead_id=lead.id,
                channel=lead.channel.value,
                region=lead.region,
                product=lead.product,
                excluded=lead.missed_sla(),
            ),
            priority=lead.priority.score,
            at=now,
            team_hint=lead.team or "",
        )
