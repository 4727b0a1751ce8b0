"""MongoDB store of integrators' webhook subscriptions."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from notifications.domain.webhooks import WebhookSubscription
from shared.platform.audit import delete_audited, update_audited


def subscription_from_doc(doc: Mapping[str, Any]) -> WebhookSubscription:
    """The subscription a stored document describes."""
    return WebhookSubscription(
        id=str(doc["_id"]),
        url=doc["url"],
        secret=doc["secret"],
        event_types=tuple(doc.get("event_types") or ()),
        active=bool(doc.get("active", True)),
        created_at=doc.get("created_at"),
        updated_at=doc.get("updated_at"),
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

    async def all(self) -> list[WebhookSubscription]:
        """Every subscription, by id."""
        cursor = self.collection.find({}).sort("_id", ASCENDING)
        return [subscription_from_doc(doc) async for doc in cursor]

    async def matching(self, event_type: str) -> list[WebhookSubscription]:
        """Active subscriptions that receive `event_type`, by id."""
        cursor = self.collection.find({"active": True}).sort("_id", ASCENDING)
        subscriptions = [subscription_from_doc(doc) async for doc in cursor]
        return [s for s in subscriptions if s.wants(event_type)]

    async def put(self, subscription: WebhookSubscription, *, at: datetime) -> None:
        """Create or replace a subscription; `at` becomes its update (and first creation) time."""
        fields = {
            "url": subscription.url,
            "secret": subscription.secret,
            "event_types": list(subscription.event_types),
            "active": subscription.active,
        }
        await update_audited(
            self.collection,
            subscription.id,
            {"$set": {**fields, "updated_at": at}, "$setOnInsert": {"created_at": at}},
            upsert=True,
        )

    async def delete(self, subscription_id: str) -> bool:
        """Remove a subscription; False when unknown."""
        return await delete_audited(self.collection, subscription_id)
