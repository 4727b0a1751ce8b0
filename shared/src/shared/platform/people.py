"""The directory of people as a service keeps it, and whose records each caller sees.

The leads roster owns people and publishes each change on the compacted `person.changed`
topic; every other service keeps the newest version of each person in its own `people`
collection (ADR 0031). A caller's `Scope` follows from their roles and their directory entry:
systems, heads of sales and admins see everything, a team lead their team's records, a manager
their own, and a person missing from the directory (or gone) nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.contracts.events.person import PersonChangedV1
from shared.platform.access import HEADS, Caller
from shared.platform.indexes import IndexPlan, index

PEOPLE_COLLECTION = "people"

PEOPLE_INDEXES: IndexPlan = {PEOPLE_COLLECTION: [index("team", "role", "_id")]}
"""A team lead's scope reads the people of their team; an overdue task finds their lead."""


@dataclass(frozen=True)
class Person:
    """A person as the directory last published them."""

    id: str
    team: str | None
    active: bool
    present: bool
    deputy_id: str | None = None


@dataclass(frozen=True)
class Scope:
    """Whose records a caller sees: everyone's (`owners` None), or those of these owners.

    A team lead's owners are the people of their team (`team` names it); a manager's,
    themselves; a stranger's, no one. A record outside the scope does not exist for the
    caller: reads answer 404 and lists leave it out, in the query.
    """

    owners: frozenset[str] | None = None
    team: str | None = None

    @classmethod
    def everything(cls) -> Scope:
        """What systems, heads of sales and admins see."""
        return cls()

    @classmethod
    def none(cls) -> Scope:
        """What a person missing from the directory sees."""
        return cls(owners=frozenset())

    def sees(self, owner: str | None) -> bool:
        """Whether a record owned by `owner` is within the scope."""
        return self.owners is None or owner in self.owners

    def narrow(self, owner: str | None) -> frozenset[str] | None:
        """The owners a list asking for `owner` (None: anyone) may show; None: no limit.

        Asking for an owner outside the scope gives the empty set: an empty list, not an error.
        """
        if self.owners is None:
            return None if owner is None else frozenset({owner})
        return self.owners if owner is None else self.owners & {owner}


class PeopleDirectory:
    """The `people` collection: the newest `person.changed` of each person."""

    def __init__(self, db: AsyncDatabase[Any]) -> None:
        self.collection: AsyncCollection[Any] = db[PEOPLE_COLLECTION]

    async def apply(self, event: PersonChangedV1) -> None:
        """Keep the event unless a newer one of the same person is stored (idempotent)."""
        fields = event.model_dump(exclude={"person_id"})
        if event.absent_until is not None:  # BSON has no date without a time
            fields["absent_until"] = event.absent_until.isoformat()
        if event.max_discount_percent is not None:  # nor a Python Decimal
            fields["max_discount_percent"] = str(event.max_discount_percent)
        # A newer (or this very) version stored makes the filter miss and the insert clash.
        with contextlib.suppress(DuplicateKeyError):
            await self.collection.update_one(
                {"_id": event.person_id, "changed_at": {"$lt": event.changed_at}},
                {"$set": fields},
                upsert=True,
            )

    async def person(self, person_id: str) -> Person | None:
        """One person, or None when the directory has not heard of them."""
        document = await self.collection.find_one({"_id": person_id})
        return None if document is None else _person(document)

    async def team_of(self, person_id: str) -> str | None:
        """The person's team, if the directory knows it."""
        person = await self.person(person_id)
        return None if person is None else person.team

    async def team_lead_of(self, person_id: str) -> str | None:
        """The active lead of the person's team other than the person (the first by id)."""
        person = await self.person(person_id)
        if person is None or person.team is None:
            return None
        query = {"team": person.team, "role": "team_lead", "_id": {"$ne": person_id}}
        cursor = self.collection.find(query, {"_id": 1, "active": 1}).sort("_id", 1)
        leads = [str(d["_id"]) async for d in cursor if d.get("active", True)]
        return leads[0] if leads else None

    async def scope_of(self, caller: Caller | None) -> Scope:
        """Whose records the caller sees."""
        if caller is None or caller.kind == "key" or caller.roles & HEADS:
            return Scope.everything()
        person = await self.person(caller.id)
        if person is None or not person.active:
            return Scope.none()
        if "team_lead" in caller.roles and person.team:
            cursor = self.collection.find({"team": person.team}, {"_id": 1})
            members = frozenset([person.id] + [str(d["_id"]) async for d in cursor])
            return Scope(owners=members, team=person.team)
        return Scope(owners=frozenset({person.id}))


def _person(document: Mapping[str, Any]) -> Person:
    return Person(
        id=str(document["_id"]),
        team=document.get("team"),
        active=bool(document.get("active", True)),
        present=bool(document.get("present", True)),
        deputy_id=document.get("deputy_id"),
    )
