"""The projections' fact log in MongoDB: one inserted document per fact, in versioned collections.

Inserting is the cheapest write MongoDB (and FerretDB) has, and a fact's id is a hash of its
content, so a redelivered or replayed event inserts nothing new: the duplicate key *is* the
exactly-once check, stored in the same single-document write as the fact itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from reporting.domain.fact_log import LoggedEvent, ProjectionVersions

META_ID = "versions"
CHUNK = 500
DUPLICATE_KEY = 11000


class MongoFactLog:
    """Versioned fact collections (`v<N>_facts`) and the pointer to the active version."""

    def __init__(self, db: AsyncDatabase[Any]) -> None:
        self._db = db
        self.meta: AsyncCollection[Any] = db["reporting_meta"]

    def facts(self, version: int) -> AsyncCollection[Any]:
        """The collection holding one projection version's facts."""
        return self._db[f"v{version}_facts"]

    async def versions(self) -> ProjectionVersions:
        """The active and building versions, creating version 1 on first use."""
        doc: dict[str, Any] | None = await self.meta.find_one({"_id": META_ID})
        if doc is None:  # a read on every report; the write only the first time
            doc = await self.meta.find_one_and_update(
                {"_id": META_ID},
                {"$setOnInsert": {"active": 1, "building": []}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        assert doc is not None
        return ProjectionVersions(
            active=int(doc["active"]), building=tuple(int(v) for v in doc.get("building", []))
        )

    async def start_building(self) -> int:
        """Reserve a new version number; live ingestion writes to it from now on."""
        version = (await self.versions()).next_version()
        await self.meta.update_one({"_id": META_ID}, {"$push": {"building": version}})
        return version

    async def activate(self, version: int) -> int:
        """Switch reads to `version` in one document write; returns the version it replaced."""
        current = await self.versions()
        building = [v for v in current.building if v != version]
        await self.meta.update_one(
            {"_id": META_ID}, {"$set": {"active": version, "building": building}}
        )
        return current.active

    async def drop_version(self, version: int) -> None:
        """Remove the facts of a version nobody reads any more."""
        await self.facts(version).drop()

    async def append(self, version: int, events: Sequence[LoggedEvent]) -> int:
        """Insert facts, skipping those already stored; return how many were new."""
        inserted = 0
        collection = self.facts(version)
        for start in range(0, len(events), CHUNK):
            chunk = [_document_of(event) for event in events[start : start + CHUNK]]
            try:
                result = await collection.insert_many(chunk, ordered=False)
                inserted += len(result.inserted_ids)
            except BulkWriteError as exc:
                errors = exc.details.get("writeErrors", [])
                if any(e.get("code") != DUPLICATE_KEY for e in errors):
                    raise
                inserted += len(chunk) - len(errors)
        return inserted

    async def load(self, version: int) -> list[LoggedEvent]:
        """Every fact of a version, in key order, read in pages along `_id`."""
        events: list[LoggedEvent] = []
        while True:
            after = {"_id": {"$gt": events[-1].key}} if events else {}
            page = self.facts(version).find(after).sort("_id", 1).limit(CHUNK)
            read = [_event_of(doc) async for doc in page]
            events.extend(read)
            if len(read) < CHUNK:
                return events


def _document_of(event: LoggedEvent) -> dict[str, Any]:
    return {
        "_id": event.key,
        "type": event.type,
        "version": event.version,
        "payload": event.payload,
    }


def _event_of(doc: dict[str, Any]) -> LoggedEvent:
    return LoggedEvent(
        key=doc["_id"], type=doc["type"], version=int(doc.get("version", 1)), payload=doc["payload"]
    )
