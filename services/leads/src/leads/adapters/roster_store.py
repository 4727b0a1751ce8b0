"""MongoDB storage of the roster: managers, teams, assignment rules and the rotation pointer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

RULES_ID = "assignment_rules"
ROTATION_ID = "rotation"


class MongoRosterStore:
    """`managers`, `teams` and `lead_settings` collections (small, read on every assignment)."""

    def __init__(self, db: AsyncDatabase[Any]) -> None:
        self.managers = db["managers"]
        self.teams = db["teams"]
        self.config = db["lead_settings"]

    async def put_manager(self, manager_id: str, fields: Mapping[str, Any]) -> None:
        """Create or replace a manager."""
        await self.managers.replace_one({"_id": manager_id}, dict(fields), upsert=True)

    async def set_presence(self, manager_id: str, present: bool) -> bool:
        """Mark a manager present or away; False for an unknown manager."""
        result = await self.managers.update_one({"_id": manager_id}, {"$set": {"present": present}})
        return result.matched_count == 1

    async def get_manager(self, manager_id: str) -> dict[str, Any] | None:
        """One manager."""
        doc: dict[str, Any] | None = await self.managers.find_one({"_id": manager_id})
        return doc

    async def list_managers(self, *, active_only: bool = False) -> list[dict[str, Any]]:
        """Every manager, by id."""
        query = {"active": True} if active_only else {}
        return [doc async for doc in self.managers.find(query).sort("_id", ASCENDING)]

    async def put_team(self, team_id: str, fields: Mapping[str, Any]) -> None:
        """Create or replace a team."""
        await self.teams.replace_one({"_id": team_id}, dict(fields), upsert=True)

    async def get_team(self, team_id: str) -> dict[str, Any] | None:
        """One team."""
        doc: dict[str, Any] | None = await self.teams.find_one({"_id": team_id})
        return doc

    async def list_teams(self) -> list[dict[str, Any]]:
        """Every team, by id."""
        return [doc async for doc in self.teams.find({}).sort("_id", ASCENDING)]

    async def get_rules(self) -> list[dict[str, Any]]:
        """Assignment rules in the order they apply."""
        doc = await self.config.find_one({"_id": RULES_ID})
        return list(doc["rules"]) if doc else []

    async def put_rules(self, rules: Sequence[Mapping[str, Any]]) -> None:
        """Replace the assignment rules."""
        await self.config.replace_one(
            {"_id": RULES_ID}, {"rules": [dict(r) for r in rules]}, upsert=True
        )

    async def last_assigned(self) -> str | None:
        """Round-robin pointer: the manager chosen last."""
        doc = await self.config.find_one({"_id": ROTATION_ID})
        return doc.get("last_manager_id") if doc else None

    async def set_last_assigned(self, manager_id: str) -> None:
        """Move the round-robin pointer (a lost update only skews the rotation by one)."""
        await self.config.update_one(
            {"_id": ROTATION_ID}, {"$set": {"last_manager_id": manager_id}}, upsert=True
        )
