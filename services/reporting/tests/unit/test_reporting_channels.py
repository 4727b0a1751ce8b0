"""Channels report: leads, conversions and won revenue per lead channel, from the funnel state."""

import random
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from reporting.domain.channels import ChannelFigures, report_channels
from reporting.domain.facts import (
    DealStageChanged,
    Fact,
    LeadAssigned,
    LeadConverted,
    Period,
    StageKind,
)
from reporting.domain.funnel import FunnelState, empty_state, fold

pytestmark = pytest.mark.unit

MARCH = Period(date(2026, 3, 1), date(2026, 4, 1), "Europe/Moscow")
FEBRUARY = Period(date(2026, 2, 1), date(2026, 3, 1), "Europe/Moscow")


def utc(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


def lead(lead_id: str, channel: str, received: datetime) -> LeadAssigned:
    return LeadAssigned(lead_id, channel, "website", "mgr-a", "t1", received, received)


def closed(
    deal_id: str,
    lead_id: str | None,
    at: datetime,
    amount: str,
    *,
    channel: str | None = None,
    currency: str = "RUB",
    kind: StageKind = StageKind.WON,
) -> DealStageChanged:
    return DealStageChanged(
        deal_id=deal_id,
        pipeline_id="wholesale",
        from_stage="payment",
        to_stage=kind.value,
        to_stage_kind=kind,
        changed_at=at,
        amount=Decimal(amount),
        currency=currency,
        client_id="client-1",
        manager_id="mgr-a",
        lead_id=lead_id,
        channel=channel,
    )


FACTS: list[Fact] = [
    lead("L1", "web_form", utc(3, 2)),
    LeadConverted("L1", "mgr-a", "web_form", utc(3, 3)),
    # The deal says "email", but its lead came by web form: the lead's channel wins.
    closed("D1", "L1", utc(3, 10), "100000", channel="email"),
    closed("D8", "L1", utc(4, 2), "999"),  # won in April
    lead("L2", "phone", utc(3, 5)),
    LeadConverted("L2", "mgr-a", "phone", utc(3, 6)),
    closed("D2", "L2", utc(3, 20), "50000"),
    closed("D3", "L2", utc(3, 25), "1000", currency="USD"),
    closed("D9", "L2", utc(3, 26), "7777", kind=StageKind.LOST),
    lead("L3", "phone", utc(3, 7)),
    lead("L4", "referral", utc(2, 25)),  # arrived in February, converted in March
    LeadConverted("L4", "mgr-a", "referral", utc(3, 2)),
    closed("D4", "L4", utc(3, 15), "70000"),
    closed("D5", None, utc(3, 12), "30000", channel="exhibition"),  # no lead: its own channel
    closed("D6", None, utc(3, 13), "5000"),  # no lead, no channel
    closed("D7", "L9", utc(3, 14), "1000", channel="marketplace"),  # lead never seen
]


def built(facts: Sequence[Fact] = FACTS) -> FunnelState:
    return fold(empty_state(), facts)


def orders(facts: Sequence[Fact], times: int = 25) -> Iterator[list[Fact]]:
    yield list(reversed(facts))
    rng = random.Random(13)
    for _ in range(times):
        shuffled = list(facts)
        rng.shuffle(shuffled)
        yield shuffled


def test_march_figures_per_channel() -> None:
    assert report_channels(built(), period=MARCH) == {
        "exhibition": ChannelFigures("exhibition", 0, 0, 1, {"RUB": Decimal("30000")}),
        "marketplace": ChannelFigures("marketplace", 0, 0, 1, {"RUB": Decimal("1000")}),
        # L2 and L3 arrived; L2 converted; D2 and D3 won (D9 lost).
        "phone": ChannelFigures(
            "phone", 2, 1, 2, {"RUB": Decimal("50000"), "USD": Decimal("1000")}
        ),
        # L4 arrived in February but converted and won in March.
        "referral": ChannelFigures("referral", 0, 1, 1, {"RUB": Decimal("70000")}),
        "unknown": ChannelFigures("unknown", 0, 0, 1, {"RUB": Decimal("5000")}),
        "web_form": ChannelFigures("web_form", 1, 1, 1, {"RUB": Decimal("100000")}),
    }


def test_february_has_only_the_referral_lead() -> None:
    assert report_channels(built(), period=FEBRUARY) == {
        "referral": ChannelFigures("referral", 1, 0, 0, {})
    }


def test_all_time_adds_the_april_win_and_the_february_lead() -> None:
    report = report_channels(built())
    # web_form: D1 100 000 + D8 999.
    assert report["web_form"].won_sum == {"RUB": Decimal("100999")}
    assert report["referral"].leads == 1


def test_as_of_mid_march() -> None:
    report = report_channels(built(), period=MARCH, as_of=utc(3, 14, 12))
    # Won by then: D1 (03-10), D5 (03-12), D6 (03-13), D7 (03-14 10:00).
    assert {c: f.won_deals for c, f in report.items() if f.won_deals} == {
        "exhibition": 1,
        "marketplace": 1,
        "unknown": 1,
        "web_form": 1,
    }


def test_a_deal_is_credited_to_its_lead_once_the_lead_arrives() -> None:
    state = built([closed("D7", "L9", utc(3, 14), "1000", channel="marketplace")])
    assert list(report_channels(state)) == ["marketplace"]
    state = fold(state, [lead("L9", "phone", utc(3, 1))])
    assert report_channels(state)["phone"].won_deals == 1
    assert "marketplace" not in report_channels(state)


def test_same_figures_in_any_arrival_order_and_after_redelivery() -> None:
    expected = report_channels(built(), period=MARCH)
    for order in orders(FACTS):
        assert report_channels(built(order), period=MARCH) == expected
    assert report_channels(built(FACTS + FACTS), period=MARCH) == expected
