"""Claims projection: counts by category, per period and per month in a zone."""

import copy
import json
import random
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime

import pytest

from reporting.domain.claims import (
    ClaimsState,
    apply,
    empty_state,
    fold,
    report_claims,
    report_claims_by_month,
)
from reporting.domain.facts import ClaimRecorded, Fact, Period

pytestmark = pytest.mark.unit

MARCH = Period(date(2026, 3, 1), date(2026, 4, 1), "Europe/Moscow")


def utc(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


FACTS: list[Fact] = [
    ClaimRecorded("K1", "c1", "D1", "quality", utc(3, 2)),
    ClaimRecorded("K2", "c1", "D1", "quality", utc(3, 20)),
    ClaimRecorded("K3", "c2", "D2", "delivery_delay", utc(3, 5)),
    ClaimRecorded("K4", "c2", None, "documents", utc(4, 1, 20, 30)),  # 04-01 23:30 MSK
    ClaimRecorded("K5", "c3", "D3", "damage", utc(3, 31, 21, 30)),  # 04-01 00:30 MSK
]


def built(facts: Sequence[Fact] = FACTS) -> ClaimsState:
    return fold(empty_state(), facts)


def orders(facts: Sequence[Fact], times: int = 25) -> Iterator[list[Fact]]:
    yield list(reversed(facts))
    rng = random.Random(17)
    for _ in range(times):
        shuffled = list(facts)
        rng.shuffle(shuffled)
        yield shuffled


def test_claims_by_category_most_frequent_first() -> None:
    report = report_claims(built())
    # quality 2; the rest 1 each, in name order.
    assert list(report.items()) == [
        ("quality", 2),
        ("damage", 1),
        ("delivery_delay", 1),
        ("documents", 1),
    ]


def test_claims_in_a_period_and_for_a_client_and_as_of() -> None:
    state = built()
    # K5 was filed on 04-01 in Moscow, so March has K1, K2, K3.
    assert report_claims(state, period=MARCH) == {"quality": 2, "delivery_delay": 1}
    assert report_claims(state, client_id="c2") == {"delivery_delay": 1, "documents": 1}
    assert report_claims(state, as_of=utc(3, 10)) == {"delivery_delay": 1, "quality": 1}


def test_claims_per_month_in_moscow_and_in_utc() -> None:
    assert report_claims_by_month(built()) == {
        "2026-03": {"quality": 2, "delivery_delay": 1},
        "2026-04": {"damage": 1, "documents": 1},
    }
    assert report_claims_by_month(built(), time_zone="UTC") == {
        "2026-03": {"quality": 2, "damage": 1, "delivery_delay": 1},
        "2026-04": {"documents": 1},
    }


def test_one_claim_id_seen_twice_keeps_its_earliest_version_in_any_order() -> None:
    first = ClaimRecorded("K9", "c1", None, "quality", utc(3, 2))
    amended = ClaimRecorded("K9", "c1", None, "damage", utc(3, 3))
    assert built([first, amended]) == built([amended, first])
    assert report_claims(built([amended, first])) == {"quality": 1}


def test_same_figures_and_state_in_any_arrival_order_and_after_redelivery() -> None:
    expected_state = built()
    for order in orders(FACTS):
        assert built(order) == expected_state
    assert built(FACTS + FACTS) == expected_state


def test_apply_leaves_the_given_state_alone_and_the_state_is_plain_json() -> None:
    state = built()
    snapshot = copy.deepcopy(state)
    apply(state, ClaimRecorded("K6", "c4", None, "other", utc(3, 9)))
    assert state == snapshot
    assert json.loads(json.dumps(state)) == state
