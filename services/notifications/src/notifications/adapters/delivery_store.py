"""MongoDB delivery log: one document per delivery, with its history and outbox inside."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from notifications.domain.model import DeliveryStatus
from shared.platform.outbox import ensure_outbox_indexes

PENDING = [DeliveryStatus.QUEUED.value, DeliveryStatus.DEFERRED.value]
# Lists leave out what only the detail view needs and what may carry free text.
SUMMARY_PROJECTION = {"source.payload": 0, "source.headers": 0, "_outbox": 0}


class MongoDeliveryStore:
    """`deliveries` and `settlements`; every write is one conditional single-document update."""

    def __init__(self, db: AsyncDatabase[Any]) -> None:
        self.collection: AsyncCollection[Any] = db["deliveries"]
        self.settlements: AsyncCollection[Any] = db["settlements"]

    async def ensure_indexes(self) -> None:
        """Indexes for the dispatcher's claim, caps, cancellation and the log's filters."""
        await ensure_outbox_indexes(self.collection)
        await self.collection.create_index([("status", ASCENDING), ("next_attempt_at", ASCENDING)])
        await self.collection.create_index(
            [("recipient_id", ASCENDING), ("status", ASCENDING), ("sent_at", ASCENDING)]
        )
        await self.collection.create_index("cancel_keys")
        await self.collection.create_index("source_event_id")
        await self.collection.create_index("source_id")
        await self.collection.create_index([("created_at", DESCENDING)])

    async def insert(self, doc: Mapping[str, Any]) -> bool:
        """Store a new delivery; False when one with that id already exists."""
        try:
            await self.collection.insert_one(dict(doc))
        except DuplicateKeyError:
            return False
        return True

    async def claim_due(
        self, now: datetime, *, owner: str, until: datetime
    ) -> dict[str, Any] | None:
        """Lease the earliest due pending delivery whose lease is free or expired."""
        # No projection: FerretDB v1's findAndModify does not implement `fields`.
        claimed: dict[str, Any] | None = await self.collection.find_one_and_update(
            {
                "status": {"$in": PENDING},
                "next_attempt_at": {"$lte": now},
                "$or": [{"lease_until": None}, {"lease_until": {"$lt": now}}],
            },
            {"$set": {"lease_until": until, "lease_owner": owner}},
            sort=[("next_attempt_at", ASCENDING), ("_id", ASCENDING)],
            return_document=ReturnDocument.AFTER,
        )
        return claimed

    async def update_claimed(
        self,
        delivery_id: str,
        owner: str,
        update: Mapping[str, Any],
        *,
        statuses: Sequence[str] | None = None,
        lease_valid_at: datetime | None = None,
    ) -> bool:
        """Apply `update` only while `owner` holds the lease (optimistic concurrency)."""
        match: dict[str, Any] = {"_id": delivery_id, "lease_owner": owner}
        if statuses is not None:
            match["status"] = {"$in": list(statuses)}
        if lease_valid_at is not None:
            match["lease_until"] = {"$gt": lease_valid_at}
        result = await self.collection.update_one(match, dict(update))
        return result.modified_count == 1

    async def sent_times(self, recipient_id: str, since: datetime) -> list[datetime]:
        """When messages to this recipient were sent since `since`."""
        cursor = self.collection.find(
            {
                "recipient_id": recipient_id,
                "status": DeliveryStatus.SENT.value,
                "sent_at": {"$gt": since},
            },
            {"sent_at": 1},
        )
        return [doc["sent_at"] async for doc in cursor]

    async def cancel_pending(self, keys: Sequence[str], update: Mapping[str, Any]) -> int:
        """Apply `update` to every pending delivery carrying one of `keys` (each atomically)."""
        result = await self.collection.update_many(
            {"cancel_keys": {"$in": list(keys)}, "status": {"$in": PENDING}}, dict(update)
        )
        return result.modified_count

    async def record_settlement(self, key: str, at: datetime) -> None:
        """Remember that what `key` names has been paid (the first payment's time is kept)."""
        await self.settlements.update_one(
            {"_id": key}, {"$setOnInsert": {"paid_at": at}}, upsert=True
        )

    async def settled(self, keys: Sequence[str]) -> bool:
        """Whether any of `keys` has been paid."""
        return await self.settlements.find_one({"_id": {"$in": list(keys)}}) is not None

    async def get(self, delivery_id: str) -> dict[str, Any] | None:
        """One delivery, without its outbox and stored source payload."""
        doc: dict[str, Any] | None = await self.collection.find_one(
            {"_id": delivery_id}, SUMMARY_PROJECTION
        )
        return doc

    async def search(
        self, query: Mapping[str, Any], *, offset: int, limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        """A page of deliveries, newest first, and the total matching."""
        total = await self.collection.count_documents(dict(query))
        cursor = (
            self.collection.find(dict(query), SUMMARY_PROJECTION)
            .sort([("created_at", DESCENDING), ("_id", ASCENDING)])
            .skip(offset)
            .limit(limit)
        )
        return [doc async for doc in cursor], total
