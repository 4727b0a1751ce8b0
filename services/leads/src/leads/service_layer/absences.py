"""A manager's absence or leaving: who takes over their open leads.

Declaring an absence marks the manager away (no new leads) and publishes them with their
deputy on `person.changed`, which the deals service follows to hand over their open deals;
here their open leads move to the deputy, each with its `lead.reassigned`. A manager made
inactive (leaving) hands their open leads to their deputy if one is at work, else to whom
assignment picks now, else to the head of sales. Both are safe to repeat after a crash
half-way: they move what is still theirs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from leads.domain.assignment import LeadToAssign
from leads.domain.lead import Lead
from leads.domain.lifecycle import LifecycleError
from leads.domain.roster import RosterManager
from leads.service_layer.assigner import Assigner
from leads.service_layer.commands import LeadCommands
from leads.service_layer.ports import LeadRepository, Roster
from shared.platform.clock import Clock
from shared.platform.logging import get_logger

log = get_logger(__name__)
LEFT = "the manager left"


@dataclass(frozen=True)
class HandOver:
    """An absence as declared, and how many open leads went to the deputy."""

    manager: RosterManager
    leads_handed_over: int


class Absences:
    """Declare and end absences, and hand a leaving manager's leads on; the roster publishes."""

    def __init__(
        self,
        roster: Roster,
        leads: LeadRepository,
        commands: LeadCommands,
        *,
        assigner: Assigner,
        clock: Clock,
    ) -> None:
        self._roster = roster
        self._leads = leads
        self._commands = commands
        self._assigner = assigner
        self._clock = clock

    async def declare(self, manager_id: str, *, until: date, deputy_id: str) -> HandOver | None:
        """Mark the manager away until `until` and hand their open leads over; None if unknown."""
        manager = await self._roster.get_manager(manager_id)
        if manager is None:
            return None
        deputy = await self._roster.get_manager(deputy_id)
        if deputy_id == manager_id or deputy is None or not (deputy.active and deputy.present):
            raise LifecycleError("the deputy must be another manager on the roster, at work")
        away = replace(manager, present=False, absent_until=until, deputy_id=deputy_id)
        await self._roster.put_manager(away)
        note = f"absence until {until.isoformat()}"
        moved = 0
        for lead_id in sorted(await self._leads.open_ids_of(manager_id)):
            await self._commands.reassign(lead_id, to_manager_id=deputy_id, note=note)
            moved += 1
        return HandOver(away, moved)

    async def end(self, manager_id: str) -> RosterManager | None:
        """The manager is back: at work again, without a deputy (leads stay where they went)."""
        manager = await self._roster.get_manager(manager_id)
        if manager is None:
            return None
        back = replace(manager, present=True, absent_until=None, deputy_id=None)
        await self._roster.put_manager(back)
        return back

    async def leave(self, manager_id: str) -> int:
        """Hand an inactive manager's open leads over; how many moved (0 for an active one)."""
        manager = await self._roster.get_manager(manager_id)
        if manager is None or manager.active:
            return 0
        deputy = await self._roster.get_manager(manager.deputy_id) if manager.deputy_id else None
        open_leads = await self._leads.get_many(sorted(await self._leads.open_ids_of(manager_id)))
        if not open_leads:
            return 0
        successors: dict[str, str | None]
        if deputy is not None and deputy.active and deputy.present:
            successors = dict.fromkeys(open_leads, deputy.id)
        else:
            successors = await self._successors(list(open_leads.values()))
        moved = 0
        for lead_id, to in successors.items():
            if to is None:
                log.warning("no one to take a leaving manager's lead", lead_id=lead_id)
                continue
            await self._commands.reassign(lead_id, to_manager_id=to, note=LEFT)
            moved += 1
        return moved

    async def _successors(self, leads: list[Lead]) -> dict[str, str | None]:
        """Whom assignment picks for each lead now (one round), else the head of sales."""
        round_ = await self._assigner.start_round()
        now = self._clock.now()
        chosen: dict[str, str | None] = {}
        for lead in leads:
            owner = await round_.choose(
                LeadToAssign(
                    lead_id=lead.id,
                    channel=lead.channel.value,
                    region=lead.region,
                    product=lead.product,
                    excluded=frozenset({lead.manager_id or ""}),
                ),
                priority=lead.priority.score,
                at=now,
                team_hint=lead.team or "",
            )
            chosen[lead.id] = owner.manager_id or await self._assigner.head_of_sales(
                lead.team or ""
            )
        await round_.finish()
        return chosen
