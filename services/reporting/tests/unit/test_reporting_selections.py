"""Reports over the records their selections read equal the same reports over every record."""

from datetime import UTC, datetime
from typing import Any

import pytest
from reporting_fakes import InMemoryFactLog, InMemoryReadModels
from reporting_world import BOUNDED, filter_sets, fold_all, world

from reporting.domain import activity as act
from reporting.domain import channels as chan
from reporting.domain import claims as clm
from reporting.domain import funnel as fun
from reporting.domain import receivables as rec
from reporting.domain import sales as sal
from reporting.domain import segments as seg
from reporting.domain.read_models import Selection, keys_of, to_ms
from reporting.domain.segments import SegmentThresholds
from reporting.service_layer.queries import Filters, Reports
from reporting.service_layer.records import merge_facts

pytestmark = pytest.mark.unit

TZ = "Europe/Moscow"
NOW = datetime(2026, 5, 15, tzinfo=UTC)
SEEDS = (1, 2, 3)


async def reports_of(seed: int) -> tuple[Reports, InMemoryReadModels, dict[str, dict[str, Any]]]:
    """Reports over the world's records merged batch by batch, and the whole fold of it."""
    facts = world(seed)
    records = InMemoryReadModels()
    for start in range(0, len(facts), 37):
        await merge_facts(records, 1, facts[start : start + 37])
    reports = Reports(InMemoryFactLog(), records, time_zone=TZ, thresholds=SegmentThresholds())
    return reports, records, fold_all(facts)


def whole_reports(every: dict[str, dict[str, Any]], f: Filters) -> dict[str, Any]:
    """Each report straight from the domain over every record."""
    funnel_state = fun.FunnelState(leads=every["leads"], deals=every["deals"])
    activity_state = act.ActivityState(
        activities=every["activities"],
        tasks=every["tasks"],
        leads=every["leads"],
        deals=every["deals"],
    )
    money = rec.ReceivablesState(invoices=every["invoices"], payments=every["payments"])
    origins = fun.lead_origins(every["leads"])
    deal_filters: dict[str, Any] = {
        "manager_id": f.manager_id,
        "currency": f.currency,
        "client_id": f.client_id,
        "team": f.team,
        "channel": f.channel,
        "origins": origins,
    }
    segments_state = seg.SegmentsState(deals=every["deals"], claims=every["claims"])
    return {
        "funnel": fun.report_funnel(
            funnel_state,
            as_of=f.as_of,
            period=f.period,
            manager_id=f.manager_id,
            team=f.team,
            channel=f.channel,
        ),
        "sales": sal.report_sales(
            sal.SalesState(deals=every["deals"]), as_of=f.as_of, period=f.period, **deal_filters
        ),
        "sales_by_manager": sal.report_sales_by_manager(
            sal.SalesState(deals=every["deals"]), as_of=f.as_of, period=f.period, **deal_filters
        ),
        "activity": act.report_activity(
            activity_state,
            act.Granularity.WEEK,
            as_of=f.as_of,
            period=f.period,
            manager_id=f.manager_id,
            time_zone=TZ,
        ),
        "objections": act.report_objections(
            activity_state, as_of=f.as_of, period=f.period, manager_id=f.manager_id
        ),
        "response": act.report_response(
            activity_state,
            as_of=f.as_of,
            period=f.period,
            team=f.team,
            channel=f.channel,
            manager_id=f.manager_id,
        ),
        "leaderboard": act.leaderboard(
            activity_state,
            currency="RUB",
            as_of=f.as_of,
            period=f.period,
            manager_id=f.manager_id,
        ),
        "invoiced_vs_paid": rec.report_invoiced_vs_paid(
            money,
            as_of=f.as_of,
            period=f.period,
            manager_id=f.manager_id,
            client_id=f.client_id,
            currency=f.currency,
        ),
        "overdue": rec.report_overdue(
            money,
            as_of=f.as_of or NOW,
            time_zone=TZ,
            manager_id=f.manager_id,
            client_id=f.client_id,
            currency=f.currency,
        ),
        "discipline": rec.report_discipline(
            money,
            as_of=f.as_of or NOW,
            time_zone=TZ,
            manager_id=f.manager_id,
            client_id=f.client_id,
        ),
        "channels": chan.report_channels(
            funnel_state, as_of=f.as_of, period=f.period, channel=f.channel
        ),
        "claims": clm.report_claims(
            clm.ClaimsState(claims=every["claims"]),
            as_of=f.as_of,
            period=f.period,
            client_id=f.client_id,
        ),
        "segments": seg.client_segments(
            segments_state,
            as_of=f.as_of or NOW,
            thresholds=SegmentThresholds(),
            time_zone=TZ,
            manager_id=f.manager_id,
            client_id=f.client_id,
        ),
        "churn": seg.report_churn_reasons(
            segments_state,
            as_of=f.as_of,
            period=f.period,
            clients=None if f.client_id is None else {f.client_id},
        ),
    }


