"""Client segments by last purchase, transitions, retention and churn reasons."""

import copy
import json
import random
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from reporting.domain.facts import ClaimRecorded, DealStageChanged, Fact, Period, StageKind
from reporting.domain.segments import (
    ChurnReasons,
    Retention,
    Segment,
    SegmentsState,
    SegmentThresholds,
    apply,
    client_segments,
    combined,
    empty_state,
    fold,
    purchases,
    report_churn_reasons,
    report_retention,
    segment_of,
    transitions,
)

pytestmark = pytest.mark.unit

HOT, COOLING, WARM, SLEEPING = Segment.HOT, Segment.COOLING, Segment.WARM, Segment.SLEEPING
APRIL_FIRST = datetime.fromisoformat("2026-04-01T12:00:00+03:00")
END_OF_JUNE = datetime.fromisoformat("2026-06-30T12:00:00+03:00")
Q1 = Period(date(2026, 1, 1), date(2026, 4, 1))
Q2 = Period(date(2026, 4, 1), date(2026, 7, 1))


def utc(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def closed(
    deal_id: str,
    client: str | None,
    at: datetime,
    kind: StageKind = StageKind.WON,
    reason: str | None = None,
) -> DealStageChanged:
    return DealStageChanged(
        deal_id=deal_id,
        pipeline_id="wholesale",
        from_stage="payment",
        to_stage=kind.value,
        to_stage_kind=kind,
        changed_at=at,
        amount=Decimal("1000"),
        currency="RUB",
        client_id=client,
        manager_id="mgr-a",
        lost_reason=reason,
    )


FACTS: list[Fact] = [
    closed("D1", "c1", utc(2026, 6, 10)),
    closed("D2", "c2", utc(2026, 3, 15)),
    closed("D3", "c3", utc(2025, 12, 1)),
    closed("D4", "c4", utc(2025, 11, 1)),
    closed("D5", "c4", utc(2026, 5, 1)),
    closed("D6", "c5", utc(2026, 5, 10), StageKind.LOST, "price"),
    closed("D7", "c3", utc(2026, 2, 1), StageKind.LOST, "went to competitor"),
    closed("D8", "c3", utc(2026, 2, 5), StageKind.LOST),
    # 2026-05-30 21:30 UTC is 05-31 00:30 in Moscow.
    closed("D9", "c6", utc(2026, 5, 30, 21, 30)),
    closed("D10", "c7", utc(2026, 2, 10)),
    closed("D11", "c7", utc(2026, 4, 20)),
    closed("D12", None, utc(2026, 6, 1)),  # no client: no purchase to attribute
    ClaimRecorded("K1", "c3", "D3", "quality", utc(2026, 1, 20)),
    ClaimRecorded("K2", "c3", "D3", "delivery_delay", utc(2026, 2, 15)),
    ClaimRecorded("K3", "c1", "D1", "quality", utc(2026, 6, 20)),
]


def built(facts: Sequence[Fact] = FACTS) -> SegmentsState:
    return fold(empty_state(), facts)


def orders(facts: Sequence[Fact], times: int = 25) -> Iterator[list[Fact]]:
    yield list(reversed(facts))
    rng = random.Random(5)
    for _ in range(times):
        shuffled = list(facts)
        rng.shuffle(shuffled)
        yield shuffled


@pytest.mark.parametrize(
    ("days", "segment"),
    [
        (0, HOT),
        (30, HOT),
        (31, COOLING),
        (89, COOLING),
        (90, WARM),
        (120, WARM),
        (121, COOLING),
        (180, COOLING),
        (181, SLEEPING),
    ],
)
def test_segment_boundaries(days: int, segment: Segment) -> None:
    today = date(2026, 6, 30)
    assert segment_of(date.fromordinal(today.toordinal() - days), today) is segment


def test_no_purchase_is_no_segment_and_a_future_one_is_an_error() -> None:
    assert segment_of(None, date(2026, 6, 30)) is None
    with pytest.raises(ValueError, match="after"):
        segment_of(date(2026, 7, 1), date(2026, 6, 30))


def test_thresholds_are_configurable_and_checked() -> None:
    weekly = SegmentThresholds(hot_days=7, warm_from_days=14, warm_to_days=28, sleeping_days=60)
    assert segment_of(date(2026, 6, 20), date(2026, 6, 30), weekly) is COOLING  # 10 days
    assert segment_of(date(2026, 6, 10), date(2026, 6, 30), weekly) is WARM  # 20 days
    with pytest.raises(ValueError, match="thresholds"):
        SegmentThresholds(hot_days=100)


def test_segments_at_the_end_of_june() -> None:
    # Days to 06-30: c1 20, c2 107, c3 211, c4 60 (last of two), c6 30 (05-31 in Moscow),
    # c7 71. c5 only lost a deal; D12 has no client.
    assert client_segments(built(), as_of=END_OF_JUNE) == {
        "c1": HOT,
        "c2": WARM,
        "c3": SLEEPING,
        "c4": COOLING,
        "c6": HOT,
        "c7": COOLING,
    }


def test_segments_count_days_in_the_chosen_zone() -> None:
    # In UTC, c6 bought on 05-30: 31 days, no longer hot.
    in_utc = client_segments(built(), as_of=END_OF_JUNE, time_zone="UTC")
    assert in_utc["c6"] is COOLING


def test_segments_as_of_april_and_the_transitions_to_june() -> None:
    april = client_segments(built(), as_of=APRIL_FIRST)
    # c2 17 days; c3 121; c4 151 (its May purchase is still ahead); c7 50.
    assert april == {"c2": HOT, "c3": COOLING, "c4": COOLING, "c7": COOLING}
    june = client_segments(built(), as_of=END_OF_JUNE)
    assert transitions(april, june) == [
        ("c1", None, HOT),
        ("c2", HOT, WARM),
        ("c3", COOLING, SLEEPING),
        ("c6", None, HOT),
    ]


def test_transitions_report_clients_leaving_a_segment_too() -> None:
    before = {"c1": HOT, "c2": WARM, "c3": SLEEPING}
    after = {"c1": COOLING, "c2": WARM, "c4": HOT}
    assert transitions(before, after) == [
        ("c1", HOT, COOLING),
        ("c3", SLEEPING, None),
        ("c4", None, HOT),
    ]


def test_purchases_per_client() -> None:
    assert purchases(built(), period=Q2) == {
        "c1": [date(2026, 6, 10)],
        "c4": [date(2026, 5, 1)],
        "c6": [date(2026, 5, 31)],
        "c7": [date(2026, 4, 20)],
    }


def test_retention_between_quarters() -> None:
    # Bought in Q1: c2 (03-15), c7 (02-10). Again in Q2: c7 only. 1 / 2.
    assert report_retention(built(), Q2, Q1) == Retention(2, 1, Decimal("0.5000"))
    # As of the end of April nobody of Q1 but c7 (04-20) came back either.
    assert report_retention(built(), Q2, Q1, as_of=utc(2026, 4, 30)).returning == 1
    # As of 04-10, c7 has not come back yet.
    assert report_retention(built(), Q2, Q1, as_of=utc(2026, 4, 10)).share == Decimal("0.0000")


def test_retention_defaults_to_the_period_just_before() -> None:
    may = Period(date(2026, 5, 1), date(2026, 6, 1))
    june = Period(date(2026, 6, 1), date(2026, 7, 1))
    # June is 30 days; the 30 days before are 05-02..05-31: c6 (05-31) only, c4 (05-01) not.
    # c6 did not buy again in June.
    assert report_retention(built(), june) == Retention(1, 0, Decimal("0.0000"))
    assert report_retention(built(), june, may) == Retention(2, 0, Decimal("0.0000"))
    assert report_retention(built(), Period(date(2020, 2, 1), date(2020, 3, 1))).share is None


def test_churn_reasons_per_client() -> None:
    reasons = report_churn_reasons(built())
    assert reasons == {
        "c1": ChurnReasons(lost_reasons={}, claim_categories={"quality": 1}),
        "c3": ChurnReasons(
            lost_reasons={"unspecified": 1, "went to competitor": 1},
            claim_categories={"delivery_delay": 1, "quality": 1},
        ),
        "c5": ChurnReasons(lost_reasons={"price": 1}, claim_categories={}),
    }
    assert combined(reasons.values()) == ChurnReasons(
        lost_reasons={"price": 1, "unspecified": 1, "went to competitor": 1},
        claim_categories={"quality": 2, "delivery_delay": 1},
    )


def test_churn_reasons_of_sleeping_clients_in_a_period() -> None:
    june = client_segments(built(), as_of=END_OF_JUNE)
    sleeping = {client for client, segment in june.items() if segment is SLEEPING}
    assert report_churn_reasons(built(), clients=sleeping) == {
        "c3": ChurnReasons(
            lost_reasons={"unspecified": 1, "went to competitor": 1},
            claim_categories={"delivery_delay": 1, "quality": 1},
        )
    }
    # February only: D7, D8 lost and K2 claimed, all c3's.
    february = Period(date(2026, 2, 1), date(2026, 3, 1))
    assert report_churn_reasons(built(), period=february)["c3"].claim_categories == {
        "delivery_delay": 1
    }


def test_same_figures_and_state_in_any_arrival_order() -> None:
    expected_state = built()
    for order in orders(FACTS):
        state = built(order)
        assert state == expected_state
        assert client_segments(state, as_of=END_OF_JUNE) == client_segments(
            expected_state, as_of=END_OF_JUNE
        )


def test_redelivered_facts_change_nothing() -> None:
    assert built(FACTS + FACTS) == built()


def test_apply_leaves_the_given_state_alone_and_the_state_is_plain_json() -> None:
    state = built()
    snapshot = copy.deepcopy(state)
    apply(state, closed("D99", "c5", utc(2026, 6, 29)))
    assert state == snapshot
    assert json.loads(json.dumps(state)) == state
