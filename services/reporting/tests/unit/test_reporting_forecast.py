"""Forecast, stage analytics and product demand, with figures worked out by hand (issue 17)."""

import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from reporting_fakes import InMemoryFactLog, InMemoryReadModels
from reporting_small_world import small_world_reports
from reporting_world import filter_sets, fold_all, world

from reporting.domain import forecast as fct
from reporting.domain import products as prd
from reporting.domain import stages as stg
from reporting.domain.facts import (
    DealLine,
    DealReassigned,
    DealStageChanged,
    Fact,
    Period,
    StageKind,
)
from reporting.domain.read_models import keys_of
from reporting.domain.sales import DealRecord, SalesState, deal_as_of, fold
from reporting.domain.segments import SegmentThresholds
from reporting.entrypoints.render import plain
from reporting.service_layer.queries import Filters, Reports
from reporting.service_layer.records import merge_facts

pytestmark = pytest.mark.unit

TZ = "Europe/Moscow"
MAY = Period(date(2026, 5, 1), date(2026, 6, 1), TZ)
MARCH = Period(date(2026, 3, 1), date(2026, 4, 1), TZ)
OPEN, WON, LOST = StageKind.OPEN, StageKind.WON, StageKind.LOST


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def change(
    deal: str,
    to_stage: str,
    when: datetime,
    *,
    manager: str = "m1",
    amount: str = "1000",
    currency: str = "RUB",
    kind: StageKind = OPEN,
    probability: str | None = None,
    close_on: date | None = None,
    reason: str | None = None,
    lines: tuple[DealLine, ...] | None = None,
) -> DealStageChanged:
    return DealStageChanged(
        deal_id=deal,
        pipeline_id="main",
        from_stage=None,
        to_stage=to_stage,
        to_stage_kind=kind,
        changed_at=when,
        amount=Decimal(amount),
        currency=currency,
        client_id="c1",
        manager_id=manager,
        lost_reason=reason,
        stage_probability=None if probability is None else Decimal(probability),
        expected_close_on=close_on,
        lines=lines,
    )


def deals_of(facts: Sequence[Fact]) -> dict[str, DealRecord]:
    return dict(fold(SalesState(deals={}), facts)["deals"])


# --- folding the new fields --------------------------------------------------------------


def test_dates_and_lines_are_stored_only_when_the_event_carries_them() -> None:
    old = change("D1", "new", at(3, 1), probability="0.1")
    record = deals_of([old])["D1"]
    # An event from before the fields existed is stored exactly as before, so its
    # redelivery (or the record written by the previous code) is recognised as the same.
    assert record["stages"][0] == {
        "at": "2026-03-01T09:00:00+00:00",
        "pipeline_id": "main",
        "from_stage": None,
        "to_stage": "new",
        "kind": "open",
        "amount": "1000",
        "currency": "RUB",
        "client_id": "c1",
        "manager_id": "m1",
        "lead_id": None,
        "channel": None,
        "lost_reason": None,
        "probability": "0.1",
    }
    assert fold(SalesState(deals={"D1": record}), [old])["deals"]["D1"] == record
    line = DealLine("PUMP-50", "Насос", Decimal("2"), Decimal("285000.00"), "RUB")
    new = change("D1", "proposal", at(3, 2), close_on=date(2026, 4, 30), lines=(line,))
    stored = deals_of([new, old, new])["D1"]["stages"]
    assert len(stored) == 2
    assert stored[1]["expected_close_on"] == "2026-04-30"
    assert stored[1]["lines"] == [
        {
            "sku": "PUMP-50",
            "product": "Насос",
            "quantity": "2",
            "net": "285000.00",
            "currency": "RUB",
        }
    ]
    view = deal_as_of("D1", {"stages": stored})
    assert view is not None
    assert (view.expected_close_on, view.lines) == (date(2026, 4, 30), (line,))
    # A later change without a date keeps the latest date given; the key is the same date.
    later = deals_of([old, new, change("D1", "negotiation", at(3, 3))])["D1"]
    assert deal_as_of("D1", later).expected_close_on == date(2026, 4, 30)  # type: ignore[union-attr]
    assert keys_of("deals", later)["close"] == datetime(2026, 4, 30, tzinfo=UTC)
    assert keys_of("deals", record)["close"] is None


