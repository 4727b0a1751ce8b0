"""Calls and mail by a phone or e-mail no client holds yet, kept until a client does."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError


class MongoActivityPark:
    """One document per parked activity: the event as sent, its contact keys, its expiry."""

    def __init__(self, collection: AsyncCollection[Any]) -> None:
        self.collection = collection

    async def park(
        self, activity_id: str, event: dict[str, Any], keys: list[str], *, until: datetime
    ) -> None:
        """Keep an activity until `until`; parking it again (a redelivery) changes nothing."""
        with contextlib.suppress(DuplicateKeyError):
            await self.collection.insert_one(
                {"_id": activity_id, "event": event, "keys": keys, "expires_at": until}
            )

    async def claim(self, keys: list[str]) -> list[dict[str, Any]]:
        """Take the activities parked under any of these keys (each handed out once)."""
        if not keys:
            return []
        found = [doc async for doc in self.collection.find({"keys": {"$in": keys}})]
        claimed = []
        for doc in found:
            if (await self.collection.delete_one({"_id": doc["_id"]})).deleted_count:
                claimed.append(doc["event"])
        return claimed

    async def expire(self, now: datetime) -> list[str]:
        """Drop what waited too long; the ids dropped."""
        cursor = self.collection.find({"expires_at": {"$lte": now}}, {"_id": 1})
        gone = [str(doc["_id"]) async for doc in cursor]
        if gone:
            await self.collection.delete_many({"_id": {"$in": gone}})
        return gone
