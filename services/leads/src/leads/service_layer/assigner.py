"""Choosing an owner for a lead and its first-contact deadline, from the stored roster."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from leads.adapters.lead_store import MongoLeadStore
from leads.adapters.roster_store import MongoRosterStore
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
from leads.domain.sla import SlaPolicy
from leads.service_layer.calendars import calendar_of

HEAD_OF_SALES = "head_of_sales"


@dataclass(frozen=True)
class Owner:
    """Who works the lead now, why, and by when first contact is due."""

    manager_id: str | None
    team: str
    reason: str
    deadline: datetime | None


@dataclass(frozen=True)
class AssignmentConfig:
    """Service-wide assignment and calendar defaults."""

    strategy: str
    default_team: str
    default_calendar: dict[str, Any]
    sla: SlaPolicy


class Assigner:
    """Reads the roster and current loads, then lets the domain decide."""

    def __init__(
        self, roster: MongoRosterStore, leads: MongoLeadStore, config: AssignmentConfig
    ) -> None:
        self._roster = roster
        self._leads = leads
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
        docs = await self._roster.list_managers(active_only=True)
        counts = await self._leads.open_counts()
        managers = [
            self._manager(doc, counts.get(doc["_id"], 0), at.year)
            for doc in docs
            if doc.get("role") != HEAD_OF_SALES
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
        calendar = calendar_of(
            await self._roster.get_team(team), default=self._config.default_calendar, year=at.year
        )
        return self._config.sla.deadline(channel, priority, at, calendar)

    async def roster_manager(self, manager_id: str) -> dict[str, Any] | None:
        """A manager of the roster, active or not."""
        doc = await self._roster.get_manager(manager_id)
        return doc if doc and doc.get("active", True) else None

    async def head_of_sales(self, team: str) -> str | None:
        """The head of sales the lead escalates to: the team's own head first, then any."""
        team_doc = await self._roster.get_team(team)
        if team_doc and team_doc.get("head_id"):
            return str(team_doc["head_id"])
        heads = [
            doc
            for doc in await self._roster.list_managers(active_only=True)
            if doc.get("role") == HEAD_OF_SALES
        ]
        own = [doc for doc in heads if doc.get("team") == team]
        chosen = (own or heads)[:1]
        return str(chosen[0]["_id"]) if chosen else None

    def _strategy(self, rules: Iterable[dict[str, Any]]) -> AssignmentStrategy:
        base: AssignmentStrategy = (
            LeastLoaded() if self._config.strategy == "least_loaded" else RoundRobin()
        )
        parsed = tuple(
            AssignmentRule(
                name=r["name"],
                channel=r.get("channel"),
                region=r.get("region"),
                product=r.get("product"),
                team=r.get("team"),
                manager_ids=frozenset(r.get("manager_ids") or ()),
            )
            for r in rules
        )
        return RuleBased(parsed, then=base) if parsed else base

    def _manager(self, doc: dict[str, Any], open_leads: int, year: int) -> Manager:
        hours = doc.get("working_hours")
        calendar = (
            calendar_of(hours, default=self._config.default_calendar, year=year) if hours else None
        )
        return Manager(
            id=doc["_id"],
            team=doc.get("team") or self._config.default_team,
            channels=frozenset(doc.get("channels") or ()),
            regions=frozenset(doc.get("regions") or ()),
            products=frozenset(doc.get("products") or ()),
            time_zone=doc.get("time_zone") or "Europe/Moscow",
            capacity=int(doc.get("capacity", 10)),
            open_leads=open_leads,
            present=bool(doc.get("present", True)),
            calendar=calendar,
        )
