"""Sales projection: won and lost deals, average size, time to close, weighted pipeline."""

import copy
import json
import random
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from reporting.domain.facts import DealStageChanged, Fact, Period, StageKind
from reporting.domain.sales import (
    SalesReport,
    SalesState,
    apply,
    deal_as_of,
    empty_state,
    fold,
    report_sales,
    report_sales_by_manager,
)

pytestmark = pytest.mark.unit

MARCH = Period(date(2026, 3, 1), date(2026, 4, 1), "Europe/Moscow")
OPEN, WON, LOST = StageKind.OPEN, StageKind.WON, StageKind.LOST


def utc(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


def change(
    deal_id: str,
    stage: str,
    kind: StageKind,
    at: datetime,
    amount: str,
    *,
    manager: str = "mgr-a",
    currency: str = "RUB",
    probability: str | None = None,
    reason: str | None = None,
) -> DealStageChanged:
    return DealStageChanged(
        deal_id=deal_id,
        pipeline_id="wholesale",
        from_stage=None,
        to_stage=stage,
        to_stage_kind=kind,
        changed_at=at,
        amount=Decimal(amount),
        currency=currency,
        client_id=None,
        manager_id=manager,
        lost_reason=reason,
        stage_probability=None if probability is None else Decimal(probability),
    )


FACTS: list[Fact] = [
    # D1 (a): opened 03-01, won 03-11 -> 10 days; amount raised to 120 000 on the way.
    change("D1", "new", OPEN, utc(3, 1), "100000", probability="0.1"),
    change("D1", "proposal", OPEN, utc(3, 3), "120000", probability="0.5"),
    change("D1", "won", WON, utc(3, 11), "120000", probability="1"),
    # D2 (a): 03-02 00:00 -> 03-04 00:00, 2 days.
    change("D2", "new", OPEN, utc(3, 2, 0), "50000.50"),
    change("D2", "won", WON, utc(3, 4, 0), "50000.50"),
    # D3 (b): opened in February, won 03-05 12:00 -> 13 days.
    change("D3", "new", OPEN, utc(2, 20, 12), "30000", manager="mgr-b"),
    change("D3", "won", WON, utc(3, 5, 12), "30000", manager="mgr-b"),
    # D4 (b): in USD, 03-01 -> 03-07, 6 days.
    change("D4", "new", OPEN, utc(3, 1), "2000", manager="mgr-b", currency="USD"),
    change("D4", "won", WON, utc(3, 7), "2000", manager="mgr-b", currency="USD"),
    # Lost: D5 (b) and D7 (a) over price, D6 (a) without a reason.
    change("D5", "new", OPEN, utc(3, 2), "80000", manager="mgr-b"),
    change("D5", "lost", LOST, utc(3, 6), "80000", manager="mgr-b", reason="price too high"),
    change("D6", "new", OPEN, utc(3, 3), "15000"),
    change("D6", "lost", LOST, utc(3, 8), "15000"),
    change("D7", "new", OPEN, utc(3, 1), "40000", probability="0.1"),
    change("D7", "lost", LOST, utc(3, 9), "40000", reason="  price too high "),
    # Open: D8 (b) now 250 000 at 0.6; D9 (a) in a stage without a probability.
    change("D8", "proposal", OPEN, utc(3, 4), "200000", manager="mgr-b", probability="0.5"),
    change("D8", "negotiation", OPEN, utc(3, 10), "250000", manager="mgr-b", probability="0.6"),
    change("D9", "new", OPEN, utc(3, 5), "10000"),
    # D10 (a): opened in March, won in April.
    change("D10", "new", OPEN, utc(3, 20), "70000", probability="0.1"),
    change("D10", "won", WON, utc(4, 2), "70000"),
]


def built(facts: Sequence[Fact] = FACTS) -> SalesState:
    return fold(empty_state(), facts)


def orders(facts: Sequence[Fact], times: int = 25) -> Iterator[list[Fact]]:
    yield list(reversed(facts))
    rng = random.Random(7)
    for _ in range(times):
        shuffled = list(facts)
        rng.shuffle(shuffled)
        yield shuffled


def test_march_sales_figures() -> None:
    report = report_sales(built(), period=MARCH)
    assert report == SalesReport(
        # Won in March: D1, D2, D3 (RUB) and D4 (USD).
        won_count=4,
        # 120 000 + 50 000.50 + 30 000 = 200 000.50 RUB.
        won_sum={"RUB": Decimal("200000.50"), "USD": Decimal("2000")},
        # 200 000.50 / 3 = 66 666.8333… -> 66 666.83.
        average_deal={"RUB": Decimal("66666.83"), "USD": Decimal("2000.00")},
        # Days to close sorted 2, 6, 10, 13: median (6 + 10) / 2 = 8; p90 rank ceil(3.6) = 4.
        time_to_close_median=timedelta(days=8),
        time_to_close_p90=timedelta(days=13),
        lost_count=3,
        lost_reasons={"price too high": 2, "unspecified": 1},
        # Open now: D8 250 000 and D9 10 000 (D10 is won by now).
        open_count=2,
        open_sum={"RUB": Decimal("260000")},
        # 250 000 × 0.6 + 10 000 × 0 = 150 000.
        weighted_pipeline={"RUB": Decimal("150000.00")},
    )


def test_sales_as_of_a_past_instant() -> None:
    report = report_sales(built(), period=MARCH, as_of=utc(3, 9, 0))
    # Won by 03-09 00:00: D2, D3 (RUB 80 000.50) and D4; D1 only on 03-11.
    assert report.won_count == 3
    assert report.won_sum == {"RUB": Decimal("80000.50"), "USD": Decimal("2000")}
    # Lost by then: D5 (03-06) and D6 (03-08); D7 on 03-09 10:00.
    assert report.lost_reasons == {"price too high": 1, "unspecified": 1}
    # Open: D1 120 000 @0.5, D7 40 000 @0.1, D8 200 000 @0.5, D9 10 000 @none.
    assert report.open_count == 4
    assert report.open_sum == {"RUB": Decimal("370000")}
    # 60 000 + 4 000 + 100 000 + 0 = 164 000.
    assert report.weighted_pipeline == {"RUB": Decimal("164000.00")}


def test_end_of_march_pipeline_includes_the_deal_won_in_april() -> None:
    end_of_march = datetime.fromisoformat("2026-03-31T23:59:00+03:00")
    report = report_sales(built(), period=MARCH, as_of=end_of_march)
    # D8 + D9 + D10: 250 000 + 10 000 + 70 000; weighted 150 000 + 0 + 7 000.
    assert (report.open_count, report.open_sum) == (3, {"RUB": Decimal("330000")})
    assert report.weighted_pipeline == {"RUB": Decimal("157000.00")}
    assert report.won_count == 4


def test_sales_by_manager() -> None:
    reports = report_sales_by_manager(built(), period=MARCH)
    assert list(reports) == ["mgr-a", "mgr-b"]
    a, b = reports["mgr-a"], reports["mgr-b"]
    # a: D1 120 000 (10 d) + D2 50 000.50 (2 d); average 170 000.50 / 2 = 85 000.25.
    assert (a.won_count, a.won_sum, a.average_deal) == (
        2,
        {"RUB": Decimal("170000.50")},
        {"RUB": Decimal("85000.25")},
    )
    # Median (2 + 10) / 2 = 6 days; p90 rank ceil(1.8) = 2 -> 10 days.
    assert (a.time_to_close_median, a.time_to_close_p90) == (timedelta(days=6), timedelta(days=10))
    assert a.lost_reasons == {"price too high": 1, "unspecified": 1}
    assert (a.open_count, a.weighted_pipeline) == (1, {"RUB": Decimal("0.00")})
    # b: D3 30 000 (13 d) and D4 2 000 USD (6 d): median 9.5 days, p90 13 days.
    assert b.won_sum == {"RUB": Decimal("30000"), "USD": Decimal("2000")}
    assert b.time_to_close_median == timedelta(days=9, hours=12)
    assert b.time_to_close_p90 == timedelta(days=13)
    assert (b.lost_count, b.weighted_pipeline) == (1, {"RUB": Decimal("150000.00")})
    assert report_sales(built(), period=MARCH, manager_id="mgr-b") == b


def test_currency_filter() -> None:
    report = report_sales(built(), period=MARCH, currency="USD")
    assert (report.won_count, report.won_sum, report.lost_count) == (
        1,
        {"USD": Decimal("2000")},
        0,
    )


def test_period_boundaries_are_read_in_moscow_time() -> None:
    # Won at 2026-03-31 21:30 UTC = 2026-04-01 00:30 in Moscow: April, not March.
    late = [
        change("D1", "new", OPEN, utc(3, 1), "100"),
        change("D1", "won", WON, datetime(2026, 3, 31, 21, 30, tzinfo=UTC), "100"),
    ]
    assert report_sales(built(late), period=MARCH).won_count == 0
    in_utc = Period(date(2026, 3, 1), date(2026, 4, 1), "UTC")
    assert report_sales(built(late), period=in_utc).won_count == 1


def test_moving_between_won_stages_does_not_reclose_the_deal() -> None:
    facts = [
        change("D1", "new", OPEN, utc(3, 1), "100"),
        change("D1", "won", WON, utc(3, 5), "100"),
        change("D1", "shipped", WON, utc(3, 8), "100"),
    ]
    view = deal_as_of("D1", built(facts)["deals"]["D1"])
    assert view is not None
    assert (view.stage, view.closed_at, view.time_to_close) == (
        "shipped",
        utc(3, 5),
        timedelta(days=4),
    )


def test_a_reopened_lost_deal_is_open_again_and_closes_anew() -> None:
    facts = [
        change("D1", "new", OPEN, utc(3, 1), "100", probability="0.1"),
        change("D1", "lost", LOST, utc(3, 3), "100", reason="price"),
        change("D1", "new", OPEN, utc(3, 5), "100", probability="0.1"),
    ]
    state = built(facts)
    assert report_sales(state).open_count == 1
    assert report_sales(state, as_of=utc(3, 4)).lost_reasons == {"price": 1}
    won = apply(state, change("D1", "won", WON, utc(3, 9), "100"))
    # Time to close still runs from the first stage change: 03-01 -> 03-09.
    assert report_sales(won).time_to_close_median == timedelta(days=8)


def test_a_deal_opened_after_as_of_does_not_exist_yet() -> None:
    assert deal_as_of("D10", built()["deals"]["D10"], utc(3, 19)) is None


def test_same_figures_and_state_in_any_arrival_order() -> None:
    expected_state = built()
    expected = report_sales(expected_state, period=MARCH)
    for order in orders(FACTS):
        state = built(order)
        assert state == expected_state
        assert report_sales(state, period=MARCH) == expected


def test_a_won_change_arriving_before_the_creation_still_times_the_close() -> None:
    won = built([change("D1", "won", WON, utc(3, 11), "5")])
    # Until creation arrives the first change known is the won one: 0 days.
    assert report_sales(won).time_to_close_median == timedelta(0)
    both = apply(won, change("D1", "new", OPEN, utc(3, 1), "5"))
    assert report_sales(both).time_to_close_median == timedelta(days=10)


def test_redelivered_facts_change_nothing() -> None:
    assert built(FACTS + FACTS) == built()


def test_apply_leaves_the_given_state_alone_and_the_state_is_plain_json() -> None:
    state = built()
    snapshot = copy.deepcopy(state)
    apply(state, change("D9", "won", WON, utc(3, 30), "10000"))
    assert state == snapshot
    assert json.loads(json.dumps(state)) == state
