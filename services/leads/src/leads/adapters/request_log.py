"""Idempotency-Key records of the HTTP intake: a retry gets the first answer, a reuse is refused."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError


class MongoRequestLog:
    """`intake_requests`: one document per (source, Idempotency-Key)."""

    def __init__(self, db: AsyncDatabase[Any]) -> None:
        self.collection = db["intake_requests"]

    async def remember(self, key: str, *, body_hash: str, lead_id: str, at: datetime) -> str | None:
        """Record the first use of a key; if it was used before, return that use's body hash."""
        try:
            await self.collection.insert_one(
                {"_id": key, "body_hash": body_hash, "lead_id": lead_id, "at": at}
            )
        except DuplicateKeyError:
            earlier = await self.collection.find_one({"_id": key})
            return None if earlier is None else str(earlier["body_hash"])
        return None
