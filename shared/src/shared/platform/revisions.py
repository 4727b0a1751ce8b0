"""Optimistic concurrency on one document: read, decide, write only if nobody wrote meanwhile.

Superseded by `shared.platform.repository` (ADR 0015); deleted once no service imports it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection

REVISION_FIELD = "rev"

Decide = Callable[[dict[str, Any]], Awaitable[Mapping[str, Any] | None]]


class ConcurrentModification(Exception):
    """The document kept changing under a command; the caller may retry later."""


async def modify(
    collection: AsyncCollection[Any],
    query: Mapping[str, Any],
    decide: Decide,
    *,
    attempts: int = 5,
) -> dict[str, Any] | None:
    """Apply the update `decide` returns for the current document, or nothing if it returns None.

    The write matches the revision it read and increments it, so a concurrent writer makes
    this one re-read and decide again instead of overwriting (FerretDB v1 has no
    multi-document transactions; a single document is the unit of atomicity). Returns the
    document after the write, the unchanged document for a no-op, or None if none matched.
    """
    for _ in range(attempts):
        doc: dict[str, Any] | None = await collection.find_one(dict(query))
        if doc is None:
            return None
        update = await decide(doc)
        if update is None:
            return doc
        merged: dict[str, Any] = {op: dict(body) for op, body in update.items()}
        merged.setdefault("$inc", {})[REVISION_FIELD] = 1
        revision = doc.get(REVISION_FIELD)
        match = {
            "_id": doc["_id"],
            REVISION_FIELD: revision if revision is not None else {"$exists": False},
        }
        written: dict[str, Any] | None = await collection.find_one_and_update(
            match, merged, return_document=ReturnDocument.AFTER
        )
        if written is not None:
            return written
    raise ConcurrentModification(str(query.get("_id", "document")))
