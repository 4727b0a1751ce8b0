"""What the reporting use cases need from storage and Kafka, implemented in `adapters`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any, Protocol, TypeVar

from reporting.domain.client_segment import ClientSegmentState
from reporting.domain.fact_log import LoggedEvent, ProjectionVersions
from reporting.domain.plans import PlanVersion
from reporting.domain.read_models import RecordChange, Selection, StoredRecord
from shared.contracts.codec import DecodedEvent
from shared.contracts.events.base import EventModel

R = TypeVar("R")


class FactLog(Protocol):
    """The append-only log of facts every version is folded from, and the versions' state."""

    async def versions(self) -> ProjectionVersions:
        """The active version, the rebuild in progress and versions left to drop."""
        ...

    async def change(
        self, transition: Callable[[ProjectionVersions], ProjectionVersions | None]
    ) -> ProjectionVersions | None:
        """Apply a transition of the versions' state atomically; None if it refused."""
        ...

    async def append(self, events: Sequence[LoggedEvent]) -> int:
        """Store events not stored yet (same key: stored once); return how many were new."""
        ...

    def stream(self, batch: int) -> AsyncIterator[list[LoggedEvent]]:
        """Every fact, in batches of `batch`, in no particular order."""
        ...


class ReadModels(Protocol):
    """Per-entity records of each projection version, found by the keys they are stored with."""

    async def load(self, version: int, kind: str, ids: Sequence[str]) -> dict[str, StoredRecord]:
        """The stored records of these entities, by entity id; absent ones are left out."""
        ...

    async def write(self, version: int, kind: str, changes: Sequence[RecordChange]) -> set[str]:
        """Store the changes; return the entities someone else wrote since they were loaded."""
        ...

    async def select(self, version: int, selections: Sequence[Selection]) -> dict[str, Any]:
        """The records any of the selections (all of one kind) holds, by entity id."""
        ...

    async def drop_version(self, version: int) -> None:
        """Remove every record of a version nobody reads any more."""
        ...


class ClientSegments(Protocol):
    """Each client's last published segment; a save publishes its recorded change with it."""

    async def get(self, aggregate_id: str) -> ClientSegmentState | None:
        """The client's stored segment, or None."""
        ...

    async def add(self, aggregate: ClientSegmentState, *, causation_id: str | None = None) -> bool:
        """Store a client seen for the first time; False if another writer stored it first."""
        ...

    async def save(self, aggregate: ClientSegmentState, *, causation_id: str | None = None) -> None:
        """Write the change of a loaded client; raise if someone wrote it meanwhile."""
        ...

    async def update(
        self,
        aggregate_id: str,
        change: Callable[[ClientSegmentState], R],
        *,
        causation_id: str | None = None,
        attempts: int = 5,
    ) -> tuple[ClientSegmentState, R] | None:
        """Load, change and save a client, again on a lost race; None if it is not stored."""
        ...

    async def all_clients(self) -> list[ClientSegmentState]:
        """Every stored client."""
        ...


class PlanStore(Protocol):
    """The plans the head of sales sets: every version of each period's and subject's plan."""

    async def add(self, period: str, subject: str, version: PlanVersion) -> None:
        """Append a version (its `version` number is ignored: versions number by position)."""
        ...

    async def history(self, period: str, subject: str) -> list[PlanVersion]:
        """Every version of the plan, oldest first (empty: no plan)."""
        ...

    async def of_period(self, period: str) -> dict[str, list[PlanVersion]]:
        """Every subject's plan versions for the period, by subject."""
        ...


class TeamMembers(Protocol):
    """Who is in a team."""

    async def members(self, team: str) -> frozenset[str]:
        """The team's managers (empty for a team nobody is in)."""
        ...


class KafkaRecord(Protocol):
    """The part of a consumed Kafka record the fact log keeps: its value, as sent."""

    @property
    def value(self) -> bytes | None:
        """The message's bytes."""
        ...


class Delivered(Protocol):
    """One consumed message: the event decoded from it, and the record it came in."""

    @property
    def record(self) -> KafkaRecord:
        """The Kafka record."""
        ...

    @property
    def decoded(self) -> DecodedEvent[EventModel]:
        """Its envelope and typed event."""
        ...