def with_dates_and_lines(facts: list[Fact], seed: int) -> list[Fact]:
    """The world's stage changes, most of them with an expected date and lines."""
    rng = random.Random(seed)
    products = [("P1", "Насос"), ("P2", "Клапан"), (None, "Монтаж"), ("P3", "Фильтр")]
    out: list[Fact] = []
    for fact in facts:
        if isinstance(fact, DealStageChanged) and rng.random() < 0.8:
            chosen = rng.sample(products, rng.randrange(0, 4))
            lines = tuple(
                DealLine(sku, name, Decimal(rng.randrange(1, 5)), Decimal("99.99"), fact.currency)
                for sku, name in chosen
            )
            fact = replace(
                fact,
                expected_close_on=fact.changed_at.date() + timedelta(days=rng.randrange(0, 60)),
                lines=lines if rng.random() < 0.9 else None,
            )
        out.append(fact)
    return out


@pytest.mark.parametrize("seed", [1, 2])
async def test_the_new_reports_over_their_selection_equal_them_over_every_record(
    seed: int,
) -> None:
    facts = with_dates_and_lines(world(seed), seed)
    records = InMemoryReadModels()
    for start in range(0, len(facts), 37):
        await merge_facts(records, 1, facts[start : start + 37])
    every = fold_all(list(reversed(facts)))  # a rebuild, in another order
    stored = {e: r for (_v, k, e), (_rev, r) in records.stored.items() if k == "deals"}
    assert stored == every["deals"]
    reports = Reports(InMemoryFactLog(), records, time_zone=TZ, thresholds=SegmentThresholds())
    deals = every["deals"]
    counted = {"forecast": 0, "stages": 0, "products": 0, "cross_sell": 0}
    for f in [Filters(), *filter_sets(seed, 40)]:
        f = replace(f, as_of=None)
        forecast = await reports.forecast(f)
        assert forecast == fct.report_forecast(
            deals, period=f.period, manager_id=f.manager_id, currency=f.currency
        ), f
        stages = await reports.stages(f)
        assert stages == stg.report_stages(deals, period=f.period, manager_id=f.manager_id), f
        products = await reports.products(f)
        assert products == prd.report_products(deals, period=f.period), f
        pairs = await reports.cross_sell(f)
        assert pairs == prd.report_cross_sell(deals, period=f.period), f
        counted["forecast"] += forecast.total.deals > 0
        counted["stages"] += bool(stages)
        counted["products"] += bool(products)
        counted["cross_sell"] += bool(pairs)
    assert min(counted.values()) >= 10, counted  # the check compares figures, not emptiness


# --- the weighted forecast ---------------------------------------------------------------


def forecast_world() -> dict[str, DealRecord]:
    """Deals expected to close around May 2026.

    F1 m1 RUB 100 000 p 0.8, 10 May: commit, weighted 80 000.
    F2 m1 RUB 50 000.50 p 0.35, 31 May: pipeline, weighted 17 500.175.
    F3 m2 RUB 20 000 p 0.7, 1 May: commit (0.7 is commit), weighted 14 000.
    F4 m2 USD 3 000 no probability, 15 May: pipeline, weighted 0.
    F5 m2 RUB 40 000 p 0.9, 1 June: outside May.
    F6 m1 RUB 70 000 expected 20 May but won 12 May: not open.
    F7 m1 RUB 60 000 p 0.5 without a date: left out.
    F8 m1 RUB 10 000: expected 15 June at p 0.2, then moved to proposal (p 0.6) and
       expected 5 May: pipeline, weighted 6 000.
    """
    return deals_of(
        [
            change(
                "F1",
                "negotiation",
                at(4, 1),
                amount="100000",
                probability="0.8",
                close_on=date(2026, 5, 10),
            ),
            change(
                "F2",
                "proposal",
                at(4, 1),
                amount="50000.50",
                probability="0.35",
                close_on=date(2026, 5, 31),
            ),
            change(
                "F3",
                "negotiation",
                at(4, 2),
                manager="m2",
                amount="20000",
                probability="0.7",
                close_on=date(2026, 5, 1),
            ),
            change(
                "F4",
                "new",
                at(4, 2),
                manager="m2",
                amount="3000",
                currency="USD",
                close_on=date(2026, 5, 15),
            ),
            change(
                "F5",
                "negotiation",
                at(4, 3),
                manager="m2",
                amount="40000",
                probability="0.9",
                close_on=date(2026, 6, 1),
            ),
            change(
                "F6",
                "negotiation",
                at(4, 3),
                amount="70000",
                probability="0.9",
                close_on=date(2026, 5, 20),
            ),
            change("F6", "won", at(5, 12), amount="70000", probability="1", kind=WON),
            change("F7", "proposal", at(4, 4), amount="60000", probability="0.5"),
            change(
                "F8", "new", at(4, 1), amount="10000", probability="0.2", close_on=date(2026, 6, 15)
            ),
            change(
                "F8",
                "proposal",
                at(4, 20),
                amount="10000",
                probability="0.6",
                close_on=date(2026, 5, 5),
            ),
        ]
    )