async def selected_reports(reports: Reports, f: Filters) -> dict[str, Any]:
    """The same reports through the service layer, which reads only what it selects."""
    return {
        "funnel": await reports.funnel(f),
        "sales": await reports.sales(f),
        "sales_by_manager": await reports.sales_by_manager(f),
        "activity": await reports.activity(f, act.Granularity.WEEK),
        "objections": await reports.objections(f),
        "response": await reports.response(f),
        "leaderboard": await reports.leaderboard(f, "RUB"),
        "invoiced_vs_paid": await reports.invoiced_vs_paid(f),
        "overdue": await reports.overdue(f, NOW),
        "discipline": await reports.discipline(f, NOW),
        "channels": await reports.channels(f),
        "claims": await reports.claims(f),
        "segments": await reports.segments(f, NOW),
        "churn": await reports.churn(f),
    }


@pytest.mark.parametrize("seed", SEEDS)
async def test_every_report_over_its_selection_equals_the_report_over_every_record(
    seed: int,
) -> None:
    reports, _records, every = await reports_of(seed)
    for f in [Filters(), BOUNDED, *filter_sets(seed, 60)]:
        assert await selected_reports(reports, f) == whole_reports(every, f), f


async def test_merged_batch_by_batch_the_records_equal_the_whole_fold() -> None:
    _reports, records, every = await reports_of(4)
    stored = {
        kind: {
            entity: record for (v, k, entity), (_rev, record) in records.stored.items() if k == kind
        }
        for kind in every
    }
    assert stored == every


async def test_a_bounded_report_reads_only_records_near_its_period() -> None:
    reports, records, every = await reports_of(5)
    week = Filters(
        period=BOUNDED.period
        and type(BOUNDED.period)(BOUNDED.period.start, BOUNDED.period.start.replace(day=8))
    )
    records.selected.clear()
    await reports.funnel(week)
    lead_selections = [s for s in records.selected if s.kind == "leads"]
    read = await records.select(1, lead_selections)
    assert 0 < len(read) < len(every["leads"]) / 5
    assert Selection("leads") not in records.selected


async def test_a_redelivered_batch_writes_nothing() -> None:
    facts = world(6)
    records = InMemoryReadModels()
    assert await merge_facts(records, 1, facts) > 0
    before = dict(records.stored)
    assert await merge_facts(records, 1, facts[:50]) == 0
    assert records.stored == before


async def test_a_record_changed_by_another_writer_is_merged_again_not_overwritten() -> None:
    facts = world(7)
    leads = [
        f
        for f in facts
        if getattr(f, "lead_id", None) == "L1" and type(f).__name__.startswith("Lead")
    ]
    first, rest = leads[:1], leads[1:]
    records = InMemoryReadModels()
    await merge_facts(records, 1, first)
    other = InMemoryReadModels()
    other.stored = records.stored  # another writer on the same store...
    original_load = records.load

    async def load_then_other_writes(version: int, kind: str, ids: Any) -> Any:
        loaded = await original_load(version, kind, ids)
        if rest:
            await merge_facts(other, version, [rest.pop()])  # ...writes between load and save
        return loaded

    records.load = load_then_other_writes  # type: ignore[method-assign]
    await merge_facts(records, 1, first + leads[1:])
    assert records.stored[(1, "leads", "L1")][1] == fold_all(leads)["leads"]["L1"]


def test_keys_cut_instants_to_the_milliseconds_mongodb_keeps() -> None:
    at = datetime(2026, 3, 1, 20, 59, 59, 999_999, tzinfo=UTC)
    assert to_ms(at) == datetime(2026, 3, 1, 20, 59, 59, 999_000, tzinfo=UTC)
    record = {"at": at.isoformat(), "client_id": "c1"}
    assert keys_of("claims", record) == {"at": to_ms(at), "client": "c1"}
