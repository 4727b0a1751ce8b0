"""Projection records in MongoDB: one document per entity record, in versioned collections.

Records are merged commutatively and idempotently by the domain folds, so a write is a plain
replacement guarded by the record's revision: whichever replica or replay gets there first,
re-merging later facts gives the same record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pymongo import ReturnDocument, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

MAPS = ("leads", "deals", "activities", "invoices", "payments", "claims")
"""Kinds of entity records; each projection's state is assembled from some of them."""

META_ID = "versions"


class RecordStore:
    """Versioned record collections (`v<N>_<map>`) and the pointer to the active version."""

    def __init__(self, db: AsyncDatabase[Any]) -> None:
        self._db = db
        self.meta: AsyncCollection[Any] = db["reporting_meta"]
        self.segments: AsyncCollection[Any] = db["client_segments"]

    def collection(self, version: int, kind: str) -> AsyncCollection[Any]:
        """The collection holding one kind of record of one projection version."""
        return self._db[f"v{version}_{kind}"]

    async def versions(self) -> dict[str, Any]:
        """`{"active": N, "building": [M, ...]}`, creating version 1 on first use."""
        doc: dict[str, Any] | None = await self.meta.find_one_and_update(
            {"_id": META_ID},
            {"$setOnInsert": {"active": 1, "building": []}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        assert doc is not None
        return doc

    async def written_versions(self) -> list[int]:
        """Versions live ingestion writes to: the active one and any being rebuilt."""
        doc = await self.versions()
        return [int(doc["active"]), *(int(v) for v in doc.get("building", []))]

    async def start_building(self) -> int:
        """Reserve a new version number; live ingestion writes to it from now on."""
        doc = await self.versions()
        taken = [int(doc["active"]), *(int(v) for v in doc.get("building", []))]
        version = max(taken) + 1
        await self.meta.update_one({"_id": META_ID}, {"$push": {"building": version}})
        return version

    async def activate(self, version: int) -> int:
        """Switch reads to `version` in one document write; returns the version it replaced."""
        doc = await self.versions()
        await self.meta.update_one(
            {"_id": META_ID},
            {"$set": {"active": version, "building": [v for v in doc["building"] if v != version]}},
        )
        return int(doc["active"])

    async def drop_version(self, version: int) -> None:
        """Remove the collections of a version nobody reads any more."""
        for kind in MAPS:
            await self.collection(version, kind).drop()

    async def load(self, version: int, kind: str, ids: Iterable[str]) -> dict[str, tuple[Any, int]]:
        """Records (and their revisions) of the given entities."""
        wanted = list(ids)
        if not wanted:
            return {}
        cursor = self.collection(version, kind).find({"_id": {"$in": wanted}})
        return {doc["_id"]: (doc["rec"], int(doc["rev"])) async for doc in cursor}

    async def load_all(self, version: int, kind: str) -> dict[str, Any]:
        """Every record of a kind: what a report reads."""
        cursor = self.collection(version, kind).find({}, {"rec": 1})
        return {doc["_id"]: doc["rec"] async for doc in cursor}

    async def write(
        self,
        version: int,
        kind: str,
        records: Mapping[str, Any],
        revisions: Mapping[str, int],
    ) -> list[str]:
        """Write changed records in one bulk call; return ids that changed meanwhile.

        A record read at revision r is replaced only if still at r; a new one is inserted only
        if nobody inserted it first. Losers are re-read and re-merged by the caller.
        """
        if not records:
            return []
        ops = []
        for entity_id, record in records.items():
            revision = revisions.get(entity_id)
            match: dict[str, Any] = {
                "_id": entity_id,
                "rev": revision if revision else {"$exists": False},
            }
            ops.append(
                UpdateOne(
                    match,
                    {"$set": {"rec": record, "rev": (revision or 0) + 1}},
                    upsert=not revision,
                )
            )
        collection = self.collection(version, kind)
        try:
            result = await collection.bulk_write(ops, ordered=False)
            if result.matched_count + result.upserted_count == len(ops):
                return []
        except BulkWriteError:
            pass  # duplicate keys of racing inserts; found below like any other loser
        expected = {entity_id: (revisions.get(entity_id) or 0) + 1 for entity_id in records}
        cursor = collection.find({"_id": {"$in": list(records)}}, {"rec": 1, "rev": 1})
        current = {doc["_id"]: doc async for doc in cursor}
        return [
            entity_id
            for entity_id, record in records.items()
            if entity_id not in current
            or current[entity_id]["rev"] != expected[entity_id]
            or current[entity_id]["rec"] != record
        ]
