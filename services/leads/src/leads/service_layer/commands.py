"""What managers (and telephony) do to a lead: log activities, qualify, convert, disqualify, move.

Each command loads the lead, lets it make the move and saves it with the events it recorded,
if nobody wrote the lead meanwhile; otherwise it loads it again and decides again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from leads.domain.lead import Lead
from leads.domain.lead_records import Activity, Conversion
from leads.domain.lifecycle import LifecycleError
from leads.service_layer.assigner import Assigner
from leads.service_layer.contact_book import ContactBook
from leads.service_layer.loads import LoadKeeper
from leads.service_layer.ports import LeadRepository
from shared.platform.clock import Clock

R = TypeVar("R")


class LeadNotFound(Exception):
    """No lead has that id."""


class LeadOutOfSight(LeadNotFound):
    """The lead exists, but not for this caller: answered exactly like one that does not."""


async def existing_lead(leads: LeadRepository, lead_id: str) -> Lead:
    """The lead with this id, or the one a duplicate with this id was merged into."""
    lead = await leads.by_id_or_alias(lead_id)
    if lead is None:
        raise LeadNotFound(lead_id)
    return lead


class LeadCommands:
    """The write side of the lead API; `wake` nudges the outbox relay after a change."""

    def __init__(
        self,
        leads: LeadRepository,
        assigner: Assigner,
        *,
        book: ContactBook,
        loads: LoadKeeper,
        clock: Clock,
        disqualify_reasons: frozenset[str],
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self._leads = leads
        self._assigner = assigner
        self._book = book
        self._loads = loads
        self._clock = clock
        self._reasons = disqualify_reasons
        self._wake = wake

    async def log_activity(self, lead_id: str, activity: Activity) -> tuple[Lead, bool]:
        """Record an activity once; the first contact stops the SLA clock.

        Returns the lead and whether the activity was new (False for a repeated id).
        """
        return await self._change(lead_id, lambda lead: lead.log_activity(activity, self._now()))

    async def qualify(self, lead_id: str, *, by: str | None) -> Lead:
        """Mark a contacted lead as a real opportunity (a repeat is a no-op)."""
        lead, _ = await self._change(lead_id, lambda lead: lead.qualify(by=by, now=self._now()))
        return lead

    async def convert(self, lead_id: str, conversion: Conversion) -> Lead:
        """Turn the lead into a deal: `lead.converted` carries what the deals service needs."""
        lead, _ = await self._change(lead_id, lambda lead: lead.convert(conversion, self._now()))
        return lead

    async def disqualify(
        self, lead_id: str, *, reason: str, note: str | None, by: str | None
    ) -> Lead:
        """Close the lead with a configured reason."""
        lead, _ = await self._change(
            lead_id,
            lambda lead: lead.disqualify(
                reason=reason, note=note, by=by, allowed=self._reasons, now=self._now()
            ),
        )
        return lead

    async def reassign(self, lead_id: str, *, to_manager_id: str, note: str | None) -> Lead:
        """Hand the lead to a named manager; an uncontacted lead gets a fresh deadline."""
        lead = await existing_lead(self._leads, lead_id)
        if lead.owned_by_already(to_manager_id):
            return lead
        manager = await self._assigner.roster_manager(to_manager_id)
        if manager is None:
            raise LifecycleError("no such manager in the roster")
        team = manager.team or lead.team or ""
        now = self._now()
        deadline = (
            await self._assigner.deadline(team, lead.channel.value, lead.priority.score, now)
            if lead.awaiting_contact
            else None
        )
        moved, _ = await self._change(
            lead.id,
            lambda lead: lead.reassign(
                to=to_manager_id, team=team, deadline=deadline, note=note, now=self._now()
            ),
        )
        return moved

    async def _change(self, lead_id: str, change: Callable[[Lead], R]) -> tuple[Lead, R]:
        lead = await existing_lead(self._leads, lead_id)
        before: list[tuple[str | None, bool]] = []

        def tracked(current: Lead) -> R:
            before[:] = [(current.counted_for, current.closed)]
            return change(current)

        changed = await self._leads.update(lead.id, tracked)
        if changed is None:
            raise LeadNotFound(lead_id)
        moved, result = changed
        if result:
            counted_for, was_closed = before[0]
            if moved.counted_for != counted_for:
                await self._loads.settle(moved.id, moved.counted_for, {counted_for})
            if moved.closed and not was_closed:
                await self._book.closed(moved)
            self._wake()
        return changed

    def _now(self) -> datetime:
        return self._clock.now()
