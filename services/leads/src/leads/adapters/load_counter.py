"""Manager loads: `manager_load_sets` holds each manager's open lead ids, `manager_load` counts.

A manager's ids are spread over `BUCKETS` set documents (`_id` `"<manager>/<bucket>"`, the bucket
a hash of the lead id), so a change rewrites a sixteenth of the manager's open leads, not all.
The sets are the truth. A lead id is added with `$push` only where absent and removed only where
present, each with `$inc` of the set's version `v`, so repeating a change changes nothing. The
manager's count document copies each bucket's size for the version it was taken at, and only
ever moves a bucket to a later version, so concurrent writers cannot leave an older size behind.
Assignment reads the small count documents by `_id`; a crash between the two writes leaves a
bucket one version behind until its next change or reconciliation (`counted`).
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from leads.adapters.bulk import upsert_all

COUNTS = "manager_load"
SETS = "manager_load_sets"
BUCKETS = 16
PAGE = 500


def set_id(manager_id: str, lead_id: str) -> str:
    """The set document that holds this lead if it counts for this manager."""
    return f"{manager_id}/b{zlib.crc32(lead_id.encode()) % BUCKETS:02d}"


def bucket_ids(manager_id: str) -> list[str]:
    """Every set document of the manager."""
    return [f"{manager_id}/b{bucket:02d}" for bucket in range(BUCKETS)]


class MongoLoadCounter:
    """`LoadCounter` over `manager_load_sets` and `manager_load`."""

    def __init__(self, db: AsyncDatabase[Any]) -> None:
        self.counts = db[COUNTS]
        self.sets = db[SETS]

    async def count(self, manager_id: str, lead_id: str) -> None:
        """Include the lead in the manager's load (creating its documents on first use)."""
        absent = {"_id": set_id(manager_id, lead_id), "leads": {"$ne": lead_id}}
        update = {"$push": {"leads": lead_id}, "$inc": {"v": 1}}
        try:
            changed = await self.sets.find_one_and_update(
                absent, update, upsert=True, return_document=ReturnDocument.AFTER
            )
        except DuplicateKeyError:
            # The set exists: it holds the lead already, or a concurrent first count made it.
            changed = await self.sets.find_one_and_update(
                absent, update, return_document=ReturnDocument.AFTER
            )
        if changed is not None:
            await self._copy_size(changed)

    async def count_many(self, counts: Sequence[tuple[str, str]]) -> None:
        """Include each (manager, lead): one command for the sets, one read, one for the counts."""
        by_set: dict[str, list[str]] = {}
        for manager_id, lead_id in counts:
            by_set.setdefault(set_id(manager_id, lead_id), []).append(lead_id)
        # `$addToSet` keeps the change idempotent; it bumps `v` even when nothing was added,
        # which only makes the copy below a little more eager.
        additions = [
            ({"_id": bucket}, {"$addToSet": {"leads": {"$each": ids}}, "$inc": {"v": 1}})
            for bucket, ids in by_set.items()
        ]
        if not await upsert_all(self.sets, additions):
            # A concurrent first count created a set meanwhile: repeat each, as `count` does.
            for query, update in additions:
                try:
                    await self.sets.update_one(query, update, upsert=True)
                except DuplicateKeyError:
                    await self.sets.update_one(query, update)
        by_manager: dict[str, list[Mapping[str, Any]]] = {}
        async for document in self.sets.find({"_id": {"$in": list(by_set)}}):
            by_manager.setdefault(manager_of(document), []).append(document)
        # One write per manager for all its buckets. Where one of them holds a later version
        # already, that write is refused: every bucket is then copied on its own.
        if not await upsert_all(self.counts, [size_copy(sets) for sets in by_manager.values()]):
            for sets in by_manager.values():
                for stored in sets:
                    await self._copy_size(stored)

    async def uncount(self, manager_id: str, lead_id: str) -> None:
        """Drop the lead from the manager's load if it is there."""
        changed = await self.sets.find_one_and_update(
            {"_id": set_id(manager_id, lead_id), "leads": lead_id},
            {"$pull": {"leads": lead_id}, "$inc": {"v": 1}},
            return_document=ReturnDocument.AFTER,
        )
        if changed is not None:
            await self._copy_size(changed)

    async def loads(self, manager_ids: Sequence[str]) -> dict[str, int]:
        """The counted size of each named manager's sets."""
        if not manager_ids:
            return {}
        cursor = self.counts.find({"_id": {"$in": list(manager_ids)}}, {"n": 1})
        return {
            document["_id"]: sum(int(n) for n in (document.get("n") or {}).values())
            async for document in cursor
        }

    async def counted(self, manager_id: str) -> set[str]:
        """The lead ids in the manager's sets; brings its counts up to date on the way."""
        found: set[str] = set()
        for bucket in bucket_ids(manager_id):
            document = await self.sets.find_one({"_id": bucket})
            if document is not None:
                await self._copy_size(document)
                found.update(document.get("leads") or [])
        return found

    async def managers(self) -> list[str]:
        """Every manager with a set, by `_id` ranges a page at a time."""
        found: dict[str, None] = {}
        query: dict[str, Any] = {}
        while True:
            cursor = self.sets.find(query, {"_id": 1}).sort("_id", 1).limit(PAGE)
            page = [document["_id"] async for document in cursor]
            found.update((bucket.rsplit("/", 1)[0], None) for bucket in page)
            if len(page) < PAGE:
                return list(found)
            query = {"_id": {"$gt": page[-1]}}

    async def _copy_size(self, stored: Mapping[str, Any]) -> None:
        """Set a bucket's count from its set as read, unless a later version was copied."""
        # A later version copied already: the filter misses, the upsert's insert collides.
        with contextlib.suppress(DuplicateKeyError):
            await self.counts.update_one(*size_copy([stored]), upsert=True)


def manager_of(stored: Mapping[str, Any]) -> str:
    """The manager a set document belongs to."""
    return str(stored["_id"]).rsplit("/", 1)[0]


def size_copy(sets: Sequence[Mapping[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Copy one manager's set sizes to its count, only where it holds older versions of all."""
    query: dict[str, Any] = {"_id": manager_of(sets[0])}
    fields: dict[str, Any] = {}
    for stored in sets:
        bucket = str(stored["_id"]).rsplit("/", 1)[1]
        version = int(stored.get("v") or 0)
        query[f"v.{bucket}"] = {"$not": {"$gte": version}}
        fields[f"n.{bucket}"] = len(stored.get("leads") or [])
        fields[f"v.{bucket}"] = version
    return query, {"$set": fields}
