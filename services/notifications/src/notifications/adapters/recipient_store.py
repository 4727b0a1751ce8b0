"""MongoDB recipient directory: preferences, addresses and consent, one document per recipient."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from notifications.domain.model import Channel, Locale, Recipient, RecipientKind
from notifications.service_layer.ports import RecipientProfile

FIELDS = (
    "kind",
    "name",
    "locale",
    "time_zone",
    "email",
    "phone",
    "messenger_chat_id",
    "opted_out",
    "preferred_channels",
)
# The contact lease lives in the recipient's own document, so a PUT (which $sets FIELDS
# only) never drops it.
LEASE = "_contact_lease"
OWNER = "_contact_owner"


def profile_from_doc(doc: Mapping[str, Any]) -> RecipientProfile:
    """Build the service-layer view of a stored recipient."""
    return RecipientProfile(
        recipient=Recipient(
            id=str(doc["_id"]),
            kind=RecipientKind(doc["kind"]),
            locale=Locale(doc.get("locale") or Locale.RU.value),
            time_zone=doc.get("time_zone") or "Europe/Moscow",
            email=doc.get("email"),
            phone=doc.get("phone"),
            messenger_chat_id=doc.get("messenger_chat_id"),
        ),
        name=doc.get("name") or "",
        opted_out=frozenset(Channel(c) for c in doc.get("opted_out") or ()),
        preferred=tuple(Channel(c) for c in doc.get("preferred_channels") or ()),
    )


class MongoRecipientDirectory:
    """`recipients`: read on every trigger and every send, written through the API."""

    def __init__(self, db: AsyncDatabase[Any]) -> None:
        self.collection: AsyncCollection[Any] = db["recipients"]

    async def ensure_indexes(self) -> None:
        """The head-of-sales lookup filters by kind."""
        await self.collection.create_index("kind")

    async def get(self, recipient_id: str) -> RecipientProfile | None:
        """One recipient, or None when unknown."""
        doc = await self.collection.find_one({"_id": recipient_id})
        return profile_from_doc(doc) if doc else None

    async def get_document(self, recipient_id: str) -> dict[str, Any] | None:
        """The stored fields of one recipient (for the API)."""
        doc: dict[str, Any] | None = await self.collection.find_one(
            {"_id": recipient_id}, {LEASE: 0, OWNER: 0}
        )
        return doc

    async def put(self, recipient_id: str, fields: Mapping[str, Any]) -> None:
        """Create or replace the recipient's preferences (the contact lease is kept)."""
        values = {name: fields.get(name) for name in FIELDS}
        await self.collection.update_one({"_id": recipient_id}, {"$set": values}, upsert=True)

    async def delete(self, recipient_id: str) -> bool:
        """Erase a recipient and their addresses; False when unknown."""
        result = await self.collection.delete_one({"_id": recipient_id})
        return result.deleted_count == 1

    async def heads_of_sales(self) -> list[RecipientProfile]:
        """Every head of sales, by id."""
        cursor = self.collection.find({"kind": RecipientKind.HEAD_OF_SALES.value}).sort(
            "_id", ASCENDING
        )
        return [profile_from_doc(doc) async for doc in cursor]

    async def lock(self, recipient_id: str, owner: str, *, now: datetime, until: datetime) -> bool:
        """Take the contact lease; False when another owner holds it or the recipient is gone."""
        doc = await self.collection.find_one_and_update(
            {"_id": recipient_id, "$or": [{LEASE: None}, {LEASE: {"$lt": now}}]},
            {"$set": {LEASE: until, OWNER: owner}},
        )
        return doc is not None

    async def unlock(self, recipient_id: str, owner: str) -> None:
        """Give the lease back if `owner` still holds it."""
        await self.collection.update_one(
            {"_id": recipient_id, OWNER: owner}, {"$unset": {LEASE: "", OWNER: ""}}
        )
