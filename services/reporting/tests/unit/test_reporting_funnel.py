"""Funnel projection: steps per lead, conversions, filters, as-of, order and redelivery."""

import copy
import json
import random
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from reporting.domain.facts import (
    ClaimRecorded,
    DealStageChanged,
    Fact,
    LeadAssigned,
    LeadContacted,
    LeadConverted,
    LeadDisqualified,
    LeadQualified,
    Period,
    StageKind,
)
from reporting.domain.funnel import (
    FunnelReport,
    FunnelState,
    FunnelStep,
    Step,
    apply,
    empty_state,
    fold,
    lead_as_of,
    report_funnel,
)

pytestmark = pytest.mark.unit

MARCH = Period(date(2026, 3, 1), date(2026, 4, 1), "Europe/Moscow")


def utc(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def assigned(
    lead_id: str, channel: str, manager: str | None, team: str, received: datetime
) -> LeadAssigned:
    return LeadAssigned(lead_id, channel, "website", manager, team, received, received)


def contacted(lead_id: str, manager: str, at: datetime) -> LeadContacted:
    return LeadContacted(lead_id, manager, at, 600, True)


def deal(
    deal_id: str, lead_id: str | None, stage: str, kind: StageKind, at: datetime
) -> DealStageChanged:
    return DealStageChanged(
        deal_id=deal_id,
        pipeline_id="wholesale",
        from_stage=None,
        to_stage=stage,
        to_stage_kind=kind,
        changed_at=at,
        amount=Decimal("1000.00"),
        currency="RUB",
        client_id="client-1",
        manager_id="mgr-a",
        lead_id=lead_id,
    )


# L1 reaches won, L2 qualified, L3 contacted (then disqualified), L4 only received,
# L5 a deal (converted by mgr-c before its contact fact arrived); L6 arrived in February;
# D3 belongs to a lead whose assignment never arrived.
FACTS: list[Fact] = [
    assigned("L1", "web_form", "mgr-a", "t1", utc(3, 2)),
    contacted("L1", "mgr-a", utc(3, 2, 9, 20)),
    LeadQualified("L1", utc(3, 2, 11)),
    LeadConverted("L1", "mgr-a", "web_form", utc(3, 3, 10)),
    deal("D1", "L1", "new", StageKind.OPEN, utc(3, 3, 10)),
    deal("D1", "L1", "won", StageKind.WON, utc(3, 10, 15)),
    assigned("L2", "phone", "mgr-a", "t1", utc(3, 3)),
    contacted("L2", "mgr-a", utc(3, 3, 12)),
    LeadQualified("L2", utc(3, 5)),
    assigned("L3", "phone", "mgr-b", "t2", utc(3, 4)),
    contacted("L3", "mgr-b", utc(3, 4, 10)),
    LeadDisqualified("L3", "no_budget", utc(3, 4, 12)),
    assigned("L4", "web_form", None, "t1", utc(3, 5)),
    assigned("L5", "referral", "mgr-b", "t2", utc(3, 6)),
    LeadConverted("L5", "mgr-c", "referral", utc(3, 6, 15)),
    deal("D2", "L5", "new", StageKind.OPEN, utc(3, 6, 15)),
    assigned("L6", "phone", "mgr-b", "t2", utc(2, 20)),
    contacted("L6", "mgr-b", utc(2, 20, 10)),
    deal("D3", "L7", "won", StageKind.WON, utc(3, 8)),
]


def built(facts: Sequence[Fact] = FACTS) -> FunnelState:
    return fold(empty_state(), facts)


def counts(report: FunnelReport) -> list[int]:
    return [step.count for step in report.steps]


def orders(facts: Sequence[Fact], times: int = 25) -> Iterator[list[Fact]]:
    yield list(reversed(facts))
    rng = random.Random(20260302)
    for _ in range(times):
        shuffled = list(facts)
        rng.shuffle(shuffled)
        yield shuffled


def test_march_funnel_with_conversions_between_steps() -> None:
    report = report_funnel(built(), period=MARCH)
    # Reached: L1 won, L2 qualified, L3 contacted, L4 received, L5 deal (steps are cumulative).
    # received 5; contacted L1 L2 L3 L5 = 4; qualified L1 L2 L5 = 3; deal L1 L5 = 2; won L1 = 1.
    assert report.steps == (
        FunnelStep(Step.RECEIVED, 5, None),
        FunnelStep(Step.CONTACTED, 4, Decimal("0.8000")),  # 4/5
        FunnelStep(Step.QUALIFIED, 3, Decimal("0.7500")),  # 3/4
        FunnelStep(Step.DEAL, 2, Decimal("0.6667")),  # 2/3
        FunnelStep(Step.WON, 1, Decimal("0.5000")),  # 1/2
    )
    assert report.lead_to_deal == Decimal("0.4000")  # 2/5
    assert report.disqualified == 1
    assert report.disqualification_reasons == {"no_budget": 1}
    assert report.count(Step.DEAL) == 2


def test_without_a_period_every_received_lead_counts() -> None:
    # L6 (February, contacted) joins: received 6, contacted 5; the rest as in March.
    assert counts(report_funnel(built())) == [6, 5, 3, 2, 1]


def test_filter_by_channel_keeps_none_for_an_empty_step() -> None:
    report = report_funnel(built(), period=MARCH, channel="phone")
    # L2 (qualified) and L3 (contacted): received 2, contacted 2, qualified 1, deal 0, won 0.
    assert counts(report) == [2, 2, 1, 0, 0]
    assert [s.conversion for s in report.steps] == [
        None,
        Decimal("1.0000"),  # 2/2
        Decimal("0.5000"),  # 1/2
        Decimal("0.0000"),  # 0/1
        None,  # 0/0
    ]


def test_filter_by_team() -> None:
    # t1: L1 (won), L2 (qualified), L4 (received).
    assert counts(report_funnel(built(), period=MARCH, team="t1")) == [3, 2, 2, 1, 1]


def test_a_leads_manager_is_the_converting_then_contacting_then_assigned_one() -> None:
    state = built()
    # mgr-a: L1 (converted by a) and L2 (contacted by a).
    assert counts(report_funnel(state, period=MARCH, manager_id="mgr-a")) == [2, 2, 2, 1, 1]
    # mgr-b: L3 only; L5 was assigned to b but converted by c, so it is c's.
    assert counts(report_funnel(state, period=MARCH, manager_id="mgr-b")) == [1, 1, 0, 0, 0]
    assert counts(report_funnel(state, period=MARCH, manager_id="mgr-c")) == [1, 1, 1, 1, 0]


def test_funnel_as_of_a_past_instant() -> None:
    state = built()
    # By 03-09 D1 is not won yet: L1 stops at deal.
    assert counts(report_funnel(state, period=MARCH, as_of=utc(3, 9))) == [5, 4, 3, 2, 0]
    # By 03-04 00:00 only L1 and L2 have arrived; L1 converted 03-03, L2 qualified only 03-05.
    assert counts(report_funnel(state, period=MARCH, as_of=utc(3, 4, 0))) == [2, 2, 1, 1, 0]


def test_same_figures_and_state_in_any_arrival_order() -> None:
    expected_state = built()
    expected = report_funnel(expected_state, period=MARCH)
    for order in orders(FACTS):
        state = built(order)
        assert state == expected_state
        assert report_funnel(state, period=MARCH) == expected


def test_a_stage_change_before_the_leads_assignment_waits_for_it() -> None:
    early = fold(empty_state(), [deal("D9", "L9", "won", StageKind.WON, utc(3, 2, 12))])
    assert counts(report_funnel(early)) == [0, 0, 0, 0, 0]
    later = apply(early, assigned("L9", "phone", "mgr-a", "t1", utc(3, 2)))
    # The won deal proves every earlier step.
    assert counts(report_funnel(later)) == [1, 1, 1, 1, 1]


def test_redelivered_facts_change_nothing() -> None:
    assert built(FACTS + FACTS) == built()


def test_two_assignments_of_one_lead_keep_the_earliest() -> None:
    first = LeadAssigned("L1", "phone", "website", "mgr-a", "t1", utc(3, 2), utc(3, 2))
    second = LeadAssigned("L1", "email", "website", "mgr-b", "t2", utc(3, 2), utc(3, 2, 10))
    for pair in ([first, second], [second, first]):
        view = lead_as_of("L1", fold(empty_state(), pair)["leads"]["L1"])
        assert view is not None
        assert (view.channel, view.assignee, view.team) == ("phone", "mgr-a", "t1")


def test_apply_leaves_the_given_state_alone_and_the_state_is_plain_json() -> None:
    state = built()
    snapshot = copy.deepcopy(state)
    apply(state, contacted("L4", "mgr-a", utc(3, 5, 10)))
    assert state == snapshot
    assert json.loads(json.dumps(state)) == state


def test_facts_the_funnel_does_not_use_are_ignored() -> None:
    state = built()
    assert apply(state, ClaimRecorded("C1", "client-1", None, "quality", utc(3, 2))) == state
