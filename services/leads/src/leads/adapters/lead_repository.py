"""The `leads` collection as a repository of lead aggregates, with the service's indexed queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from leads.adapters.lead_mapper import LeadMapper
from leads.domain.dedupe import LeadStatus
from leads.domain.ids import SOURCE
from leads.domain.lead import Lead
from leads.domain.lead_filter import LeadFilter
from leads.domain.lifecycle import AWAITING_CONTACT, OPEN_STATUSES
from shared.platform.clock import Clock
from shared.platform.outbox import ensure_outbox_indexes
from shared.platform.repository import MongoRepository, message_on_own_topic

OPEN = sorted(status.value for status in OPEN_STATUSES)
AWAITING = sorted(status.value for status in AWAITING_CONTACT)
# Lists read leads only: the relay's outbox stays in the database.
LIST_PROJECTION = {"_outbox": 0}
WARMEST_FIRST = [("priority.score", DESCENDING), ("received_at", ASCENDING), ("_id", ASCENDING)]


class MongoLeadRepository(MongoRepository[Lead]):
    """Leads by id, by merged alias, by dedupe key, by deadline and by list filters."""

    def __init__(self, db: AsyncDatabase[Any], *, clock: Clock) -> None:
        super().__init__(
            db["leads"], LeadMapper(), clock=clock, message_of=message_on_own_topic(SOURCE)
        )

    async def ensure_indexes(self) -> None:
        """Indexes for the SLA watcher, dedupe, alias lookup and the work queues."""
        await ensure_outbox_indexes(self.collection)
        await self.collection.create_index("sla_due_at")
        await self.collection.create_index("aliases")
        await self.collection.create_index("dedupe_keys")
        await self.collection.create_index([("manager_id", ASCENDING), ("status", ASCENDING)])
        await self.collection.create_index([("status", ASCENDING), ("priority.score", DESCENDING)])

    async def by_id_or_alias(self, lead_id: str) -> Lead | None:
        """A lead by its id or by the id of a duplicate merged into it."""
        found = await self.find({"$or": [{"_id": lead_id}, {"aliases": lead_id}]}, limit=1)
        return found[0] if found else None

    async def open_with_keys(self, keys: Sequence[str]) -> list[Lead]:
        """Open leads sharing any of the dedupe keys."""
        if not keys:
            return []
        return await self.find({"dedupe_keys": {"$in": list(keys)}, "status": {"$in": OPEN}})

    async def converted_with_keys(self, keys: Sequence[str]) -> Lead | None:
        """The latest converted lead of the same person: they are a client with a manager."""
        if not keys:
            return None
        found = await self.find(
            {"dedupe_keys": {"$in": list(keys)}, "status": LeadStatus.CONVERTED.value},
            sort=[("converted_at", DESCENDING)],
            limit=1,
        )
        return found[0] if found else None

    async def due(self, now: datetime, limit: int) -> list[Lead]:
        """Uncontacted leads whose first-contact timer fired by `now`, earliest first."""
        return await self.find(
            {"sla_due_at": {"$lte": now}, "status": {"$in": AWAITING}},
            sort=[("sla_due_at", ASCENDING)],
            limit=limit,
        )

    async def open_counts(self) -> dict[str, int]:
        """Open leads per manager: the load the assigner balances."""
        pipeline: list[dict[str, Any]] = [
            {"$match": {"status": {"$in": OPEN}, "manager_id": {"$ne": None}}},
            {"$group": {"_id": "$manager_id", "n": {"$sum": 1}}},
        ]
        cursor = await self.collection.aggregate(pipeline)
        return {row["_id"]: int(row["n"]) async for row in cursor if row["_id"]}

    async def search(
        self, wanted: LeadFilter, *, offset: int, limit: int
    ) -> tuple[list[Lead], int]:
        """A page of the leads passing the filter, warmest first, and how many pass it."""
        query = filter_query(wanted)
        total = await self.collection.count_documents(query)
        cursor = (
            self.collection.find(query, LIST_PROJECTION)
            .sort(WARMEST_FIRST)
            .skip(offset)
            .limit(limit)
        )
        return [self._load(document) async for document in cursor], total


def filter_query(wanted: LeadFilter) -> dict[str, Any]:
    """The MongoDB query of a lead filter."""
    query: dict[str, Any] = {}
    if wanted.statuses is not None:
        query["status"] = {"$in": sorted(status.value for status in wanted.statuses)}
    if wanted.manager_id is not None:
        query["manager_id"] = wanted.manager_id
    if wanted.team is not None:
        query["team"] = wanted.team
    if wanted.channel is not None:
        query["channel"] = wanted.channel
    if wanted.min_priority is not None:
        query["priority.score"] = {"$gte": wanted.min_priority}
    if wanted.deadline_before is not None:
        query["sla_deadline"] = {"$lt": wanted.deadline_before}
    return query
