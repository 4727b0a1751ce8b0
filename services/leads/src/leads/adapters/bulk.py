"""Bulk writes in commands of at most `CHUNK` statements.

FerretDB v1 (the local server) stops an `update` command at its first failing statement whether
ordered or not, reports that failure as index 0 and leaves out `nModified`, which PyMongo's
`bulk_write` needs. So updates go as plain ordered `update` commands, and a failed one tells
only that some of its statements may not have run: callers repeat idempotent writes one by one
or read back what they need to know. Unordered inserts report their failures exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, OperationFailure

from shared.platform.mongo import duplicate_indexes

CHUNK = 50
"""FerretDB holds one SQLite connection per update statement until the command ends (pool 100)."""
DUPLICATE_KEY = 11000
Update = tuple[Mapping[str, Any], Mapping[str, Any]]
"""A filter and an update document; every statement here upserts."""


async def upsert_all(collection: AsyncCollection[Any], updates: Sequence[Update]) -> bool:
    """Run every upsert, in order; False if some were refused by a duplicate key (and stopped)."""
    applied = True
    for start in range(0, len(updates), CHUNK):
        statements = [
            {"q": query, "u": update, "upsert": True}
            for query, update in updates[start : start + CHUNK]
        ]
        reply = await collection.database.command(
            {"update": collection.name, "updates": statements, "ordered": True}
        )
        errors: list[Mapping[str, Any]] = reply.get("writeErrors") or []
        if any(error.get("code") != DUPLICATE_KEY for error in errors):
            raise OperationFailure(str(errors[0].get("errmsg")), errors[0].get("code"))
        applied = applied and not errors
    return applied


async def insert_all(
    collection: AsyncCollection[Any], documents: Sequence[Mapping[str, Any]]
) -> set[int]:
    """Insert every document (unordered); the indexes of those whose `_id` was taken."""
    taken: set[int] = set()
    for start in range(0, len(documents), CHUNK):
        try:
            await collection.insert_many(list(documents[start : start + CHUNK]), ordered=False)
        except BulkWriteError as exc:
            duplicates = duplicate_indexes(exc)  # raises on any other failure or write concern
            if not duplicates:
                raise
            taken.update(start + index for index in duplicates)
    return taken
