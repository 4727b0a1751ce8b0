"""MongoDB storage of the roster: managers, teams, assignment rules and the rotation pointer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, replace
from datetime import date, time
from decimal import Decimal
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from leads.domain.assignment import AssignmentRule
from leads.domain.ids import SOURCE
from leads.domain.roster import RosterManager, RosterTeam, WorkingTime
from shared.contracts.events.person import PersonChangedV1
from shared.platform.audit import replace_audited, update_audited
from shared.platform.clock import Clock
from shared.platform.outbox import OutboxMessage, aggregate_event, with_outbox

RULES_ID = "assignment_rules"
ROTATION_ID = "rotation"
Document = dict[str, Any]


class MongoRosterStore:
    """`managers`, `teams` and `lead_settings` collections (small, read on every assignment)."""

    def __init__(self, db: AsyncDatabase[Any], *, clock: Clock) -> None:
        self._clock = clock
        self.managers = db["managers"]
        self.teams = db["teams"]
        self.config = db["lead_settings"]

    async def put_manager(self, manager: RosterManager) -> None:
        """Create or replace a manager, and publish them to the directory (`person.changed`)."""
        update = with_outbox({"$set": manager_document(manager)}, [self._person(manager)])
        await update_audited(self.managers, manager.id, update, upsert=True)

    async def set_presence(self, manager_id: str, present: bool) -> bool:
        """Mark a manager present or away; False for an unknown manager."""
        manager = await self.get_manager(manager_id)
        if manager is None:
            return False
        await self.put_manager(replace(manager, present=present))
        return True

    def _person(self, manager: RosterManager) -> OutboxMessage:
        person = PersonChangedV1(
            person_id=manager.id,
            name=manager.name,
            team=manager.team or None,
            role=manager.role,
            time_zone=manager.time_zone,
            capacity=manager.capacity,
            active=manager.active,
            present=manager.present,
            absent_until=manager.absent_until,
            deputy_id=manager.deputy_id,
            email=manager.email,
            messenger_chat_id=manager.messenger_chat_id,
            max_discount_percent=manager.max_discount_percent,
            changed_at=self._clock.now(),
        )
        return aggregate_event(person, source=SOURCE, key=manager.id, at=person.changed_at)

    async def get_manager(self, manager_id: str) -> RosterManager | None:
        """One manager."""
        document = await self.managers.find_one({"_id": manager_id})
        return None if document is None else roster_manager(document)

    async def list_managers(self, *, active_only: bool = False) -> list[RosterManager]:
        """Every manager, by id."""
        query = {"active": True} if active_only else {}
        cursor = self.managers.find(query).sort("_id", ASCENDING)
        return [roster_manager(document) async for document in cursor]

    async def put_team(self, team: RosterTeam) -> None:
        """Create or replace a team."""
        stored = {name: _stored_time(value) for name, value in asdict(team).items()}
        del stored["id"]
        await replace_audited(self.teams, team.id, stored)

    async def get_team(self, team_id: str) -> RosterTeam | None:
        """One team."""
        document = await self.teams.find_one({"_id": team_id})
        return None if document is None else roster_team(document)

    async def list_teams(self) -> list[RosterTeam]:
        """Every team, by id."""
        return [
            roster_team(document) async for document in self.teams.find({}).sort("_id", ASCENDING)
        ]

    async def get_rules(self) -> list[AssignmentRule]:
        """Assignment rules in the order they apply."""
        document = await self.config.find_one({"_id": RULES_ID})
        return [assignment_rule(rule) for rule in document["rules"]] if document else []

    async def assignment_settings(self) -> tuple[list[AssignmentRule], str | None]:
        """The assignment rules and the round-robin pointer, in one read."""
        cursor = self.config.find({"_id": {"$in": [RULES_ID, ROTATION_ID]}})
        stored = {document["_id"]: document async for document in cursor}
        rules = stored.get(RULES_ID)
        rotation = stored.get(ROTATION_ID)
        return (
            [assignment_rule(rule) for rule in rules["rules"]] if rules else [],
            rotation.get("last_manager_id") if rotation else None,
        )

    async def put_rules(self, rules: Sequence[AssignmentRule]) -> None:
        """Replace the assignment rules."""
        stored = [{**asdict(rule), "manager_ids": list(rule.manager_ids)} for rule in rules]
        await replace_audited(self.config, RULES_ID, {"rules": stored})

    async def last_assigned(self) -> str | None:
        """Round-robin pointer: the manager chosen last."""
        document = await self.config.find_one({"_id": ROTATION_ID})
        return document.get("last_manager_id") if document else None

    async def set_last_assigned(self, manager_id: str) -> None:
        """Move the round-robin pointer (a lost update only skews the rotation by one)."""
        await self.config.update_one(
            {"_id": ROTATION_ID}, {"$set": {"last_manager_id": manager_id}}, upsert=True
        )


def manager_document(manager: RosterManager) -> Document:
    """A manager as stored: lists for the skills, times as ISO strings."""
    hours = manager.working_hours
    return {
        "name": manager.name,
        "team": manager.team,
        "role": manager.role,
        "channels": list(manager.channels),
        "regions": list(manager.regions),
        "products": list(manager.products),
        "time_zone": manager.time_zone,
        "capacity": manager.capacity,
        "present": manager.present,
        "active": manager.active,
        "working_hours": (
            {name: _stored_time(value) for name, value in asdict(hours).items()} if hours else None
        ),
        "absent_until": manager.absent_until.isoformat() if manager.absent_until else None,
        "deputy_id": manager.deputy_id,
        "email": manager.email,
        "messenger_chat_id": manager.messenger_chat_id,
        "max_discount_percent": (
            None if manager.max_discount_percent is None else str(manager.max_discount_percent)
        ),
    }


def roster_manager(document: Mapping[str, Any]) -> RosterManager:
    """The manager a stored document describes; absent settings take their defaults."""
    hours = document.get("working_hours")
    absent = document.get("absent_until")
    limit = document.get("max_discount_percent")
    return RosterManager(
        id=document["_id"],
        name=document.get("name") or document["_id"],
        team=document.get("team") or "",
        role=document.get("role") or "manager",
        channels=tuple(document.get("channels") or ()),
        regions=tuple(document.get("regions") or ()),
        products=tuple(document.get("products") or ()),
        time_zone=document.get("time_zone") or "Europe/Moscow",
        capacity=int(document.get("capacity", 10)),
        present=bool(document.get("present", True)),
        active=bool(document.get("active", True)),
        working_hours=_working_time(hours) if hours else None,
        absent_until=date.fromisoformat(absent) if absent else None,
        deputy_id=document.get("deputy_id"),
        email=document.get("email"),
        messenger_chat_id=document.get("messenger_chat_id"),
        max_discount_percent=None if limit is None else Decimal(limit),
    )


def roster_team(document: Mapping[str, Any]) -> RosterTeam:
    """The team a stored document describes."""
    working = _working_time(document)
    return RosterTeam(
        id=document["_id"],
        name=document.get("name") or document["_id"],
        head_id=document.get("head_id"),
        calendar=working.calendar,
        time_zone=working.time_zone,
        work_start=working.work_start,
        work_end=working.work_end,
    )


def assignment_rule(document: Mapping[str, Any]) -> AssignmentRule:
    """A stored assignment rule."""
    return AssignmentRule(
        name=document["name"],
        channel=document.get("channel"),
        region=document.get("region"),
        product=document.get("product"),
        team=document.get("team"),
        manager_ids=tuple(document.get("manager_ids") or ()),
    )


def _working_time(document: Mapping[str, Any]) -> WorkingTime:
    return WorkingTime(
        calendar=document.get("calendar"),
        time_zone=document.get("time_zone"),
        work_start=_time(document.get("work_start")),
        work_end=_time(document.get("work_end")),
    )


def _stored_time(value: Any) -> Any:
    return value.isoformat() if isinstance(value, time) else value


def _time(value: Any) -> time | None:
    if value is None or isinstance(value, time):
        return value
    return time.fromisoformat(str(value))
