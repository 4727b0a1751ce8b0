"""One repository for every aggregate: state, outbox and revision check in one document write.

A service describes how its aggregate maps to a document (a `DocumentMapper`) and gets
`get`, `find`, `add`, `save` and `update` for free (ADR 0015). `save` compares the aggregate's
document with the one it was loaded as and writes only the top-level fields that changed
(`$set`/`$unset`), appends the recorded events to the document's outbox (`$push`) and
matches the revision it read (`$inc`), so the state change and its events land together or
not at all (ADR 0004: FerretDB v1 has no multi-document transactions; a single document is the
unit of atomicity). The revision and the relay's fields (`rev`, `_outbox*`) are never part of
the diff, so a save never undoes what the relay did meanwhile.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from shared.contracts.events.base import EventModel
from shared.kernel.aggregate import Aggregate
from shared.platform.audit import record_change
from shared.platform.clock import Clock
from shared.platform.dead_letter import describe_error
from shared.platform.errors import RetryLater
from shared.platform.logging import get_logger
from shared.platform.outbox import (
    LEASE_FIELD,
    OUTBOX_FIELD,
    OWNER_FIELD,
    PENDING_FIELD,
    OutboxMessage,
    aggregate_event,
    outbox_fields,
)

REVISION_FIELD = "rev"
"""The stored revision: 0 when inserted, +1 with every save."""

_STORAGE_FIELDS = frozenset({REVISION_FIELD, OUTBOX_FIELD, PENDING_FIELD, LEASE_FIELD, OWNER_FIELD})

A = TypeVar("A", bound=Aggregate[Any])
R = TypeVar("R")
Document = dict[str, Any]


log = get_logger(__name__)


def document_copy(value: Any) -> Any:
    """A deep copy of document data: new dicts and lists, the immutable leaves shared.

    `copy.deepcopy` took most of the intake's CPU on leads with long histories: it handles any
    object graph (memo, reducers), where a document holds only dicts, lists, tuples and
    immutable values (strings, numbers, dates, decimals, ObjectIds, bytes).
    """
    if isinstance(value, dict):
        return {key: document_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [document_copy(item) for item in value]
    if isinstance(value, tuple):
        return tuple(document_copy(item) for item in value)
    return value


class ConcurrentModification(RetryLater):
    """The document kept changing under a command; the caller may retry later."""


class DocumentMapper(Protocol[A]):
    """How one kind of aggregate is stored: the document carries `_id` and the domain fields."""

    def to_document(self, aggregate: A) -> Document:
        """The aggregate's state as a document (without revision or outbox)."""

    def from_document(self, document: Mapping[str, Any]) -> A:
        """The aggregate a stored document describes."""


MessageOf = Callable[[EventModel, A, datetime, str | None], OutboxMessage]
"""Turns one recorded event into the outbox message that publishes it."""


def message_on_own_topic(source: str) -> MessageOf[Any]:
    """Each event on the topic named like its type, keyed by the aggregate's id."""

    def message_of(
        event: EventModel, aggregate: Aggregate[Any], at: datetime, causation_id: str | None
    ) -> OutboxMessage:
        return aggregate_event(
            event, source=source, key=aggregate.aggregate_id, at=at, causation_id=causation_id
        )

    return message_of


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> Document:
    """The MongoDB update that turns document `before` into `after`, top-level fields only."""
    ignored = _STORAGE_FIELDS | {"_id"}
    set_fields = {
        name: value
        for name, value in after.items()
        if name not in ignored and (name not in before or before[name] != value)
    }
    unset_fields = {name: "" for name in before if name not in after and name not in ignored}
    update: Document = {}
    if set_fields:
        update["$set"] = set_fields
    if unset_fields:
        update["$unset"] = unset_fields
    return update


def _stored_revision(revision: int) -> Any:
    """The filter on the stored revision; 0 also matches a document stored without one."""
    return {"$in": [0, None]} if revision == 0 else revision


class Repository(Protocol[A]):
    """Port: load an aggregate, store a new one, save the changes of a loaded one."""

    async def get(self, aggregate_id: str) -> A | None:
        """The aggregate stored under this id, or None."""

    async def add(self, aggregate: A, *, causation_id: str | None = None) -> bool:
        """Store a new aggregate with its recorded events; False if the id is taken."""

    async def save(self, aggregate: A, *, causation_id: str | None = None) -> None:
        """Write what changed since load, with the recorded events; raise on a lost race."""

    async def update(
        self,
        aggregate_id: str,
        change: Callable[[A], R],
        *,
        causation_id: str | None = None,
        attempts: int = 5,
    ) -> tuple[A, R] | None:
        """Load, apply `change`, save, retrying a lost race; None when there is no such one."""


