"""In-memory fakes of the reporting ports, and wire events delivered as a consumer sees them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from reporting.adapters.client_segments import SOURCE, ClientSegmentMapper
from reporting.domain.client_segment import ClientSegmentState
from reporting.domain.fact_log import LoggedEvent, ProjectionVersions
from reporting.domain.read_models import RecordChange, Selection, StoredRecord, keys_of
from shared.contracts import EventModel, decode, encode
from shared.platform.clock import Clock
from shared.platform.consumer import BatchItem
from shared.platform.repository import message_on_own_topic
from shared.testing.fakes import InMemoryRepository

TEST_SOURCE = "urn:test"
TRUSTED = frozenset({TEST_SOURCE})
"""Payment sources the tests' ingestor counts: the source `delivered` gives every event."""


class InMemoryFactLog:
    """The fact log in a dict keyed like the real one, and the versions' state."""

    def __init__(self) -> None:
        self.state = ProjectionVersions(active=1)
        self.facts: dict[str, LoggedEvent] = {}
        self.batches_read = 0
        self.before_batch: Callable[[int], Awaitable[None]] | None = None

    async def versions(self) -> ProjectionVersions:
        """The versions' state."""
        return self.state

    async def change(
        self, transition: Callable[[ProjectionVersions], ProjectionVersions | None]
    ) -> ProjectionVersions | None:
        """Apply the transition unless it refuses."""
        changed = transition(self.state)
        if changed is not None:
            self.state = changed
        return changed

    async def append(self, events: Sequence[LoggedEvent]) -> int:
        """Keep events whose key is new; return how many were."""
        before = len(self.facts)
        for event in events:
            self.facts.setdefault(event.key, event)
        return len(self.facts) - before

    async def stream(self, batch: int) -> AsyncIterator[list[LoggedEvent]]:
        """Every fact in batches, in key order; `batches_read` counts what was handed out."""
        keys = sorted(self.facts)
        for start in range(0, len(keys), batch):
            if self.before_batch is not None:
                await self.before_batch(self.batches_read)
            self.batches_read += 1
            yield [self.facts[key] for key in keys[start : start + batch]]

    async def load(self) -> list[LoggedEvent]:
        """Every fact in key order."""
        return [self.facts[key] for key in sorted(self.facts)]


class InMemoryReadModels:
    """The per-entity records in a dict, selected by the same rule the database query follows."""

    def __init__(self) -> None:
        self.stored: dict[tuple[int, str, str], tuple[int, dict[str, Any]]] = {}
        self.selected: list[Selection] = []

    async def load(self, version: int, kind: str, ids: Sequence[str]) -> dict[str, StoredRecord]:
        """The stored records of these entities."""
        found = {i: self.stored.get((version, kind, i)) for i in ids}
        return {i: StoredRecord(*held) for i, held in found.items() if held is not None}

    async def write(self, version: int, kind: str, changes: Sequence[RecordChange]) -> set[str]:
        """Store each change whose revision still holds; return the others."""
        conflicted = set()
        for change in changes:
            held = self.stored.get((version, kind, change.entity_id))
            if (held[0] if held is not None else 0) != change.rev:
                conflicted.add(change.entity_id)
                continue
            self.stored[(version, kind, change.entity_id)] = (change.rev + 1, change.record)
        return conflicted

    async def select(self, version: int, selections: Sequence[Selection]) -> dict[str, Any]:
        """The records any selection holds, judged by `Selection.matches` on their keys."""
        self.selected.extend(selections)
        return {
            entity_id: record
            for (v, kind, entity_id), (_rev, record) in sorted(self.stored.items())
            if v == version
            and any(
                s.kind == kind and s.matches(entity_id, keys_of(kind, record)) for s in selections
            )
        }

    async def drop_version(self, version: int) -> None:
        """Forget a version's records."""
        self.stored = {key: held for key, held in self.stored.items() if key[0] != version}

    def count(self, version: int) -> int:
        """How many records a version holds."""
        return sum(1 for key in self.stored if key[0] == version)


class InMemoryClientSegments(InMemoryRepository[ClientSegmentState]):
    """Client segments in memory, through the real document mapper."""

    def __init__(self, *, clock: Clock) -> None:
        super().__init__(
            ClientSegmentMapper(), clock=clock, message_of=message_on_own_topic(SOURCE)
        )

    async def all_clients(self) -> list[ClientSegmentState]:
        """Every stored client."""
        return self.all()


@dataclass(frozen=True)
class FakeRecord:
    """The part of a Kafka record the reporting service reads: its value."""

    value: bytes


def delivered(*events: EventModel) -> list[BatchItem]:
    """The events as a batch consumer hands them over: encoded, then decoded from the bytes."""
    items = []
    for event in events:
        value, headers = encode(event, source=TEST_SOURCE, time=datetime(2026, 3, 1, tzinfo=UTC))
        items.append(BatchItem(FakeRecord(value), decode(value, headers, topic=event.event_type)))
    return items
