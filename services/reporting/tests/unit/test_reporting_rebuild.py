"""Rebuilds over in-memory ports: from the fact log, one holder at a time, resumed after a crash."""

from datetime import UTC, datetime, timedelta

import pytest
from reporting_events import stage_change
from reporting_fakes import TRUSTED, InMemoryFactLog, InMemoryReadModels, delivered
from reporting_world import fold_all, world

from reporting.domain.fact_log import ProjectionVersions, Rebuild
from reporting.domain.facts import Fact
from reporting.domain.read_models import KINDS, Selection
from reporting.service_layer.ingest import Ingestor
from reporting.service_layer.rebuild import Projections, RebuildTakenOver
from reporting.service_layer.records import merge_facts
from reporting.service_layer.translate import fact_of
from shared.contracts import EventModel, StageKind
from shared.platform.clock import ManualClock

pytestmark = pytest.mark.unit

T0 = datetime(2026, 4, 1, 9, tzinfo=UTC)
LEASE = 30.0


def logged_world(seed: int) -> tuple[InMemoryFactLog, list[EventModel]]:
    """An empty fact log and a few pages of stage changes: 60 deals, every third one won."""
    events: list[EventModel] = []
    for i in range(60):
        deal, day, amount = f"D{seed}-{i}", 1 + i % 28, f"{1000 + i}.00"
        events.append(stage_change(deal, "qualification", StageKind.OPEN, day, amount))
        if i % 3 == 0:
            events.append(stage_change(deal, "won", StageKind.WON, day + 1, amount))
    return InMemoryFactLog(), events


def facts_in(events: list[EventModel]) -> list[Fact]:
    """The facts the events carry."""
    return [fact for fact in map(fact_of, events) if fact is not None]


async def records_of(records: InMemoryReadModels, version: int) -> dict[str, dict[str, object]]:
    return {kind: await records.select(version, [Selection(kind)]) for kind in KINDS}


def projections(
    log: InMemoryFactLog, records: InMemoryReadModels, clock: ManualClock, holder: str
) -> Projections:
    return Projections(log, records, clock=clock, holder=holder, lease_seconds=LEASE, page=25)


async def test_a_rebuild_folds_the_whole_log_with_live_batches_and_switches() -> None:
    log, events = logged_world(1)
    records, clock = InMemoryReadModels(), ManualClock(T0)
    ingestor = Ingestor(log, records, payment_sources=TRUSTED)
    half = len(events) // 2
    await ingestor.ingest(delivered(*events[:half]))
    older = dict(log.facts)
    records.stored = {k: v for k, v in records.stored.items() if k[1] != "deals"}  # a fold bug, say

    async def live_ingest_meanwhile(batches_read: int) -> None:
        if batches_read == 1:  # live ingestion goes on during the rebuild
            await ingestor.ingest(delivered(*events[half:]))

    log.before_batch = live_ingest_meanwhile
    assert await projections(log, records, clock, "a").rebuild() == 2
    assert log.state == ProjectionVersions(active=2)
    assert set(older) <= set(log.facts)  # the history is never dropped
    assert await records_of(records, 2) == fold_all(facts_in(events))
    assert records.count(1) == 0


async def test_a_rebuild_held_elsewhere_is_refused_until_its_lease_runs_out_then_taken_over() -> (
    None
):
    log, events = logged_world(2)
    records, clock = InMemoryReadModels(), ManualClock(T0)
    await Ingestor(log, records, payment_sources=TRUSTED).ingest(delivered(*events))

    async def killed_at_the_third_batch(batches_read: int) -> None:
        if batches_read == 2:
            raise ConnectionError("kill -9")

    log.before_batch = killed_at_the_third_batch
    with pytest.raises(ConnectionError):
        await projections(log, records, clock, "a").rebuild()
    log.before_batch = None
    stopped = log.state.rebuild
    assert stopped is not None and stopped.holder == "a" and stopped.folded == 50
    other = projections(log, records, clock, "b")
    assert await other.rebuild() is None and await other.running()
    clock.advance(timedelta(seconds=LEASE + 1))
    assert not await other.running()
    await other.tend()
    assert log.state == ProjectionVersions(active=2)
    assert await records_of(records, 2) == fold_all(facts_in(events))


async def test_a_stalled_holder_that_lost_its_rebuild_stops() -> None:
    log, events = logged_world(3)
    records, clock = InMemoryReadModels(), ManualClock(T0)
    await Ingestor(log, records, payment_sources=TRUSTED).ingest(delivered(*events))

    async def stalled_past_the_lease(batches_read: int) -> None:
        if batches_read == 1:
            clock.advance(timedelta(seconds=LEASE + 1))
            until = clock.now() + timedelta(seconds=LEASE)
            await log.change(lambda s: s.claimed("b", clock.now(), until))

    log.before_batch = stalled_past_the_lease
    with pytest.raises(RebuildTakenOver):
        await projections(log, records, clock, "a").rebuild()
    assert log.state.rebuild is not None and log.state.rebuild.holder == "b"


async def test_versions_a_crash_left_behind_are_dropped_by_the_watch() -> None:
    log, records, clock = InMemoryFactLog(), InMemoryReadModels(), ManualClock(T0)
    facts = world(4, leads=5, deals=2)
    await merge_facts(records, 1, facts)
    await merge_facts(records, 2, facts)
    log.state = ProjectionVersions(active=2, retired=(1,))
    await projections(log, records, clock, "a").tend()
    assert log.state == ProjectionVersions(active=2)
    assert records.count(1) == 0 and records.count(2) > 0


def test_a_claim_keeps_the_stopped_rebuild_and_refuses_a_running_one() -> None:
    until = T0 + timedelta(seconds=LEASE)
    fresh = ProjectionVersions(active=3).claimed("a", T0, until)
    assert fresh == ProjectionVersions(3, Rebuild(4, "a", until))
    running = ProjectionVersions(3, Rebuild(4, "a", until, folded=900))
    assert running.claimed("b", T0, until) is None
    later = until + timedelta(seconds=1)
    taken = running.claimed("b", later, later + timedelta(seconds=LEASE))
    assert taken == ProjectionVersions(3, Rebuild(4, "b", later + timedelta(seconds=LEASE), 0))
    assert running.advanced("b", 1000, later) is None and running.finished("b") is None
    assert running.finished("a") == ProjectionVersions(4, None, (3,))
