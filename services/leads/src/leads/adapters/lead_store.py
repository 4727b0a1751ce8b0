"""MongoDB storage of leads: one document per lead, its activities, history and outbox inside."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from leads.domain.dedupe import LeadStatus
from leads.domain.lifecycle import OPEN_STATUSES
from shared.platform.outbox import ensure_outbox_indexes

LeadDoc = dict[str, Any]

OPEN = [status.value for status in OPEN_STATUSES]
# The list and queue views leave out the parts that grow with the lead's life.
SUMMARY_PROJECTION = {"activities": 0, "history": 0, "_outbox": 0, "_inbox": 0}


class MongoLeadStore:
    """The `leads` collection; every write is one conditional single-document update."""

    def __init__(self, db: AsyncDatabase[Any]) -> None:
        self.collection: AsyncCollection[Any] = db["leads"]

    async def ensure_indexes(self) -> None:
        """Indexes for the SLA watcher, dedupe, alias lookup and the work queues."""
        await ensure_outbox_indexes(self.collection)
        await self.collection.create_index("sla_due_at")
        await self.collection.create_index("aliases")
        await self.collection.create_index("dedupe_keys")
        await self.collection.create_index([("manager_id", ASCENDING), ("status", ASCENDING)])
        await self.collection.create_index([("status", ASCENDING), ("priority.score", DESCENDING)])

    async def get(self, lead_id: str) -> LeadDoc | None:
        """A lead by its id or by the id of a duplicate merged into it."""
        doc: LeadDoc | None = await self.collection.find_one(
            {"$or": [{"_id": lead_id}, {"aliases": lead_id}]}
        )
        return doc

    async def insert(self, doc: Mapping[str, Any]) -> bool:
        """Store a new lead; False when a lead with that id already exists."""
        try:
            await self.collection.insert_one(dict(doc))
        except DuplicateKeyError:
            return False
        return True

    async def update_if(self, match: Mapping[str, Any], update: Mapping[str, Any]) -> bool:
        """Apply `update` only if the lead still matches `match` (optimistic concurrency)."""
        result = await self.collection.update_one(dict(match), dict(update))
        return result.modified_count == 1

    async def open_with_keys(self, keys: Sequence[str]) -> list[LeadDoc]:
        """Open leads sharing any of the dedupe keys."""
        if not keys:
            return []
        cursor = self.collection.find(
            {"dedupe_keys": {"$in": list(keys)}, "status": {"$in": OPEN}}, SUMMARY_PROJECTION
        )
        return [doc async for doc in cursor]

    async def converted_with_keys(self, keys: Sequence[str]) -> LeadDoc | None:
        """The latest converted lead of the same person: they are a client with a manager."""
        if not keys:
            return None
        cursor = (
            self.collection.find(
                {"dedupe_keys": {"$in": list(keys)}, "status": LeadStatus.CONVERTED.value},
                SUMMARY_PROJECTION,
            )
            .sort("converted_at", DESCENDING)
            .limit(1)
        )
        found = [doc async for doc in cursor]
        return found[0] if found else None

    async def due(self, now: datetime, limit: int) -> list[LeadDoc]:
        """Leads whose first-contact deadline has passed, earliest first."""
        cursor = (
            self.collection.find({"sla_due_at": {"$lte": now}}, SUMMARY_PROJECTION)
            .sort("sla_due_at", ASCENDING)
            .limit(limit)
        )
        return [doc async for doc in cursor]

    async def open_counts(self) -> dict[str, int]:
        """Open leads per manager: the load the assigner balances."""
        pipeline: list[dict[str, Any]] = [
            {"$match": {"status": {"$in": OPEN}, "manager_id": {"$ne": None}}},
            {"$group": {"_id": "$manager_id", "n": {"$sum": 1}}},
        ]
        cursor = await self.collection.aggregate(pipeline)
        return {row["_id"]: int(row["n"]) async for row in cursor if row["_id"]}

    async def search(
        self, query: Mapping[str, Any], *, offset: int, limit: int
    ) -> tuple[list[LeadDoc], int]:
        """A page of leads, warmest first, and the total matching."""
        total = await self.collection.count_documents(dict(query))
        cursor = (
            self.collection.find(dict(query), SUMMARY_PROJECTION)
            .sort([("priority.score", DESCENDING), ("received_at", ASCENDING), ("_id", ASCENDING)])
            .skip(offset)
            .limit(limit)
        )
        return [doc async for doc in cursor], total
