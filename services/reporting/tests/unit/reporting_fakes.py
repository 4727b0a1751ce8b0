"""In-memory fakes of the reporting ports, and wire events delivered as a consumer sees them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from reporting.adapters.client_segments import SOURCE, ClientSegmentMapper
from reporting.domain.client_segment import ClientSegmentState
from reporting.domain.fact_log import LoggedEvent, ProjectionVersions
from shared.contracts import EventModel, decode, encode
from shared.platform.clock import Clock
from shared.platform.consumer import BatchItem
from shared.platform.repository import message_on_own_topic
from shared.testing.fakes import InMemoryRepository


class InMemoryFactLog:
    """The fact log in dicts: one per version, keyed like the real one, in append order."""

    def __init__(self) -> None:
        self.active = 1
        self.building: list[int] = []
        self.facts: dict[int, dict[str, LoggedEvent]] = {}

    async def versions(self) -> ProjectionVersions:
        """The active and building versions."""
        return ProjectionVersions(self.active, tuple(self.building))

    async def start_building(self) -> int:
        """Reserve the next version number."""
        version = (await self.versions()).next_version()
        self.building.append(version)
        return version

    async def activate(self, version: int) -> int:
        """Switch to `version`; return the one it replaced."""
        previous, self.active = self.active, version
        self.building = [v for v in self.building if v != version]
        return previous

    async def drop_version(self, version: int) -> None:
        """Forget a version's facts."""
        self.facts.pop(version, None)

    async def append(self, version: int, events: Sequence[LoggedEvent]) -> int:
        """Keep events whose key is new; return how many were."""
        stored = self.facts.setdefault(version, {})
        before = len(stored)
        for event in events:
            stored.setdefault(event.key, event)
        return len(stored) - before

    async def appended(self, version: int) -> int:
        """How many facts the version holds."""
        return len(self.facts.get(version, {}))

    async def load(self, version: int) -> list[LoggedEvent]:
        """The version's facts in append order."""
        return list(self.facts.get(version, {}).values())


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
        value, headers = encode(event, source="urn:test", time=datetime(2026, 3, 1, tzinfo=UTC))
        items.append(BatchItem(FakeRecord(value), decode(value, headers, topic=event.event_type)))
    return items
