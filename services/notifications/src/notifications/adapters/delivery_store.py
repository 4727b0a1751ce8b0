"""MongoDB delivery log: one document per delivery, with its history and outbox inside."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from notifications.adapters.delivery_mapper import DeliveryMapper
from notifications.adapters.delivery_messages import delivery_messages
from notifications.domain.delivery import Delivery, DeliveryQuery
from notifications.domain.model import DeliveryStatus
from shared.platform.clock import Clock
from shared.platform.repository import REVISION_FIELD, MongoRepository

PENDING = [DeliveryStatus.QUEUED.value, DeliveryStatus.DEFERRED.value]
_NEWEST_FIRST = [("created_at", DESCENDING), ("_id", ASCENDING)]


class MongoDeliveryRepository(MongoRepository[Delivery]):
    """`deliveries`: inserted once per (source, recipient, channel), then saved by revision."""

    def __init__(
        self, db: AsyncDatabase[Any], *, clock: Clock, consumer_group: str, topic_prefix: str
    ) -> None:
        super().__init__(
            db["deliveries"],
            DeliveryMapper(),
            clock=clock,
            message_of=delivery_messages(consumer_group=consumer_group, topic_prefix=topic_prefix),
        )

    async def claim_due(
        self, now: datetime, *, owner: str, lease_now: datetime, until: datetime
    ) -> Delivery | None:
        """Lease the earliest due pending delivery whose lease is free or expired."""
        # The claim is one find-and-modify, not get -> lease -> save: it must pick among every
        # due delivery and take it atomically, which only a conditional write over the index
        # does. It bumps the revision like a save, so any later write made by whoever held the
        # delivery before (or a payment cancelling it) is refused and loads it afresh.
        # No projection: FerretDB v1's findAndModify does not implement `fields`.
        claimed = await self.collection.find_one_and_update(
            {
                "status": {"$in": PENDING},
                "next_attempt_at": {"$lte": now},
                "$or": [{"lease_until": None}, {"lease_until": {"$lt": lease_now}}],
            },
            {"$set": {"lease_until": until, "lease_owner": owner}, "$inc": {REVISION_FIELD: 1}},
            sort=[("next_attempt_at", ASCENDING), ("_id", ASCENDING)],
            return_document=ReturnDocument.AFTER,
        )
        return None if claimed is None else self._load(claimed)

    async def sent_times(self, recipient_id: str, since: datetime) -> list[datetime]:
        """When messages to this recipient were sent since `since` (any channel)."""
        cursor = self.collection.find(
            {
                "recipient_id": recipient_id,
                "status": DeliveryStatus.SENT.value,
                "sent_at": {"$gt": since},
            },
            {"sent_at": 1},
        )
        return [doc["sent_at"] async for doc in cursor]

    async def pending_with_keys(self, keys: Sequence[str]) -> list[Delivery]:
        """Queued or deferred deliveries carrying any of the cancellation `keys`."""
        return await self.find({"cancel_keys": {"$in": list(keys)}, "status": {"$in": PENDING}})

    async def search(
        self, query: DeliveryQuery, *, offset: int, limit: int
    ) -> tuple[list[Delivery], int]:
        """A page of deliveries, newest first, and the total matching.

        Filters are plain values: nothing from a request becomes a query operator.
        """
        match: dict[str, Any] = {}
        if query.recipient_id is not None:
            match["recipient_id"] = query.recipient_id
        if query.status is not None:
            match["status"] = query.status.value
        if query.source_id is not None:
            match["$or"] = [{"source_event_id": query.source_id}, {"source_id": query.source_id}]
        total = await self.collection.count_documents(match)
        # The outbox is left out: the log never shows it.
        cursor = (
            self.collection.find(match, {"_outbox": 0})
            .sort(_NEWEST_FIRST)
            .skip(offset)
            .limit(limit)
        )
        return [self._load(doc) async for doc in cursor], total


class MongoSettlementStore:
    """`settlements`: what was paid (or, for a task, closed), so a reminder arriving after
    its payment (an overdue message after its task's closing) is cancelled."""

    def __init__(self, db: AsyncDatabase[Any]) -> None:
        self.collection = db["settlements"]

    async def record_settlement(self, key: str, at: datetime) -> None:
        """Remember that what `key` names has been settled (the first time is kept; the field
        is `paid_at` for a task's closing too, as documents already stored have it)."""
        await self.collection.update_one(
            {"_id": key}, {"$setOnInsert": {"paid_at": at}}, upsert=True
        )

    async def settled(self, keys: Sequence[str]) -> bool:
        """Whether any of `keys` has been settled."""
        return await self.collection.find_one({"_id": {"$in": list(keys)}}) is not None
