"""Lead assignment: eligibility, client-manager preference, strategies and the team queue."""

from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from leads.domain.assignment import (
    AssignmentRule,
    Decision,
    LeadToAssign,
    LeastLoaded,
    Manager,
    RotationState,
    RoundRobin,
    RuleBased,
    assign,
)
from leads.domain.calendar import BusinessCalendar

pytestmark = pytest.mark.unit

MSK = ZoneInfo("Europe/Moscow")
TUESDAY_NOON = datetime(2026, 3, 3, 12, 0, tzinfo=MSK)
TUESDAY_NIGHT = datetime(2026, 3, 3, 23, 0, tzinfo=MSK)
LEAD = LeadToAssign(lead_id="L-1", channel="web_form", region="Moscow", product="pump")


def manager(manager_id: str, **overrides: object) -> Manager:
    fields: dict[str, object] = {"id": manager_id, "team": "sales"} | overrides
    return Manager(**fields)  # type: ignore[arg-type]


def rotate(
    managers: Sequence[Manager], times: int, state: RotationState | None = None
) -> list[str | None]:
    chosen: list[str | None] = []
    current = state or RotationState()
    for _ in range(times):
        decision = assign(LEAD, managers, RoundRobin(), at=TUESDAY_NOON, state=current)
        chosen.append(decision.manager_id)
        current = decision.state
    return chosen


def test_round_robin_rotates_through_managers_in_id_order() -> None:
    team = [manager("c"), manager("a"), manager("b")]
    assert rotate(team, 4) == ["a", "b", "c", "a"]


def test_round_robin_continues_after_the_pointer_it_is_given() -> None:
    team = [manager("a"), manager("b"), manager("c")]
    assert rotate(team, 2, RotationState(last_manager_id="b")) == ["c", "a"]


def test_round_robin_survives_the_last_chosen_manager_leaving() -> None:
    team = [manager("a"), manager("c")]
    assert rotate(team, 1, RotationState(last_manager_id="b")) == ["c"]


def test_round_robin_skips_ineligible_managers() -> None:
    team = [
        manager("a"),
        manager("b", present=False),
        manager("c", open_leads=5, capacity=5),
        manager("d"),
    ]
    assert rotate(team, 3) == ["a", "d", "a"]


def test_round_robin_decision_records_the_rotation_pointer() -> None:
    decision = assign(LEAD, [manager("a")], RoundRobin(), at=TUESDAY_NOON)
    assert decision == Decision(
        manager_id="a", to_team_queue=False, reason="round_robin", state=RotationState("a")
    )


def test_least_loaded_picks_the_lowest_share_of_capacity() -> None:
    team = [
        manager("a", open_leads=4, capacity=10),
        manager("b", open_leads=1, capacity=5),
        manager("c", open_leads=3, capacity=6),
    ]
    decision = assign(LEAD, team, LeastLoaded(), at=TUESDAY_NOON)
    assert (decision.manager_id, decision.reason) == ("b", "least_loaded")


def test_least_loaded_breaks_ties_by_id() -> None:
    team = [manager("z", open_leads=1, capacity=3), manager("m", open_leads=2, capacity=6)]
    assert assign(LEAD, team, LeastLoaded(), at=TUESDAY_NOON).manager_id == "m"


def test_least_loaded_leaves_rotation_state_untouched() -> None:
    state = RotationState("q")
    decision = assign(LEAD, [manager("a")], LeastLoaded(), at=TUESDAY_NOON, state=state)
    assert decision.state == state


def test_rule_by_channel_narrows_to_managers_handling_that_channel() -> None:
    team = [
        manager("a", channels=frozenset({"phone"})),
        manager("b", channels=frozenset({"marketplace"})),
    ]
    rules = RuleBased(
        rules=(AssignmentRule("marketplaces", channel="marketplace"),), then=LeastLoaded()
    )
    lead = LeadToAssign(lead_id="L-2", channel="marketplace")
    decision = assign(lead, team, rules, at=TUESDAY_NOON)
    assert (decision.manager_id, decision.reason) == ("b", "rule:marketplaces/least_loaded")


def test_rule_by_region_routes_to_a_team() -> None:
    team = [manager("a", team="moscow"), manager("b", team="ural")]
    rules = RuleBased(
        rules=(AssignmentRule("ural", region="Yekaterinburg", team="ural"),), then=RoundRobin()
    )
    lead = LeadToAssign(lead_id="L-3", channel="phone", region="Yekaterinburg")
    assert assign(lead, team, rules, at=TUESDAY_NOON).manager_id == "b"


def test_rule_by_product_prefers_specialists_and_empty_skills_mean_any() -> None:
    team = [
        manager("a", products=frozenset({"valve"})),
        manager("b", products=frozenset({"pump"})),
        manager("c"),
    ]
    rules = RuleBased(rules=(AssignmentRule("pumps", product="pump"),), then=RoundRobin())
    assert rotate_with(rules, team, 3) == ["b", "c", "b"]


