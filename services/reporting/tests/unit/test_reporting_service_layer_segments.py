"""The segment watcher over in-memory ports: each change is published once, with its figures."""

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from reporting_events import stage_change
from reporting_fakes import (
    TRUSTED,
    InMemoryClientSegments,
    InMemoryFactLog,
    InMemoryReadModels,
    delivered,
)

from reporting.domain.client_segment import ClientSegmentState
from reporting.domain.segments import Segment, SegmentThresholds
from reporting.service_layer.ingest import Ingestor
from reporting.service_layer.queries import Reports
from reporting.service_layer.segment_watcher import SegmentWatcher
from shared.contracts import StageKind
from shared.platform.clock import ManualClock

pytestmark = pytest.mark.unit

TOPIC = "client.segment_changed"


class StaleSnapshot(InMemoryClientSegments):
    """Another replica's view: the clients as they were before the other replica's check."""

    snapshot: list[ClientSegmentState] | None = None

    async def all_clients(self) -> list[ClientSegmentState]:
        """The snapshot if one was taken, else what is stored."""
        return self.snapshot if self.snapshot is not None else self.all()


async def watcher_with_d1_won_on_20_march(
    clock: ManualClock, clients: InMemoryClientSegments, on_published: Callable[[], None]
) -> SegmentWatcher:
    log, records = InMemoryFactLog(), InMemoryReadModels()
    won = stage_change("D1", to="won", kind=StageKind.WON, day=20, amount="1000.00")
    await Ingestor(log, records, payment_sources=TRUSTED).ingest(delivered(won))
    reports = Reports(log, records, time_zone="Europe/Moscow", thresholds=SegmentThresholds())
    return SegmentWatcher(clients, reports, clock=clock, interval=3600, on_published=on_published)


def move(segment: Segment, clock: ManualClock) -> Callable[[ClientSegmentState], bool]:
    """Another replica's move of a client, as its watcher makes it."""

    def change(client: ClientSegmentState) -> bool:
        return client.move_to(segment, last_purchase_on=None, now=clock.now())

    return change


def payloads(clients: InMemoryClientSegments) -> list[dict[str, object]]:
    return [json.loads(message.value) for message in clients.published_on(TOPIC)]


async def test_a_segment_change_is_published_once_and_the_next_one_from_it() -> None:
    clock = ManualClock(datetime(2026, 4, 1, tzinfo=UTC))  # 12 days after the purchase: hot
    clients = InMemoryClientSegments(clock=clock)
    published: list[int] = []
    watcher = await watcher_with_d1_won_on_20_march(clock, clients, lambda: published.append(1))
    assert await watcher.check() == 1
    assert await watcher.check() == 0
    [first] = clients.published_on(TOPIC)
    assert first.key == "client-D1" and first.headers["ce_source"] == "urn:voronka:reporting"
    assert "ce_causationid" not in first.headers
    assert json.loads(first.value) == {
        "client_id": "client-D1",
        "from_segment": None,
        "to_segment": "hot",
        "last_purchase_on": "2026-03-20",
        "manager_id": None,
        "changed_at": "2026-04-01T00:00:00Z",
    }
    clock.set(datetime(2026, 5, 25, tzinfo=UTC))  # 66 days: between hot and warm, cooling
    assert await watcher.check() == 1
    assert [(p["from_segment"], p["to_segment"]) for p in payloads(clients)] == [
        (None, "hot"),
        ("hot", "cooling"),
    ]
    assert clients.documents["client-D1"]["segment"] == "cooling"
    assert published == [1, 1]


async def test_a_change_another_replica_already_published_is_not_published_again() -> None:
    clock = ManualClock(datetime(2026, 4, 1, tzinfo=UTC))
    clients = StaleSnapshot(clock=clock)
    published: list[int] = []
    watcher = await watcher_with_d1_won_on_20_march(clock, clients, lambda: published.append(1))
    clients.snapshot = []  # this replica read the clients before the other one stored D1
    first = ClientSegmentState(client_id="client-D1")
    move(Segment.HOT, clock)(first)
    assert await clients.add(first)
    assert await watcher.check() == 0
    clock.set(datetime(2026, 5, 25, tzinfo=UTC))
    clients.snapshot = clients.all()  # read while D1 was hot...
    assert await clients.update("client-D1", move(Segment.COOLING, clock))
    assert await watcher.check() == 0  # ...while the other replica moved it to cooling
    assert [(p["from_segment"], p["to_segment"]) for p in payloads(clients)] == [
        (None, "hot"),
        ("hot", "cooling"),
    ]
    assert published == []
