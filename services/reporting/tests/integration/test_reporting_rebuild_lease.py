"""Rebuilds on the real server: one holder at a time, taken over after a crash, old logs adopted."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from reporting_events import stage_change
from reporting_fakes import TRUSTED, delivered

from reporting.adapters.indexes import INDEXES
from reporting.adapters.read_models import MongoReadModels
from reporting.adapters.records import MongoFactLog
from reporting.domain.fact_log import LoggedEvent, ProjectionVersions
from reporting.domain.read_models import Selection
from reporting.service_layer.ingest import Ingestor
from reporting.service_layer.rebuild import Projections
from shared.contracts import StageKind
from shared.platform.clock import ManualClock
from shared.platform.indexes import ensure_indexes

pytestmark = pytest.mark.integration

T0 = datetime(2026, 4, 1, 9, tzinfo=UTC)
LEASE = 30.0


class KilledAfter(MongoFactLog):
    """A fact log whose reader dies (kill -9) after its second batch."""

    async def stream(self, batch: int) -> AsyncIterator[list[LoggedEvent]]:
        batches = 0
        async for chunk in super().stream(batch):
            if batches == 2:
                raise ConnectionError("kill -9")
            batches += 1
            yield chunk


async def test_a_crashed_rebuild_is_refused_to_others_until_its_lease_ends_then_finished(
    mongo_db: Any,
) -> None:
    await ensure_indexes(mongo_db, INDEXES)
    clock, records = ManualClock(T0), MongoReadModels(mongo_db)
    events = [
        stage_change(f"D{i}", "qualification", StageKind.OPEN, 1 + i % 28, "10.00")
        for i in range(70)
    ]
    await Ingestor(MongoFactLog(mongo_db), records, payment_sources=TRUSTED).ingest(
        delivered(*events)
    )
    live = await records.select(1, [Selection("deals")])

    dying = Projections(KilledAfter(mongo_db), records, clock=clock, holder="a", page=20)
    with pytest.raises(ConnectionError):
        await dying.rebuild()
    other = Projections(MongoFactLog(mongo_db), records, clock=clock, holder="b", page=20)
    assert await other.rebuild() is None  # a's lease still runs
    state = await other.versions()
    assert state.rebuild is not None and state.rebuild.folded == 40
    clock.advance(timedelta(seconds=LEASE + 1))
    await other.tend()
    assert await other.versions() == ProjectionVersions(active=2)
    assert await records.select(2, [Selection("deals")]) == live
    assert await records.select(1, [Selection("deals")]) == {}


async def test_facts_kept_per_version_before_are_adopted_into_the_one_log(mongo_db: Any) -> None:
    old = [
        {"_id": f"k{i}", "type": "deal.stage_changed", "version": 1, "payload": "{}"}
        for i in range(3)
    ]
    await mongo_db["v1_facts"].insert_many(old)
    await mongo_db["facts"].insert_one(old[0])  # a copy interrupted halfway
    log = MongoFactLog(mongo_db)
    assert await log.adopt_versioned_logs() == 2
    assert [event.key for event in await log.load()] == ["k0", "k1", "k2"]
    assert "v1_facts" not in await mongo_db.list_collection_names()
    assert await log.adopt_versioned_logs() == 0
