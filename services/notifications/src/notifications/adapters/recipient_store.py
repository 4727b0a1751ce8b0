"""MongoDB recipient directory: preferences, addresses and consent, one document per recipient."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from notifications.domain.model import (
    Channel,
    Locale,
    RecipientKind,
    RecipientProfile,
    RecipientSettings,
)
from shared.contracts.events.person import PersonChangedV1
from shared.platform.audit import delete_audited, update_audited

# The contact lease lives in the recipient's own document, so a PUT (which $sets the
# settings only) never drops it.
LEASE = "_contact_lease"
OWNER = "_contact_owner"
PERSON_VERSION = "_person_changed_at"
"""The `changed_at` of the directory's version of a person applied to this recipient."""


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

    async def follow(self, person: PersonChangedV1) -> None:
        """Keep a person of the sales department as the directory (`person.changed`) has them.

        Kind, name and time zone come from the directory; so do the addresses it holds (an
        address set here through the API stays until the directory names one). Consent and
        preferences stay as set here. Someone who left keeps no address. Older versions than
        the one applied change nothing.
        """
        kind = (
            RecipientKind.HEAD_OF_SALES if person.role == "head_of_sales" else RecipientKind.MANAGER
        )
        fields: dict[str, Any] = {
            "kind": kind.value,
            "name": person.name,
            "time_zone": person.time_zone,
            PERSON_VERSION: person.changed_at,
        }
        addresses = {"email": person.email, "messenger_chat_id": person.messenger_chat_id}
        if not person.active:
            fields.update({"email": None, "phone": None, "messenger_chat_id": None})
        else:
            fields.update({name: value for name, value in addresses.items() if value is not None})
        older = {"$or": [{PERSON_VERSION: {"$lt": person.changed_at}}, {PERSON_VERSION: None}]}
        with contextlib.suppress(DuplicateKeyError):  # a newer version is stored
            await self.collection.update_one(
                {"_id": person.person_id, **older},
                {"$set": fields, "$setOnInsert": {"locale": Locale.RU.value}},
                upsert=True,
            )

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
