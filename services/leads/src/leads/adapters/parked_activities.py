"""The `parked_activities` collection: external activities waiting for their lead.

One document per activity, `_id` the activity id, so a redelivered activity is the same
document (its insert collides and changes nothing, its wait is not extended). Intake finds the
activities of its leads by `contact_key` (`$in` over a batch's phone keys); the expiry pass
reads `expires_at` ranges. Both are indexed (`adapters/indexes.py`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from leads.domain.lead_records import Activity
from leads.domain.parked import ParkedActivity
from shared.contracts.events.lead_lifecycle import ActivityDirection, ActivityKind

COLLECTION = "parked_activities"


class MongoParkedActivities:
    """`ParkedActivities` over `parked_activities`."""

    def __init__(self, db: AsyncDatabase[Any]) -> None:
        self.collection = db[COLLECTION]

    async def park(self, parked: ParkedActivity) -> bool:
        """Insert the activity's document; False when its id is parked already."""
        try:
            await self.collection.insert_one(parked_document(parked))
        except DuplicateKeyError:
            return False
        return True

    async def waiting(self, keys: Sequence[str]) -> list[ParkedActivity]:
        """The activities parked under any of `keys`."""
        if not keys:
            return []
        cursor = self.collection.find({"contact_key": {"$in": list(keys)}})
        return [parked_activity(document) async for document in cursor]

    async def remove(self, activity_id: str) -> None:
        """Delete the activity's document if it is still there."""
        await self.collection.delete_one({"_id": activity_id})

    async def expired(self, now: datetime, limit: int) -> list[str]:
        """Ids of the activities whose wait ended by `now`, earliest first."""
        cursor = (
            self.collection.find({"expires_at": {"$lte": now}}, {"_id": 1})
            .sort("expires_at", 1)
            .limit(limit)
        )
        return [str(document["_id"]) async for document in cursor]

    async def remove_expired(self, activity_id: str, now: datetime) -> bool:
        """Delete the activity's document if it is there and its wait ended by `now`."""
        result = await self.collection.delete_one({"_id": activity_id, "expires_at": {"$lte": now}})
        return result.deleted_count == 1


def parked_document(parked: ParkedActivity) -> dict[str, Any]:
    """How an activity is parked: its key, the activity's fields and the two times."""
    activity = parked.activity
    return {
        "_id": activity.activity_id,
        "contact_key": parked.key,
        "manager_id": activity.manager_id,
        "kind": activity.kind.value,
        "direction": activity.direction.value,
        "occurred_at": activity.occurred_at,
        "outcome": activity.outcome,
        "duration_seconds": activity.duration_seconds,
        "note": activity.note,
        "parked_at": parked.parked_at,
        "expires_at": parked.expires_at,
    }


def parked_activity(document: Mapping[str, Any]) -> ParkedActivity:
    """The parked activity a stored document describes."""
    return ParkedActivity(
        key=document["contact_key"],
        activity=Activity(
            activity_id=document["_id"],
            manager_id=document["manager_id"],
            kind=ActivityKind(document["kind"]),
            direction=ActivityDirection(document["direction"]),
            occurred_at=document["occurred_at"],
            outcome=document.get("outcome"),
            duration_seconds=document.get("duration_seconds"),
            note=document.get("note"),
        ),
        parked_at=document["parked_at"],
        expires_at=document["expires_at"],
    )
