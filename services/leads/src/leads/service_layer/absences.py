"""A manager's absence: away until a day, with a deputy who takes over their open leads.

Declaring it marks the manager away (no new leads) and publishes them with their deputy on
`person.changed`, which the deals service follows to hand over their open deals; here their
open leads move to the deputy, each with its `lead.reassigned`. Declared again after a crash
half-way, it moves what is still theirs: the command is safe to repeat.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from leads.domain.lifecycle import LifecycleError
from leads.domain.roster import RosterManager
from leads.service_layer.commands import LeadCommands
from leads.service_layer.ports import LeadRepository, Roster


@dataclass(frozen=True)
class HandOver:
    """An absence as declared, and how many open leads went to the deputy."""

    manager: RosterManager
    leads_handed_over: int


class Absences:
    """Declare and end absences; the roster publishes each change."""

    def __init__(self, roster: Roster, leads: LeadRepository, commands: LeadCommands) -> None:
        self._roster = roster
        self._leads = leads
        self._commands = commands

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
