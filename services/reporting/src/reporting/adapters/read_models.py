"""Per-entity records in MongoDB: one document per record and projection version.

A document is `{_id: "<version>:<kind>:<entity id>", v, k, id, rev, r: record, <keys>}`.
The version and kind lead every declared index, so a report's query reads only the records
its selection names, and dropping a version is one indexed delete.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo import InsertOne, ReplaceOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from reporting.domain.read_models import RecordChange, Selection, StoredRecord
from shared.platform.mongo import duplicate_indexes

COLLECTION = "records"
IDS_PER_QUERY = 1000
# FerretDB v1 keeps one SQLite connection per update statement open until its command ends,
# from a pool of 100: a bulk of 100 replacements hangs the local server. MongoDB would take
# thousands per command; 50 costs it a few more round trips per batch.
WRITES_PER_COMMAND = 50


def version_key(version: int) -> str:
    """The version as stored in `v` (text: see the comment below)."""
    # The local server leaves numbers out of its index pre-filter (ADR 0013): `{v: 2}` read
    # every record, and dropping a version of a million records stalled it for minutes.
    return f"v{version}"


def document_id(version: int, kind: str, entity_id: str) -> str:
    """The `_id` of one record of one version."""
    return f"{version}:{kind}:{entity_id}"


def selection_filter(version: int, selection: Selection) -> dict[str, Any]:
    """The query of one selection without ids; the version and kind lead, as every index does."""
    query: dict[str, Any] = {"v": version_key(version), "k": selection.kind}
    if selection.equals is not None:
        name, value = selection.equals
        query[name] = value
    if selection.flag is not None:
        query[selection.flag] = True
    if selection.field is not None:
        bounds: dict[str, Any] = {}
        if selection.low is not None:
            bounds["$gte"] = selection.low
        if selection.high is not None:
            bounds["$lte"] = selection.high
        query[selection.field] = bounds
    return query


class MongoReadModels:
    """The records every report reads, kept current by the ingestor."""

    def __init__(self, db: AsyncDatabase[Any]) -> None:
        self.collection: AsyncCollection[Any] = db[COLLECTION]

    async def load(self, version: int, kind: str, ids: Sequence[str]) -> dict[str, StoredRecord]:
        """The stored records of these entities, by entity id; absent ones are left out."""
        found: dict[str, StoredRecord] = {}
        for start in range(0, len(ids), IDS_PER_QUERY):
            chunk = [document_id(version, kind, i) for i in ids[start : start + IDS_PER_QUERY]]
            async for doc in self.collection.find(
                {"_id": {"$in": chunk}}, {"id": 1, "rev": 1, "r": 1}
            ):
                found[doc["id"]] = StoredRecord(int(doc["rev"]), doc["r"])
        return found

    async def write(self, version: int, kind: str, changes: Sequence[RecordChange]) -> set[str]:
        """Store the changes in one bulk write; return the entities someone wrote meanwhile.

        A new record is inserted (a duplicate key means another writer stored it first); a
        loaded one is replaced only at the revision it was loaded at. Replacements that
        matched nothing cannot be told apart in a bulk result, so when any did, every
        replaced entity is returned: merging again is a no-op where nothing changed.
        """
        conflicted: set[str] = set()
        for start in range(0, len(changes), WRITES_PER_COMMAND):
            chunk = changes[start : start + WRITES_PER_COMMAND]
            conflicted |= await self._write_chunk(version, kind, chunk)
        return conflicted

    async def _write_chunk(
        self, version: int, kind: str, changes: Sequence[RecordChange]
    ) -> set[str]:
        ops: list[InsertOne[Any] | ReplaceOne[Any]] = []
        for change in changes:
            doc = self._document(version, kind, change)
            if change.rev == 0:
                ops.append(InsertOne(doc))
            else:
                ops.append(ReplaceOne({"_id": doc["_id"], "rev": change.rev}, doc))
        replaced = [c.entity_id for c in changes if c.rev != 0]
        try:
            result = await self.collection.bulk_write(ops, ordered=False)
            matched = result.matched_count
            conflicted: set[str] = set()
        except BulkWriteError as exc:
            matched = int(exc.details.get("nMatched", 0))
            conflicted = {changes[index].entity_id for index in duplicate_indexes(exc)}
        if matched < len(replaced):
            conflicted.update(replaced)
        return conflicted

    async def select(
        self, version: int, selections: Sequence[Selection]
    ) -> dict[str, dict[str, Any]]:
        """The records any of the selections holds, by entity id."""
        found: dict[str, dict[str, Any]] = {}
        for selection in selections:
            if selection.ids is not None:
                ids = list(selection.ids)
                for start in range(0, len(ids), IDS_PER_QUERY):
                    chunk = [
                        document_id(version, selection.kind, i)
                        for i in ids[start : start + IDS_PER_QUERY]
                    ]
                    await self._read({"_id": {"$in": chunk}}, found)
            elif selection.one_of is not None:
                name, values = selection.one_of
                for start in range(0, len(values), IDS_PER_QUERY):
                    query = selection_filter(version, selection)
                    query[name] = {"$in": list(values[start : start + IDS_PER_QUERY])}
                    await self._read(query, found)
            else:
                await self._read(selection_filter(version, selection), found)
        return found

    async def drop_version(self, version: int) -> None:
        """Remove every record of a version nobody reads any more, a thousand per command.

        One delete of a whole version would hold the local server (one command at a time)
        for minutes at a million records.
        """
        while True:
            query = {"v": version_key(version)}
            cursor = self.collection.find(query, {"_id": 1}).limit(IDS_PER_QUERY)
            ids = [doc["_id"] async for doc in cursor]
            if not ids:
                return
            await self.collection.delete_many({"_id": {"$in": ids}})

    async def _read(self, query: dict[str, Any], into: dict[str, dict[str, Any]]) -> None:
        async for doc in self.collection.find(query, {"id": 1, "r": 1}):
            into[doc["id"]] = doc["r"]

    @staticmethod
    def _document(version: int, kind: str, change: RecordChange) -> dict[str, Any]:
        keys = {name: value for name, value in change.keys.items() if value is not None}
        return {
            "_id": document_id(version, kind, change.entity_id),
            "v": version_key(version),
            "k": kind,
            "id": change.entity_id,
            "rev": change.rev + 1,
            "r": change.record,
            **keys,
        }
