"""Plans in MongoDB (`plans`): one settings document per period and subject, with its versions.

`{_id: "<period>|<subject>", period, subject, versions: [{targets, set_at, set_by,
correction}]}`. A new version is appended with `$push` (atomic: two heads of sales setting
the same plan at once both keep their version) through `update_audited`, so the request's
audit entry holds the versions before and after, the correction flag included.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from reporting.domain.plans import PlanVersion, Targets
from shared.kernel.zones import require_aware
from shared.platform.audit import update_audited
from shared.platform.people import PEOPLE_COLLECTION

COLLECTION = "plans"


def plan_id(period: str, subject: str) -> str:
    """The document id of one subject's plan for one period."""
    return f"{period}|{subject}"


def _version(number: int, stored: Mapping[str, Any]) -> PlanVersion:
    set_at = stored["set_at"]
    if set_at.tzinfo is None:  # BSON dates come back naive unless the client is tz-aware
        set_at = set_at.replace(tzinfo=UTC)
    return PlanVersion(
        version=number,
        targets=Targets.from_stored(stored["targets"]),
        set_at=set_at,
        set_by=str(stored["set_by"]),
        correction=bool(stored.get("correction", False)),
    )


def _versions(document: Mapping[str, Any] | None) -> list[PlanVersion]:
    stored = (document or {}).get("versions") or []
    return [_version(number, entry) for number, entry in enumerate(stored, start=1)]


class MongoPlans:
    """Writes and reads the plans the head of sales sets."""

    def __init__(self, db: AsyncDatabase[Any]) -> None:
        self.collection: AsyncCollection[Any] = db[COLLECTION]

    async def add(self, period: str, subject: str, version: PlanVersion) -> None:
        """Append a version to the subject's plan for the period (created on the first)."""
        require_aware(version.set_at, "set_at")
        entry = {
            "targets": version.targets.stored(),
            "set_at": version.set_at,
            "set_by": version.set_by,
            "correction": version.correction,
        }
        await update_audited(
            self.collection,
            plan_id(period, subject),
            {"$set": {"period": period, "subject": subject}, "$push": {"versions": entry}},
            upsert=True,
        )

    async def history(self, period: str, subject: str) -> list[PlanVersion]:
        """Every version of the plan, oldest first (empty: no plan)."""
        return _versions(await self.collection.find_one({"_id": plan_id(period, subject)}))

    async def of_period(self, period: str) -> dict[str, list[PlanVersion]]:
        """Every subject's plan versions for the period, by subject."""
        found: dict[str, list[PlanVersion]] = {}
        async for document in self.collection.find({"period": period}):
            found[str(document["subject"])] = _versions(document)
        return dict(sorted(found.items()))


class DirectoryTeams:
    """Team members as the people directory has them now (`person.changed`)."""

    def __init__(self, db: AsyncDatabase[Any]) -> None:
        self.collection: AsyncCollection[Any] = db[PEOPLE_COLLECTION]

    async def members(self, team: str) -> frozenset[str]:
        """Everyone the directory puts in the team, gone or not (their deals still count)."""
        cursor = self.collection.find({"team": team}, {"_id": 1})
        return frozenset([str(document["_id"]) async for document in cursor])