def rotate_with(strategy: RuleBased, team: Sequence[Manager], times: int) -> list[str | None]:
    chosen: list[str | None] = []
    state = RotationState()
    for _ in range(times):
        decision = assign(LEAD, team, strategy, at=TUESDAY_NOON, state=state)
        chosen.append(decision.manager_id)
        state = decision.state
    return chosen


def test_first_matching_rule_wins_and_unmatched_lead_goes_to_everyone() -> None:
    team = [manager("a", team="web"), manager("b", team="web"), manager("c", team="vip")]
    rules = RuleBased(
        rules=(
            AssignmentRule("vip-pumps", product="pump", manager_ids=("c",)),
            AssignmentRule("web", channel="web_form", team="web"),
        ),
        then=LeastLoaded(),
    )
    assert assign(LEAD, team, rules, at=TUESDAY_NOON).manager_id == "c"
    other = LeadToAssign(lead_id="L-4", channel="phone")
    decision = assign(other, team, rules, at=TUESDAY_NOON)
    assert (decision.manager_id, decision.reason) == ("a", "least_loaded")


def test_rule_whose_pool_is_unavailable_falls_back_to_all_eligible_managers() -> None:
    team = [manager("a"), manager("b", channels=frozenset({"marketplace"}), present=False)]
    rules = RuleBased(
        rules=(AssignmentRule("mp", channel="marketplace", manager_ids=("b",)),),
        then=RoundRobin(),
    )
    lead = LeadToAssign(lead_id="L-5", channel="marketplace")
    assert assign(lead, team, rules, at=TUESDAY_NOON).manager_id == "a"


def test_known_client_goes_to_the_clients_manager() -> None:
    team = [manager("a"), manager("b", open_leads=9)]
    lead = LeadToAssign(lead_id="L-6", channel="phone", client_manager_id="b")
    decision = assign(lead, team, LeastLoaded(), at=TUESDAY_NOON, state=RotationState("x"))
    assert decision == Decision(
        manager_id="b", to_team_queue=False, reason="client_manager", state=RotationState("x")
    )


def test_known_client_falls_back_to_strategy_when_their_manager_is_away() -> None:
    team = [manager("a"), manager("b", present=False)]
    lead = LeadToAssign(lead_id="L-7", channel="phone", client_manager_id="b")
    decision = assign(lead, team, RoundRobin(), at=TUESDAY_NOON)
    assert (decision.manager_id, decision.reason) == ("a", "round_robin")


def test_known_client_falls_back_when_their_manager_is_off_shift() -> None:
    office = BusinessCalendar.russian(years=[2026])
    team = [manager("a"), manager("b", calendar=office)]
    lead = LeadToAssign(lead_id="L-8", channel="phone", client_manager_id="b")
    assert assign(lead, team, RoundRobin(), at=TUESDAY_NOON).manager_id == "b"
    assert assign(lead, team, RoundRobin(), at=TUESDAY_NIGHT).manager_id == "a"


def test_managers_who_breached_on_this_lead_are_skipped() -> None:
    team = [manager("a"), manager("b"), manager("c")]
    lead = LeadToAssign(
        lead_id="L-9", channel="phone", client_manager_id="a", excluded=frozenset({"a", "b"})
    )
    decision = assign(lead, team, RoundRobin(), at=TUESDAY_NOON)
    assert (decision.manager_id, decision.reason) == ("c", "round_robin")


def test_nobody_eligible_sends_the_lead_to_the_team_queue() -> None:
    office = BusinessCalendar.russian(years=[2026])
    team = [
        manager("a", present=False),
        manager("b", open_leads=3, capacity=3),
        manager("c", calendar=office),
        manager("d"),
    ]
    lead = LeadToAssign(lead_id="L-10", channel="phone", excluded=frozenset({"d"}))
    decision = assign(lead, team, RoundRobin(), at=TUESDAY_NIGHT, state=RotationState("b"))
    assert decision == Decision(
        manager_id=None, to_team_queue=True, reason="no_eligible_manager", state=RotationState("b")
    )


def test_empty_roster_sends_the_lead_to_the_team_queue() -> None:
    decision = assign(LEAD, [], LeastLoaded(), at=datetime(2026, 3, 3, tzinfo=UTC))
    assert decision.to_team_queue
    assert decision.manager_id is None


def test_naive_assignment_time_is_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        assign(LEAD, [manager("a")], RoundRobin(), at=datetime(2026, 3, 3, 12, 0))  # noqa: DTZ001


def test_decision_cannot_both_name_a_manager_and_queue() -> None:
    with pytest.raises(ValueError, match="team queue"):
        Decision(manager_id="a", to_team_queue=True, reason="x", state=RotationState())


def test_manager_with_unknown_time_zone_or_negative_load_is_rejected() -> None:
    with pytest.raises(ValueError, match="time zone"):
        manager("a", time_zone="Nowhere/Void")
    with pytest.raises(ValueError, match="negative"):
        manager("a", open_leads=-1)
