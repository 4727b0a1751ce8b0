"""The fact log in MongoDB: one inserted document per fact, and the projection versions' state.

Inserting is the cheapest write MongoDB (and FerretDB) has, and a fact's id is a hash of its
content, so a redelivered or replayed event inserts nothing new: the duplicate key *is* the
exactly-once check, stored in the same single-document write as the fact itself. The log is
never dropped: it is the history every rebuild folds, older than any topic's retention.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import suppress
from datetime import UTC
from typing import Any

import pymongo
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from reporting.domain.fact_log import LoggedEvent, ProjectionVersions, Rebuild
from shared.platform.mongo import duplicate_indexes

FACTS = "facts"
META = "reporting_meta"
META_ID = "versions"
CHUNK = 500
ATTEMPTS = 20
STREAM_SECONDS = 6 * 3600.0
VERSIONED_FACTS = re.compile(r"v\d+_facts")


class StateConflict(RuntimeError):
    """The versions' state kept changing under a transition."""


class MongoFactLog:
    """The `facts` collection and the state of the projection versions (`reporting_meta`)."""

    def __init__(self, db: AsyncDatabase[Any]) -> None:
        self._db = db
        self.facts: AsyncCollection[Any] = db[FACTS]
        self.meta: AsyncCollection[Any] = db[META]

    async def versions(self) -> ProjectionVersions:
        """The active version, the rebuild in progress and the retired versions."""
        return (await self._state())[0]

    async def change(
        self, transition: Callable[[ProjectionVersions], ProjectionVersions | None]
    ) -> ProjectionVersions | None:
        """Apply a transition in one revision-checked write; None if it refused."""
        for _ in range(ATTEMPTS):
            state, rev = await self._state()
            changed = transition(state)
            if changed is None:
                return None
            result = await self.meta.update_one(
                {"_id": META_ID, "rev": rev}, {"$set": _document_of(changed), "$inc": {"rev": 1}}
            )
            if result.matched_count:
                return changed
        raise StateConflict("the projection versions kept changing")

    async def append(self, events: Sequence[LoggedEvent]) -> int:
        """Insert facts, skipping those already stored; return how many were new."""
        inserted = 0
        for start in range(0, len(events), CHUNK):
            chunk = [_fact_document(event) for event in events[start : start + CHUNK]]
            try:
                result = await self.facts.insert_many(chunk, ordered=False)
                inserted += len(result.inserted_ids)
            except BulkWriteError as exc:
                inserted += len(chunk) - len(duplicate_indexes(exc))
        return inserted

    async def stream(self, batch: int) -> AsyncIterator[list[LoggedEvent]]:
        """Every fact in batches, in no particular order, through one cursor.

        One cursor, unsorted: each batch is one short command, and the whole pass costs what
        the log holds. (Pages sorted by `_id` would cost the same on MongoDB, but the local
        server sorts in memory: every page would read the whole log.) The cursor may live
        longer than one operation's timeout, hence its own.
        """
        with pymongo.timeout(STREAM_SECONDS):
            cursor = self.facts.find({}, batch_size=batch)
            chunk: list[LoggedEvent] = []
            async for doc in cursor:
                chunk.append(_event_of(doc))
                if len(chunk) == batch:
                    yield chunk
                    chunk = []
            if chunk:
                yield chunk

    async def load(self) -> list[LoggedEvent]:
        """Every fact, in key order (for tests and small logs)."""
        events = [event async for chunk in self.stream(CHUNK) for event in chunk]
        return sorted(events, key=lambda event: event.key)

    async def adopt_versioned_logs(self) -> int:
        """Move facts kept per version (before the log was one collection) into it; return how many.

        Idempotent: facts are inserted by key, and each old collection is dropped only after
        all of its facts were copied.
        """
        moved = 0
        for name in sorted(await self._db.list_collection_names()):
            if not VERSIONED_FACTS.fullmatch(name):
                continue
            old: AsyncCollection[Any] = self._db[name]
            with pymongo.timeout(STREAM_SECONDS):
                chunk: list[LoggedEvent] = []
                async for doc in old.find({}, batch_size=CHUNK):
                    chunk.append(_event_of(doc))
                    if len(chunk) == CHUNK:
                        moved += await self.append(chunk)
                        chunk = []
                moved += await self.append(chunk) if chunk else 0
            await old.drop()
        return moved

    async def _state(self) -> tuple[ProjectionVersions, int]:
        doc = await self.meta.find_one({"_id": META_ID})
        if doc is None:
            with suppress(DuplicateKeyError):  # another replica created it first
                await self.meta.insert_one({"_id": META_ID, "active": 1, "rev": 0})
            doc = await self.meta.find_one({"_id": META_ID})
            assert doc is not None
        if "rev" not in doc:  # stored before the state had a revision
            await self.meta.update_one(
                {"_id": META_ID, "rev": {"$exists": False}}, {"$set": {"rev": 0}}
            )
            return await self._state()
        return _versions_of(doc), int(doc["rev"])


def _document_of(state: ProjectionVersions) -> dict[str, Any]:
    rebuild = state.rebuild
    return {
        "active": state.active,
        "rebuild": None
        if rebuild is None
        else {
            "version": rebuild.version,
            "holder": rebuild.holder,
            "until": rebuild.until,
            "folded": rebuild.folded,
        },
        "retired": list(state.retired),
    }


def _versions_of(doc: dict[str, Any]) -> ProjectionVersions:
    stored = doc.get("rebuild")
    rebuild = None
    if stored is not None:
        until = stored["until"]
        rebuild = Rebuild(
            version=int(stored["version"]),
            holder=stored["holder"],
            until=until if until.tzinfo is not None else until.replace(tzinfo=UTC),
            folded=int(stored.get("folded") or 0),
        )
    retired = tuple(int(v) for v in doc.get("retired", []))
    return ProjectionVersions(active=int(doc["active"]), rebuild=rebuild, retired=retired)


def _fact_document(event: LoggedEvent) -> dict[str, Any]:
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