def test_the_weighted_forecast_by_hand() -> None:
    report = plain(fct.report_forecast(forecast_world(), period=MAY))
    assert report["managers"]["m1"] == {
        "deals": 3,  # F1, F2, F8
        "commit_deals": 1,
        "pipeline_deals": 2,
        "best": {"RUB": "160000.50"},  # 100 000 + 50 000.50 + 10 000
        "commit": {"RUB": "80000.00"},  # 100 000 × 0.8
        "pipeline": {"RUB": "23500.18"},  # 50 000.50 × 0.35 + 10 000 × 0.6 = 23 500.175
        "weighted": {"RUB": "103500.18"},  # 103 500.175
    }
    assert report["managers"]["m2"] == {
        "deals": 2,  # F3, F4
        "commit_deals": 1,
        "pipeline_deals": 1,
        "best": {"RUB": "20000", "USD": "3000"},
        "commit": {"RUB": "14000.00"},  # 20 000 × 0.7
        "pipeline": {"USD": "0.00"},  # no probability weighs 0
        "weighted": {"RUB": "14000.00", "USD": "0.00"},
    }
    assert report["total"] == {
        "deals": 5,
        "commit_deals": 2,
        "pipeline_deals": 3,
        "best": {"RUB": "180000.50", "USD": "3000"},
        "commit": {"RUB": "94000.00"},
        "pipeline": {"RUB": "23500.18", "USD": "0.00"},
        "weighted": {"RUB": "117500.18", "USD": "0.00"},  # 117 500.175, rounded once
    }


def test_the_forecast_filters_and_its_period_bounds() -> None:
    deals = forecast_world()
    usd = fct.report_forecast(deals, period=MAY, currency="USD")
    assert list(usd.managers) == ["m2"] and usd.total.best == {"USD": Decimal(3000)}
    m1 = fct.report_forecast(deals, period=MAY, manager_id="m1")
    assert list(m1.managers) == ["m1"] and m1.total.deals == 3
    june = fct.report_forecast(deals, period=Period(date(2026, 6, 1), None, TZ))
    assert june.total.deals == 1 and june.total.commit == {"RUB": Decimal("36000.00")}  # F5
    # As it stood on 10 April: F6 still open (commit 63 000); F8 still expected in June.
    before = fct.report_forecast(deals, period=MAY, as_of=at(4, 10))
    assert before.total.deals == 5  # F1, F2, F3, F4, F6
    assert before.managers["m1"].commit == {"RUB": Decimal("143000.00")}


# --- stage conversion --------------------------------------------------------------------


