"""Choosing an owner for a lead and its first-contact deadline, from the stored roster."""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
from leads.domain.priority import Priority
from leads.domain.roster import RosterManager, RosterTeam, WorkingTime
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
        round_ = await self.start_round()
        owner = await round_.choose(lead, priority=priority, at=at, team_hint=team_hint)
        await round_.finish()
        return owner

    async def choose_scored(
        self, lead: LeadToAssign, score: Callable[[str], Priority], *, at: datetime
    ) -> tuple[Owner, Priority]:
        """Pick the owner, score the lead in its team's time zone, then set its deadline."""
        round_ = await self.start_round()
        chosen = await round_.choose_scored(lead, score, at=at)
        await round_.finish()
        return chosen

    async def start_round(self) -> AssignmentRound:
        """Read the roster, the loads and the rules once for several assignments in a row."""
        candidates = [
            member
            for member in await self._roster.list_managers(active_only=True)
            if not member.is_head_of_sales
        ]
        loads = await self._loads.loads([member.id for member in candidates])
        rules, last = await self._roster.assignment_settings()
        return AssignmentRound(self, candidates, loads, self._strategy(rules), last)

    async def deadline(self, team: str, channel: str, priority: int, at: datetime) -> datetime:
        """First-contact deadline for a lead handed to `team` at `at`."""
        return self.deadline_in(await self._roster.get_team(team), channel, priority, at)

    @property
    def default_team(self) -> str:
        """The team of a lead nobody could take."""
        return self._config.default_team

    async def team(self, team_id: str) -> RosterTeam | None:
        """A team of the roster."""
        return await self._roster.get_team(team_id)

    async def time_zone(self, team: str | None) -> str:
        """The time zone `team` works in (the team queue's when None)."""
        return self.time_zone_in(await self._roster.get_team(team or self.default_team))

    def time_zone_in(self, stored: RosterTeam | None) -> str:
        """The time zone of a team stored as `stored`: its own, else the service's."""
        working = (stored.working_time if stored else WorkingTime()).over(
            self._config.default_calendar
        )
        return working.time_zone or "UTC"

    async def keep_rotation(self, manager_id: str) -> None:
        """Move the round-robin pointer to the manager chosen last."""
        await self._roster.set_last_assigned(manager_id)

    def deadline_in(
        self, stored: RosterTeam | None, channel: str, priority: int, at: datetime
    ) -> datetime:
        """First-contact deadline for a lead handed at `at` to a team stored as `stored`."""
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

    def manager(self, member: RosterManager, open_leads: int, year: int) -> Manager:
        """The roster member as the domain's assignment sees them."""
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


class AssignmentRound:
    """Assignments from one read of the roster: each choice counts towards the next one's loads.

    The loads are those read at the start plus the round's own choices, so a round of n leads
    decides as n single assignments in a row would; the rotation pointer is written once, at the
    end, and only if it moved. The roster is as stale as its read (one batch of leads).
    """

    def __init__(
        self,
        assigner: Assigner,
        candidates: Sequence[RosterManager],
        loads: dict[str, int],
        strategy: AssignmentStrategy,
        last: str | None,
    ) -> None:
        self._assigner = assigner
        self._candidates = list(candidates)
        self._loads = dict(loads)
        self._strategy = strategy
        self._read_last = self._last = last
        self._teams: dict[str, RosterTeam | None] = {}

    async def choose(
        self, lead: LeadToAssign, *, priority: int, at: datetime, team_hint: str | None = None
    ) -> Owner:
        """Pick the owner at `at` and the deadline in the owner's team calendar."""
        manager_id, team, reason = await self._pick(lead, at, team_hint)
        deadline = self._assigner.deadline_in(self._teams[team], lead.channel, priority, at)
        return Owner(manager_id, team, reason, deadline)

    async def choose_scored(
        self, lead: LeadToAssign, score: Callable[[str], Priority], *, at: datetime
    ) -> tuple[Owner, Priority]:
        """Pick the owner, score the lead on its team's local day, then set the deadline.

        The choice of a manager does not look at the priority; the deadline does. So the
        team is known before the score, and a deadline the request states in words counts
        from the day it came on where the team works.
        """
        manager_id, team, reason = await self._pick(lead, at, None)
        priority = score(self._assigner.time_zone_in(self._teams[team]))
        deadline = self._assigner.deadline_in(self._teams[team], lead.channel, priority.score, at)
        return Owner(manager_id, team, reason, deadline), priority

    async def _pick(
        self, lead: LeadToAssign, at: datetime, team_hint: str | None
    ) -> tuple[str | None, str, str]:
        """The manager chosen (None: the team queue), the team and the reason; the team read."""
        managers = [
            self._assigner.manager(member, self._loads.get(member.id, 0), at.year)
            for member in self._candidates
        ]
        state = RotationState(last_manager_id=self._last)
        decision = assign(lead, managers, self._strategy, at=at, state=state)
        if decision.manager_id is not None:
            self._last = decision.manager_id
            self._loads[decision.manager_id] = self._loads.get(decision.manager_id, 0) + 1
            team = next(m.team for m in managers if m.id == decision.manager_id)
        else:
            team = team_hint or self._assigner.default_team
        if team not in self._teams:
            self._teams[team] = await self._assigner.team(team)
        return decision.manager_id, team, decision.reason

    async def finish(self) -> None:
        """Keep the rotation pointer for the next round (written only if it moved)."""
        if self._last is not None and self._last != self._read_last:
            await self._assigner.keep_rotation(self._last)
