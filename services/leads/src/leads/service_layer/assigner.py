"""Choosing an owner for a lead and its first-contact deadline, from the stored roster."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from leads.domain.assignment import (
    AssignmentRule,
    AssignmentStrategy,
    LeadToAssign,
    LeastLoaded,
    Manager,
    RotationState,
    RoundRobin,
    RuleBased,
    assign,
)
from leads.domain.lead_records import Owner
from leads.domain.roster import RosterManager, WorkingTime
from leads.domain.sla import SlaPolicy
from leads.service_layer.calendars import calendar_of
from leads.service_layer.ports import ManagerLoads, Roster


@dataclass(frozen=True)
class AssignmentConfig:
    """Service-wide assignment and calendar defaults."""

    strategy: str
    default_team: str
    default_calendar: WorkingTime
    sla: SlaPolicy


class Assigner:
    """Reads the roster and current loads, then lets the domain decide."""

    def __init__(self, roster: Roster, loads: ManagerLoads, config: AssignmentConfig) -> None:
        self._roster = roster
        self._loads = loads
        self._config = config

    async def choose(
        self,
        lead: LeadToAssign,
        *,
        priority: int,
        at: datetime,
        team_hint: str | None = None,
    ) -> Owner:
        """Pick the owner at `at` and compute the deadline in the owner's team calendar."""
        candidates = [
            member
            for member in await self._roster.list_managers(active_only=True)
            if not member.is_head_of_sales
        ]
        loads = await self._loads.loads([member.id for member in candidates])
        managers = [
            self._manager(member, loads.get(member.id, 0), at.year) for member in candidates
        ]
        rules = await self._roster.get_rules()
        state = RotationState(last_manager_id=await self._roster.last_assigned())
        decision = assign(lead, managers, self._strategy(rules), at=at, state=state)
        if decision.manager_id is not None:
            await self._roster.set_last_assigned(decision.manager_id)
            team = next(m.team for m in managers if m.id == decision.manager_id)
        else:
            team = team_hint or self._config.default_team
        deadline = await self.deadline(team, lead.channel, priority, at)
        return Owner(decision.manager_id, team, decision.reason, deadline)

    async def deadline(self, team: str, channel: str, priority: int, at: datetime) -> datetime:
        """First-contact deadline for a lead handed to `team` at `at`."""
        stored = await self._roster.get_team(team)
        calendar = calendar_of(
            stored.working_time if stored else None,
            default=self._config.default_calendar,
            year=at.year,
        )
        return self._config.sla.deadline(channel, priority, at, calendar)

    async def roster_manager(self, manager_id: str) -> RosterManager | None:
        """A manager of the roster, active or not."""
        member = await self._roster.get_manager(manager_id)
        return member if member and member.active else None

    async def head_of_sales(self, team: str) -> str | None:
        """The head of sales the lead escalates to: the team's own head first, then any."""
        stored = await self._roster.get_team(team)
        if stored and stored.head_id:
            return stored.head_id
        heads = [
            m for m in await self._roster.list_managers(active_only=True) if m.is_head_of_sales
        ]
        own = [head for head in heads if head.team == team]
        chosen = (own or heads)[:1]
        return chosen[0].id if chosen else None

    def _strategy(self, rules: Sequence[AssignmentRule]) -> AssignmentStrategy:
        base: AssignmentStrategy = (
            LeastLoaded() if self._config.strategy == "least_loaded" else RoundRobin()
        )
        return RuleBased(tuple(rules), then=base) if rules else base

    def _manager(self, member: RosterManager, open_leads: int, year: int) -> Manager:
        hours = member.working_hours
        calendar = (
            calendar_of(hours, default=self._config.default_calendar, year=year) if hours else None
        )
        return Manager(
            id=member.id,
            team=member.team or self._config.default_team,
            channels=frozenset(member.channels),
            regions=frozenset(member.regions),
            products=frozenset(member.products),
            time_zone=member.time_zone or "Europe/Moscow",
            capacity=member.capacity,
            open_leads=open_leads,
            present=member.present,
            calendar=calendar,
        )
