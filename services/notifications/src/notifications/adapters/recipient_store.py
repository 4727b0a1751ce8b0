"""MongoDB recipient directory: preferences, addresses and consent, one document per recipient."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from notifications.domain.model import (
    Channel,
    Locale,
    RecipientKind,
    RecipientProfile,
    RecipientSettings,
)
from shared.platform.audit import delete_audited, update_audited

# The contact lease lives in the recipient's own document, so a PUT (which $sets the
# settings only) never drops it.
LEASE = "_contact_lease"
OWNER = "_contact_owner"


def settings_from_doc(doc: Mapping[str, Any]) -> RecipientSettings:
    """The settings a stored recipient holds."""
    return RecipientSettings(
        kind=RecipientKind(doc["kind"]),
        name=doc.get("name"),
        locale=Locale(doc.get("locale") or Locale.RU.value),
        time_zone=doc.get("time_zone") or "Europe/Moscow",
        email=doc.get("email"),
        phone=doc.get("phone"),
        messenger_chat_id=doc.get("messenger_chat_id"),
        opted_out=tuple(Channel(c) for c in doc.get("opted_out") or ()),
        preferred_channels=tuple(Channel(c) for c in doc.get("preferred_channels") or ()),
    )


def settings_fields(settings: RecipientSettings) -> dict[str, Any]:
    """The stored fields of a recipient's settings."""
    return {
        "kind": settings.kind.value,
        "name": settings.name,
        "locale": settings.locale.value,
        "time_zone": settings.time_zone,
        "email": settings.email,
        "phone": settings.phone,
        "messenger_chat_id": settings.messenger_chat_id,
        "opted_out": [c.value for c in settings.opted_out],
        "preferred_channels": [c.value for c in settings.preferred_channels],
    }


class MongoRecipientDirectory:
    """`recipients`: read on every trigger and every send, written through the API."""

    def __init__(self, db: AsyncDatabase[Any]) -> None:
        self.collection: AsyncCollection[Any] = db["recipients"]

    async def get(self, recipient_id: str) -> RecipientProfile | None:
        """One recipient, or None when unknown."""
        settings = await self.settings(recipient_id)
        return settings.profile(recipient_id) if settings else None

    async def settings(self, recipient_id: str) -> RecipientSettings | None:
        """One recipient's settings as they were set, or None when unknown."""
        doc = await self.collection.find_one({"_id": recipient_id}, {LEASE: 0, OWNER: 0})
        return settings_from_doc(doc) if doc else None

    async def put(self, recipient_id: str, settings: RecipientSettings) -> None:
        """Create or replace the recipient's settings (the contact lease is kept)."""
        await update_audited(
            self.collection, recipient_id, {"$set": settings_fields(settings)}, upsert=True
        )

    async def delete(self, recipient_id: str) -> bool:
        """Erase a recipient and their addresses; False when unknown."""
        return await delete_audited(self.collection, recipient_id)

    async def heads_of_sales(self) -> list[RecipientProfile]:
        """Every head of sales, by id."""
        cursor = self.collection.find({"kind": RecipientKind.HEAD_OF_SALES.value}).sort(
            "_id", ASCENDING
        )
        return [settings_from_doc(doc).profile(str(doc["_id"])) async for doc in cursor]

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
