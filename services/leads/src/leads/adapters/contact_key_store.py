"""The `contact_keys` collection: `_id` is a dedupe key, `owner` its open lead, `client` the
latest lead converted under it.

Claims are compare-and-set writes on `owner` with upsert: when the key moved since it was read,
the filter matches nothing and the upsert's insert hits the existing `_id` (DuplicateKeyError),
which is the lost race.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from leads.adapters.bulk import upsert_all
from leads.domain.contact_keys import ClientRef, ContactKey, KeyClaim

COLLECTION = "contact_keys"


class MongoContactKeys:
    """`ContactKeys` over `contact_keys`."""

    def __init__(self, db: AsyncDatabase[Any]) -> None:
        self.collection = db[COLLECTION]

    async def read(self, keys: Sequence[str]) -> list[ContactKey]:
        """The stored keys among `keys`."""
        if not keys:
            return []
        cursor = self.collection.find({"_id": {"$in": list(keys)}})
        return [contact_key(document) async for document in cursor]

    async def claim(self, key: str, lead_id: str, *, expected: str | None, at: datetime) -> bool:
        """Point the key to `lead_id` if its owner is still `expected` (None: absent)."""
        try:
            await self.collection.update_one(
                {"_id": key, "owner": expected},
                {"$set": {"owner": lead_id, "claimed_at": at}},
                upsert=True,
            )
        except DuplicateKeyError:
            return False
        return True

    async def claim_many(self, claims: Sequence[KeyClaim], *, at: datetime) -> list[bool]:
        """Each claim as `claim` would make it, in as few commands as the chunking allows."""
        updates = [
            (
                {"_id": claim.key, "owner": claim.expected},
                {"$set": {"owner": claim.lead_id, "claimed_at": at}},
            )
            for claim in claims
        ]
        if await upsert_all(self.collection, updates):
            return [True] * len(claims)
        # Some claim lost, and which statements ran is unknown: a key is ours if it points to us.
        owners = {key.key: key.owner for key in await self.read([c.key for c in claims])}
        return [owners.get(claim.key) == claim.lead_id for claim in claims]

    async def release(self, key: str, lead_id: str) -> None:
        """Free the key if `lead_id` still owns it."""
        await self.collection.update_one(
            {"_id": key, "owner": lead_id}, {"$set": {"owner": None, "claimed_at": None}}
        )

    async def record_client(self, key: str, client: ClientRef) -> None:
        """Set the key's client unless one converted later is recorded."""
        # A later conversion recorded already: the filter misses, the upsert's insert collides.
        with contextlib.suppress(DuplicateKeyError):
            await self.collection.update_one(
                {"_id": key, "client.converted_at": {"$not": {"$gt": client.converted_at}}},
                {"$set": {"client": client_document(client)}},
                upsert=True,
            )


def client_document(client: ClientRef) -> dict[str, Any]:
    """How a key stores its client."""
    return {
        "lead_id": client.lead_id,
        "manager_id": client.manager_id,
        "converted_at": client.converted_at,
    }


def contact_key(document: Mapping[str, Any]) -> ContactKey:
    """The contact key a stored document describes."""
    client = document.get("client")
    return ContactKey(
        key=document["_id"],
        owner=document.get("owner"),
        claimed_at=document.get("claimed_at"),
        client=ClientRef(client["lead_id"], client.get("manager_id"), client["converted_at"])
        if client
        else None,
    )
