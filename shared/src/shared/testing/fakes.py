"""In-memory fakes of the repository and the publisher, for service-layer tests in milliseconds."""

from __future__ import annotations

import copy
import weakref
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from shared.kernel.aggregate import Aggregate
from shared.platform.clock import Clock
from shared.platform.outbox import OutboxMessage
from shared.platform.repository import (
    REVISION_FIELD,
    ConcurrentModification,
    Document,
    DocumentMapper,
    MessageOf,
    Updating,
    changes,
)

A = TypeVar("A", bound=Aggregate[Any])


class InMemoryRepository(Updating[A]):
    """A repository in a dict, with the same mapping and revision rules, for fast tests.

    It stores documents (not objects), so every test also round-trips the mapper, and it
    keeps each saved event as its outbox message in `published`, in order.
    """

    def __init__(
        self, mapper: DocumentMapper[A], *, clock: Clock, message_of: MessageOf[A]
    ) -> None:
        self._mapper = mapper
        self._clock = clock
        self._message_of = message_of
        self.documents: dict[str, Document] = {}
        self.published: list[OutboxMessage] = []
        self._loaded: weakref.WeakKeyDictionary[A, Document] = weakref.WeakKeyDictionary()

    async def get(self, aggregate_id: str) -> A | None:
        """The aggregate stored under this id, or None."""
        document = self.documents.get(aggregate_id)
        return None if document is None else self._load(document)

    def all(self) -> list[A]:
        """Every stored aggregate, freshly loaded (for a subclass's queries)."""
        return [self._load(document) for document in self.documents.values()]

    async def add(self, aggregate: A, *, causation_id: str | None = None) -> bool:
        """Store a new aggregate at revision 0 and publish its recorded events."""
        document = self._mapper.to_document(aggregate)
        if document["_id"] in self.documents:
            return False
        self._publish(aggregate, causation_id)
        self.documents[document["_id"]] = copy.deepcopy({**document, REVISION_FIELD: 0})
        aggregate.revision = 0
        self._loaded[aggregate] = copy.deepcopy(document)
        return True

    async def save(self, aggregate: A, *, causation_id: str | None = None) -> None:
        """Replace the stored state if its revision is the one the aggregate was loaded at."""
        before = self._loaded.get(aggregate)
        document = self._mapper.to_document(aggregate)
        stored = self.documents.get(document["_id"])
        if before is None or stored is None or aggregate.revision is None:
            raise ValueError("save() takes an aggregate loaded by this repository; add() a new one")
        if not changes(before, document) and not aggregate.pending_events:
            return  # nothing changed: no write, the revision stays (as in MongoDB)
        if (stored.get(REVISION_FIELD) or 0) != aggregate.revision:
            raise ConcurrentModification(str(document["_id"]))
        self._publish(aggregate, causation_id)
        aggregate.revision += 1
        self.documents[document["_id"]] = copy.deepcopy(
            {**document, REVISION_FIELD: aggregate.revision}
        )
        self._loaded[aggregate] = copy.deepcopy(document)

    async def set_aside(self, aggregate_id: str, field: str, until: datetime) -> None:
        """Move a timer field of a stored document to `until`, and its revision on."""
        stored = self.documents[aggregate_id]
        stored[field] = until
        stored[REVISION_FIELD] = (stored.get(REVISION_FIELD) or 0) + 1

    def published_on(self, topic: str) -> list[OutboxMessage]:
        """The published messages on one topic, in order."""
        return [m for m in self.published if m.topic == topic]

    def _load(self, document: Mapping[str, Any]) -> A:
        stored = copy.deepcopy({k: v for k, v in document.items() if k != REVISION_FIELD})
        aggregate = self._mapper.from_document(stored)
        aggregate.revision = int(document.get(REVISION_FIELD) or 0)
        self._loaded[aggregate] = copy.deepcopy(self._mapper.to_document(aggregate))
        return aggregate

    def _publish(self, aggregate: A, causation_id: str | None) -> None:
        now = self._clock.now()
        self.published.extend(
            self._message_of(event, aggregate, now, causation_id)
            for event in aggregate.collect_events()
        )


class FakePublisher:
    """An outbox publisher that keeps what it was given; `fail_next` makes the next call raise."""

    def __init__(self) -> None:
        self.sent: list[OutboxMessage] = []
        self.fail_next: Exception | None = None

    async def publish_batch(self, messages: Sequence[OutboxMessage]) -> None:
        """Keep the messages, or raise the prepared error once."""
        if self.fail_next is not None:
            error, self.fail_next = self.fail_next, None
            raise error
        self.sent.extend(messages)
