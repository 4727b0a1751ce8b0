"""Idempotent consumption: apply an event's effect at most once, even when it is redelivered."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

INBOX_FIELD = "_inbox"
DEFAULT_REMEMBERED = 1000


async def apply_once(
    collection: AsyncCollection[Any],
    document_id: Any,
    event_id: str,
    update: Mapping[str, Any],
    *,
    upsert: bool = True,
    remembered: int = DEFAULT_REMEMBERED,
) -> bool:
    """Apply `update` to one document unless that document already reflects `event_id`.

    The event id is recorded in the same single-document write as the effect, so no crash can
    separate them (FerretDB v1 has no multi-document transactions). Returns False for a
    duplicate. The document remembers its last `remembered` event ids, which bounds its size;
    a redelivery older than that many later events on the same document would apply again.
    """
    merged: dict[str, Any] = {op: dict(body) for op, body in update.items()}
    merged.setdefault("$push", {})[INBOX_FIELD] = {"$each": [event_id], "$slice": -remembered}
    try:
        result = await collection.update_one(
            {"_id": document_id, INBOX_FIELD: {"$ne": event_id}}, merged, upsert=upsert
        )
    except DuplicateKeyError:
        # The upsert found no document without this event id and tried to insert one whose
        # _id exists: the existing document has already applied the event.
        return False
    applied = result.modified_count == 1 or result.upserted_id is not None
    if applied:
        # FerretDB v1 accepts `$slice` but ignores it: trim the oldest id explicitly when the
        # window overflowed (on MongoDB, `$slice` already did and this matches nothing).
        await collection.update_one(
            {"_id": document_id, f"{INBOX_FIELD}.{remembered}": {"$exists": True}},
            {"$pop": {INBOX_FIELD: -1}},
        )
    return applied


class Inbox:
    """A log of processed event ids per consumer, for effects that live outside one document.

    Use it when the effect is itself idempotent (an upsert by a deterministic id, a call that
    carries an idempotency key): check `seen`, do the effect, then `record`. A crash between
    the effect and `record` repeats the idempotent effect, which is harmless.
    """

    def __init__(self, collection: AsyncCollection[Any], *, consumer: str) -> None:
        self._collection = collection
        self._consumer = consumer

    def _key(self, event_id: str) -> str:
        return f"{self._consumer}:{event_id}"

    async def seen(self, event_id: str) -> bool:
        """Tell whether this consumer already finished processing the event."""
        return await self._collection.find_one({"_id": self._key(event_id)}, {"_id": 1}) is not None

    async def record(self, event_id: str) -> bool:
        """Record the event as processed; False if it already was."""
        try:
            await self._collection.insert_one(
                {"_id": self._key(event_id), "consumer": self._consumer}
            )
        except DuplicateKeyError:
            return False
        return True
