"""MongoDB store of integrators' webhook subscriptions."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from notifications.service_layer.ports import WebhookSubscription


def subscription_from_doc(doc: Mapping[str, Any]) -> WebhookSubscription:
    """The service-layer view of a stored subscription."""
    return WebhookSubscription(
        id=str(doc["_id"]),
        url=doc["url"],
        secret=doc["secret"],
        event_types=frozenset(doc.get("event_types") or ()),
        active=bool(doc.get("active", True)),
    )


class MongoWebhookStore:
    """`webhooks`: few documents, read on every consumed event.

    The secret is stored as given: signing needs it (a hash would not do), so the database is
    the secret's home and the API never returns it.
    """

    def __init__(self, db: AsyncDatabase[Any]) -> None:
        self.collection: AsyncCollection[Any] = db["webhooks"]

    async def get(self, subscription_id: str) -> WebhookSubscription | None:
        """One subscription, or None."""
        doc = await self.collection.find_one({"_id": subscription_id})
        return subscription_from_doc(doc) if doc else None

    async def get_document(self, subscription_id: str) -> dict[str, Any] | None:
        """The stored fields of one subscription (for the API)."""
        doc: dict[str, Any] | None = await self.collection.find_one({"_id": subscription_id})
        return doc

    async def list_documents(self) -> list[dict[str, Any]]:
        """Every subscription, by id."""
        return [doc async for doc in self.collection.find({}).sort("_id", ASCENDING)]

    async def matching(self, event_type: str) -> list[WebhookSubscription]:
        """Active subscriptions that receive `event_type`, by id."""
        cursor = self.collection.find({"active": True}).sort("_id", ASCENDING)
        subscriptions = [subscription_from_doc(doc) async for doc in cursor]
        return [s for s in subscriptions if s.wants(event_type)]

    async def put(self, subscription_id: str, fields: Mapping[str, Any], *, at: datetime) -> None:
        """Create or replace a subscription."""
        await self.collection.update_one(
            {"_id": subscription_id},
            {"$set": {**fields, "updated_at": at}, "$setOnInsert": {"created_at": at}},
            upsert=True,
        )

    async def delete(self, subscription_id: str) -> bool:
        """Remove a subscription; False when unknown."""
        result = await self.collection.delete_one({"_id": subscription_id})
        return result.deleted_count == 1