class Updating(Generic[A]):
    """`update`: load, change and save an aggregate, starting over when another writer won."""

    async def get(self, aggregate_id: str) -> A | None:
        """The aggregate stored under this id, or None."""
        raise NotImplementedError

    async def save(self, aggregate: A, *, causation_id: str | None = None) -> None:
        """Write what changed since load; raise `ConcurrentModification` on a lost race."""
        raise NotImplementedError

    async def update(
        self,
        aggregate_id: str,
        change: Callable[[A], R],
        *,
        causation_id: str | None = None,
        attempts: int = 5,
    ) -> tuple[A, R] | None:
        """Load, apply `change`, save; on a lost race load again and re-apply (None: not found)."""
        for _ in range(attempts):
            aggregate = await self.get(aggregate_id)
            if aggregate is None:
                return None
            result = change(aggregate)
            try:
                await self.save(aggregate, causation_id=causation_id)
            except ConcurrentModification:
                continue
            return aggregate, result
        raise ConcurrentModification(aggregate_id)


class MongoRepository(Updating[A]):
    """A `Repository` over one MongoDB collection; subclasses add their indexed queries."""

    def __init__(
        self,
        collection: AsyncCollection[Any],
        mapper: DocumentMapper[A],
        *,
        clock: Clock,
        message_of: MessageOf[A],
    ) -> None:
        self.collection = collection
        self._mapper = mapper
        self._clock = clock
        self._message_of = message_of
        self._loaded: weakref.WeakKeyDictionary[A, Document] = weakref.WeakKeyDictionary()

    async def get(self, aggregate_id: str) -> A | None:
        """The aggregate stored under this id, or None."""
        document = await self.collection.find_one({"_id": aggregate_id})
        return None if document is None else self._load(document)

    async def find(
        self,
        query: Mapping[str, Any],
        *,
        sort: Sequence[tuple[str, int]] | None = None,
        limit: int = 0,
        unreadable: list[str] | None = None,
    ) -> list[A]:
        """Aggregates matching a query of the subclass (which knows the indexes it may use).

        With an `unreadable` list, a stored document the mapper cannot read is left out and
        its id added there (and logged), instead of failing the whole query.
        """
        cursor = self.collection.find(dict(query))
        if sort:
            cursor = cursor.sort(list(sort))
        if limit:
            cursor = cursor.limit(limit)
        found: list[A] = []
        async for document in cursor:
            try:
                found.append(self._load(document))
            except Exception as exc:
                if unreadable is None:
                    raise
                unreadable.append(str(document["_id"]))
                log.error(
                    "stored document cannot be read; left out",
                    collection=self.collection.name,
                    document_id=str(document["_id"]),
                    error=describe_error(exc),
                )
        return found

    async def set_aside(self, aggregate_id: str, field: str, until: datetime) -> None:
        """Move a timer field of a stored document to `until` without loading it.

        For a document its own code cannot handle: its timer stops firing until then, and the
        revision moves so a writer holding an older copy reloads it.
        """
        await self.collection.update_one(
            {"_id": aggregate_id}, {"$set": {field: until}, "$inc": {REVISION_FIELD: 1}}
        )

    async def add(self, aggregate: A, *, causation_id: str | None = None) -> bool:
        """Store a new aggregate at revision 0 with its recorded events as its first outbox."""
        document = self._mapper.to_document(aggregate)
        messages = self._messages(aggregate, causation_id)
        try:
            await self.collection.insert_one(
                {**document, REVISION_FIELD: 0, **outbox_fields(messages)}
            )
        except DuplicateKeyError:
            return False
        aggregate.collect_events()
        aggregate.revision = 0
        self._remember(aggregate, document)
        await record_change(self.collection.name, aggregate.aggregate_id, None, document)
        return True

    async def save(self, aggregate: A, *, causation_id: str | None = None) -> None:
        """Write what changed since load, with the recorded events, if nobody wrote meanwhile."""
        before = self._loaded.get(aggregate)
        if before is None or aggregate.revision is None:
            raise ValueError("save() takes an aggregate loaded by this repository; add() a new one")
        after = self._mapper.to_document(aggregate)
        update = changes(before, after)
        messages = self._messages(aggregate, causation_id)
        if not update and not messages:
            return
        if messages:
            update["$push"] = {OUTBOX_FIELD: {"$each": [m.to_document() for m in messages]}}
            update.setdefault("$set", {})[PENDING_FIELD] = True
        update["$inc"] = {REVISION_FIELD: 1}
        result = await self.collection.update_one(
            {"_id": after["_id"], REVISION_FIELD: _stored_revision(aggregate.revision)}, update
        )
        if result.matched_count == 0:
            raise ConcurrentModification(str(after["_id"]))
        aggregate.collect_events()
        aggregate.revision += 1
        self._remember(aggregate, after)
        await record_change(self.collection.name, str(after["_id"]), before, after)

    def _load(self, document: Mapping[str, Any]) -> A:
        aggregate = self._mapper.from_document(document)
        aggregate.revision = int(document.get(REVISION_FIELD) or 0)
        self._remember(aggregate, self._mapper.to_document(aggregate))
        return aggregate

    def _remember(self, aggregate: A, document: Document) -> None:
        # A copy: a mapper may hand out the aggregate's own lists, which later change in place.
        self._loaded[aggregate] = document_copy(document)

    def _messages(self, aggregate: A, causation_id: str | None) -> list[OutboxMessage]:
        now = self._clock.now()
        return [
            self._message_of(event, aggregate, now, causation_id)
            for event in aggregate.pending_events
        ]
