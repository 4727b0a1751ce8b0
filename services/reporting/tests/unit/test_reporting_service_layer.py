"""Reporting use cases over in-memory ports: ingesting batches, a report, a rebuild."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from reporting_events import empty_invoice, stage_change
from reporting_fakes import TRUSTED, InMemoryFactLog, InMemoryReadModels, delivered

from reporting.domain.segments import SegmentThresholds
from reporting.service_layer.ingest import Ingestor
from reporting.service_layer.queries import Filters, Reports
from shared.contracts import (
    ClientSegmentChangedV1,
    PaymentReceivedV1,
    StageKind,
)
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