def stage_world() -> dict[str, DealRecord]:
    """Pipeline new → proposal → negotiation → won / lost; March 2026 in Moscow (UTC+3).

    S1 m1: new 1 Mar 09:00 → proposal 3 Mar 09:00 (48 h) → negotiation 4 Mar 21:00 (36 h)
           → won 10 Mar 09:00 (132 h).
    S2 m1: new 2 Mar 09:00 → proposal 2 Mar 21:20 (12 h 20 min) → lost 5 Mar 09:00
           (59 h 40 min), price.
    S3 m2: new 5 Mar → lost 6 Mar (24 h), reason blank.
    S4 m2: new 20 Mar → proposal 2 Apr (312 h, after the period).
    S5 m2: new 27 Feb (before) → proposal 1 Mar (48 h) → negotiation 31 Mar 21:00 UTC,
           which is 1 April in Moscow (732 h in proposal; negotiation outside the period).
    S6 m1: new 10 Mar → negotiation 11 Mar (24 h) → lost 12 Mar (24 h), " price ".
    """
    s1 = [("new", at(3, 1), OPEN), ("proposal", at(3, 3), OPEN)]
    s1 += [("negotiation", at(3, 4, 21), OPEN), ("won", at(3, 10), WON)]
    s2 = [("new", at(3, 2), OPEN), ("proposal", at(3, 2, 21, 20), OPEN), ("lost", at(3, 5), LOST)]
    s3 = [("new", at(3, 5), OPEN), ("lost", at(3, 6), LOST)]
    s4 = [("new", at(3, 20), OPEN), ("proposal", at(4, 2), OPEN)]
    s5 = [("new", at(2, 27), OPEN), ("proposal", at(3, 1), OPEN)]
    s5 += [("negotiation", at(3, 31, 21), OPEN)]
    s6 = [("new", at(3, 10), OPEN), ("negotiation", at(3, 11), OPEN), ("lost", at(3, 12), LOST)]
    reasons = {"S2": "price", "S3": "  ", "S6": " price "}
    managers = {"S1": "m1", "S2": "m1", "S3": "m2", "S4": "m2", "S5": "m2", "S6": "m1"}
    facts = [
        change(deal, stage, when, manager=managers[deal], kind=kind, reason=reasons.get(deal))
        for deal, path in {"S1": s1, "S2": s2, "S3": s3, "S4": s4, "S5": s5, "S6": s6}.items()
        for stage, when, kind in path
    ]
    return deals_of(facts)


def test_stage_conversion_and_time_in_stage_by_hand() -> None:
    rows = {row["stage"]: row for row in plain(stg.report_stages(stage_world(), period=MARCH))}
    assert list(rows) == ["lost", "negotiation", "new", "proposal", "won"]
    assert rows["new"] == {
        "pipeline_id": "main",
        "stage": "new",
        "entered": 5,  # S1, S2, S3, S4, S6 (S5 entered in February)
        "moved_to": {"lost": 1, "negotiation": 1, "proposal": 3},
        "conversion": {"lost": "0.20", "negotiation": "0.20", "proposal": "0.60"},
        "still_in": 0,
        # (48 + 12 1/3 + 24 + 312 + 24) / 5 = 420 1/3 / 5 = 84.0667
        "average_hours": "84.07",
        "lost_reasons": {"unspecified": 1},
    }
    assert rows["proposal"] == {
        "pipeline_id": "main",
        "stage": "proposal",
        "entered": 3,  # S1, S2, S5 (S4 entered in April)
        "moved_to": {"lost": 1, "negotiation": 2},
        "conversion": {"lost": "0.33", "negotiation": "0.67"},
        "still_in": 0,
        "average_hours": "275.89",  # (36 + 59 2/3 + 732) / 3 = 275.8889
        "lost_reasons": {"price": 1},
    }
    assert rows["negotiation"] == {
        "pipeline_id": "main",
        "stage": "negotiation",
        "entered": 2,  # S1 (5 Mar 00:00 in Moscow), S6; S5's is 1 April in Moscow
        "moved_to": {"lost": 1, "won": 1},
        "conversion": {"lost": "0.50", "won": "0.50"},
        "still_in": 0,
        "average_hours": "78.00",  # (132 + 24) / 2
        "lost_reasons": {"price": 1},
    }
    assert rows["won"]["entered"] == 1 and rows["won"]["still_in"] == 1
    assert rows["won"]["average_hours"] is None and rows["won"]["conversion"] == {}
    assert (rows["lost"]["entered"], rows["lost"]["still_in"]) == (3, 3)


def test_stage_analytics_of_one_manager_count_the_entries_made_while_they_held_the_deal() -> None:
    rows = {
        row.stage: row for row in stg.report_stages(stage_world(), period=MARCH, manager_id="m2")
    }
    assert rows["new"].entered == 2  # S3, S4
    assert rows["new"].moved_to == {"lost": 1, "proposal": 1}
    assert rows["new"].average_hours == Decimal("168.00")  # (24 + 312) / 2
    assert (rows["proposal"].entered, rows["proposal"].average_hours) == (1, Decimal("732.00"))
    assert rows["proposal"].conversion == {"negotiation": Decimal("1.00")}
    assert set(rows) == {"new", "proposal", "lost"}


