"""Reporting use cases over in-memory ports: ingesting batches, a report, a rebuild."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from reporting_events import (
    at,
    deal_activity,
    empty_invoice,
    stage_change,
    task_completed,
    task_overdue,
)
from reporting_fakes import TRUSTED, InMemoryFactLog, InMemoryReadModels, delivered

from reporting.domain.activity import ActivityCounts, Granularity, LeaderboardRow
from reporting.domain.read_models import KINDS, Selection
from reporting.domain.segments import SegmentThresholds
from reporting.service_layer.ingest import Ingestor
from reporting.service_layer.queries import Filters, Reports
from reporting.service_layer.rebuild import Projections
from shared.contracts import (
    ActivityKind,
    ClientSegmentChangedV1,
    PaymentReceivedV1,
    StageKind,
)
from shared.contracts.events.tasks import OverdueLevel, TaskResolution
from shared.platform.clock import ManualClock
from shared.platform.consumer import BatchItem

pytestmark = pytest.mark.unit

RUB = "RUB"


def march() -> list[BatchItem]:
    """D1 and D2 won (150 000 after 10 days, 50 000 after 3), D3 open at 100 000 × 0.5."""
    return delivered(
        stage_change("D1", to="qualification", kind=StageKind.OPEN, day=2, amount="150000.00"),
        stage_change("D2", to="qualification", kind=StageKind.OPEN, day=5, amount="50000.00"),
        stage_change("D3", to="proposal", kind=StageKind.OPEN, day=6, amount="100000.00"),
        stage_change("D2", to="won", kind=StageKind.WON, day=8, amount="50000.00", probability="1"),
        stage_change(
            "D1", to="won", kind=StageKind.WON, day=12, amount="150000.00", probability="1"
        ),
    )


def reports_over(log: InMemoryFactLog, records: InMemoryReadModels) -> Reports:
    return Reports(log, records, time_zone="Europe/Moscow", thresholds=SegmentThresholds())


async def test_a_batch_is_appended_once_and_its_redelivery_appends_nothing() -> None:
    log, records = InMemoryFactLog(), InMemoryReadModels()
    ingestor = Ingestor(log, records, payment_sources=TRUSTED)
    assert await ingestor.ingest(march()) == 5
    # Delivered again with new envelopes (new ids, times): the payload bytes are the same.
    await ingestor(march())
    stored = await log.load()
    assert len(stored) == 5
    assert {event.type for event in stored} == {"deal.stage_changed"}


async def test_events_no_report_uses_are_not_appended() -> None:
    log, records = InMemoryFactLog(), InMemoryReadModels()
    segment_changed = ClientSegmentChangedV1(
        client_id="client-D1", to_segment="hot", changed_at=datetime(2026, 3, 1, tzinfo=UTC)
    )
    assert (
        await Ingestor(log, records, payment_sources=TRUSTED).ingest(delivered(segment_changed))
        == 0
    )
    assert await log.load() == []


async def test_a_batch_with_an_event_no_fold_can_take_appends_nothing() -> None:
    log, records = InMemoryFactLog(), InMemoryReadModels()
    with pytest.raises(ValueError, match="installment"):
        await Ingestor(log, records, payment_sources=TRUSTED).ingest(
            [*march(), *delivered(empty_invoice())]
        )
    assert await log.load() == []


async def test_sales_figures_over_the_ingested_facts() -> None:
    log, records = InMemoryFactLog(), InMemoryReadModels()
    ingestor = Ingestor(log, records, payment_sources=TRUSTED)
    await ingestor.ingest(march())
    reports = reports_over(log, records)
    sales = await reports.sales(Filters())
    assert sales.won_count == 2
    assert sales.won_sum == {RUB: Decimal("200000.00")}
    assert sales.average_deal == {RUB: Decimal("100000.00")}
    # Time to close: 10 and 3 days; the median of two is their mean, p90 the larger one.
    assert sales.time_to_close_median == timedelta(days=6, hours=12)
    assert sales.time_to_close_p90 == timedelta(days=10)
    assert (sales.open_count, sales.open_sum) == (1, {RUB: Decimal("100000.00")})
    assert sales.weighted_pipeline == {RUB: Decimal("50000.00")}
    # More facts arrived: the next report sees them (D3 lost).
    lost = stage_change("D3", to="lost", kind=StageKind.LOST, day=20, amount="100000.00")
    await ingestor.ingest(delivered(lost))
    after = await reports.sales(Filters())
    assert (after.lost_count, after.open_count, after.won_count) == (1, 0, 2)


async def test_a_payment_from_a_source_deals_does_not_trust_is_not_counted() -> None:
    """Deals dead-letters such a payment; counting it would show money no invoice received."""
    payment = PaymentReceivedV1.model_validate(
        {
            "payment_id": "pay-forged",
            "invoice_id": "I1",
            "amount": {"amount": "300000.00", "currency": RUB},
            "paid_at": datetime(2026, 3, 10, tzinfo=UTC),
        }
    )
    log, records = InMemoryFactLog(), InMemoryReadModels()
    assert await Ingestor(log, records, payment_sources=()).ingest(delivered(payment)) == 0
    assert await log.load() == []
    assert await Ingestor(log, records, payment_sources=TRUSTED).ingest(delivered(payment)) == 1


def worked_after_the_win() -> list[BatchItem]:
    """m1 works client-D1 after D1 was won on 12 March (09:00 UTC is 12:00 in Moscow)."""
    return delivered(
        deal_activity("dc1", ActivityKind.CALL, at(13), deal="D1"),
        deal_activity("dc2", ActivityKind.OBJECTION, at(13, 10), deal="D1", category="price"),
        deal_activity("dc3", ActivityKind.MEETING, at(16), client="client-D1"),
        task_completed("t1", at(13, 12)),
        task_completed("t2", at(13, 13), resolution=TaskResolution.CANCELLED),
        task_overdue("t3", at(16, 6)),
        task_overdue("t3", at(16, 8), level=OverdueLevel.TEAM_LEAD),
    )


async def test_a_call_on_a_won_deal_counts_and_a_rebuild_from_the_log_counts_the_same() -> None:
    log, records = InMemoryFactLog(), InMemoryReadModels()
    ingestor = Ingestor(log, records, payment_sources=TRUSTED)
    await ingestor.ingest(march())
    # The cancelled task and the overdue told to the team lead are no facts: 7 events, 5 used.
    assert await ingestor.ingest(worked_after_the_win()) == 5
    assert await ingestor.ingest(worked_after_the_win()) == 5  # redelivered: the same figures
    reports = reports_over(log, records)
    daily = await reports.activity(Filters(), Granularity.DAY)
    assert daily == {
        "m1": {
            "2026-03-13": ActivityCounts(calls=1, objections=1, tasks_done=1),
            "2026-03-16": ActivityCounts(meetings=1, tasks_overdue=1),
        }
    }
    assert await reports.objections(Filters()) == {"m1": {"price": 1}}
    # m1 won D1 (150 000) and D2 (50 000) and made two contacts: the call and the meeting.
    assert await reports.leaderboard(Filters(), RUB) == (
        LeaderboardRow("m1", Decimal("200000.00"), 2, 2),
    )
    live = {kind: await records.select(1, [Selection(kind)]) for kind in KINDS}
    clock = ManualClock(datetime(2026, 4, 1, tzinfo=UTC))
    assert await Projections(log, records, clock=clock, holder="a").rebuild() == 2
    assert {kind: await records.select(2, [Selection(kind)]) for kind in KINDS} == live
    assert await reports.activity(Filters(), Granularity.DAY) == daily