def test_a_deal_entering_a_stage_twice_counts_once_by_its_first_entry() -> None:
    deals = deals_of(
        [
            change("R1", "new", at(3, 1)),
            change("R1", "proposal", at(3, 2)),
            change("R1", "new", at(3, 3)),
            change("R1", "proposal", at(3, 5)),
        ]
    )
    rows = {row.stage: row for row in stg.report_stages(deals, period=MARCH)}
    assert (rows["new"].entered, rows["new"].average_hours) == (1, Decimal("24.00"))
    assert rows["proposal"].moved_to == {"new": 1}


# --- products and cross-sell -------------------------------------------------------------


async def test_demand_by_product_and_cross_sell_on_the_small_world() -> None:
    reports = await small_world_reports()
    products = plain(await reports.products(Filters()))
    assert products == [
        {
            "product": "PUMP-50",
            "sku": "PUMP-50",
            "name": "Насос Н-50",
            "deals": 3,  # D1, D2, D5
            "quantity": "4",  # 2 + 1 + 1
            "net": {"RUB": "126000"},  # 80 000 + 40 000 + 6 000
        },
        {
            "product": "Монтаж",  # a free line, counted by its trimmed name
            "sku": None,
            "name": "Монтаж",
            "deals": 2,
            "quantity": "2",
            "net": {"RUB": "30000"},
        },
        {
            "product": "VALVE-2",
            "sku": "VALVE-2",
            "name": "Клапан",
            "deals": 1,
            "quantity": "4",
            "net": {"RUB": "4000"},
        },
    ]
    assert plain(await reports.cross_sell(Filters())) == [
        {"products": ["PUMP-50", "Монтаж"], "deals": 2},
        {"products": ["PUMP-50", "VALVE-2"], "deals": 1},
    ]
    april = Filters(period=Period(date(2026, 4, 1), None, TZ))
    assert [row.product for row in await reports.products(april)] == ["PUMP-50", "VALVE-2"]


def test_a_deal_won_without_lines_counts_in_no_product_report() -> None:
    deals = deals_of([change("W1", "won", at(3, 2), kind=WON)])
    assert prd.report_products(deals, period=MARCH) == ()
    assert prd.report_cross_sell(deals, period=MARCH) == ()


# --- hand-overs --------------------------------------------------------------------------


def test_a_hand_over_moves_the_deal_to_its_new_manager_from_that_instant() -> None:
    opened = change(
        "H1", "proposal", at(4, 1), manager="m1", probability="0.5", close_on=date(2026, 5, 20)
    )
    handed = DealReassigned("H1", "m2", at(4, 15))
    # Delivered out of order, and the hand-over twice: the record is the same.
    deals = deals_of([handed, opened, handed])
    assert deals == deals_of([opened, handed])

    assert deal_as_of("H1", deals["H1"], at(4, 14)).manager_id == "m1"  # type: ignore[union-attr]
    assert deal_as_of("H1", deals["H1"], at(4, 15)).manager_id == "m2"  # type: ignore[union-attr]
    report = fct.report_forecast(deals, period=MAY)
    assert list(report.managers) == ["m2"]  # 1 000 × 0.5 = 500.00, now Boris's
    assert report.managers["m2"].weighted == {"RUB": Decimal("500.00")}
    before = fct.report_forecast(deals, period=MAY, as_of=at(4, 10))
    assert list(before.managers) == ["m1"]
    assert keys_of("deals", deals["H1"])["managers"] == ["m1", "m2"]


def test_a_later_stage_change_names_the_owner_again() -> None:
    handed = DealReassigned("H2", "m2", at(4, 15))
    moved = change("H2", "invoice", at(4, 20), manager="m3", probability="0.9")
    deals = deals_of([change("H2", "proposal", at(4, 1)), handed, moved])
    assert deal_as_of("H2", deals["H2"]).manager_id == "m3"  # type: ignore[union-attr]
    # A hand-over at the very instant of a stage change yields to the change's own owner.
    same = DealReassigned("H2", "m1", at(4, 20))
    tied = deals_of([change("H2", "proposal", at(4, 1)), handed, moved, same])
    assert deal_as_of("H2", tied["H2"]).manager_id == "m3"  # type: ignore[union-attr]


def test_a_hand_over_known_before_the_deal_opens_nothing_yet() -> None:
    deals = deals_of([DealReassigned("H3", "m2", at(4, 15))])
    assert deals["H3"] == {
        "stages": [],
        "owners": [{"at": "2026-04-15T09:00:00+00:00", "manager_id": "m2"}],
    }
    assert deal_as_of("H3", deals["H3"]) is None
