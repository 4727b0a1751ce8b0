"""Deterministic ids, lifecycle moves, what counts as contact and the SLA policy."""

from datetime import UTC, datetime, time, timedelta

import pytest

from leads.domain.calendar import BusinessCalendar
from leads.domain.dedupe import LeadStatus
from leads.domain.ids import activity_id_for, lead_id_for, request_event_id
from leads.domain.lifecycle import (
    LifecycleError,
    check_convert,
    check_disqualify,
    check_qualify,
    counts_as_contact,
)
from leads.domain.sla import SlaPolicy

pytestmark = pytest.mark.unit


def test_lead_id_depends_on_source_and_external_id_only() -> None:
    assert lead_id_for("website", "f-1", "evt-1") == lead_id_for("website", "f-1", "evt-2")
    assert lead_id_for("website", "f-1", "evt-1") != lead_id_for("telephony", "f-1", "evt-1")
    assert lead_id_for("website", None, "evt-1") == lead_id_for("website", None, "evt-1")
    assert lead_id_for("website", None, "evt-1") != lead_id_for("website", None, "evt-2")


def test_separator_keeps_source_and_external_id_apart() -> None:
    assert lead_id_for("ab", "c", "e") != lead_id_for("a", "bc", "e")


def test_request_and_activity_ids_repeat_for_the_same_key() -> None:
    assert request_event_id("web", "k1") == request_event_id("web", "k1")
    assert request_event_id("web", "k1") != request_event_id("crm", "k1")
    assert activity_id_for("lead-1", "k") == activity_id_for("lead-1", "k")
    assert activity_id_for("lead-1", "k") != activity_id_for("lead-2", "k")


@pytest.mark.parametrize(
    ("kind", "direction", "outcome", "expected"),
    [
        ("call", "outbound", "answered", True),
        ("call", "outbound", "no_answer", True),
        ("call", "inbound", "missed", False),
        ("call", "inbound", "answered", True),
        ("email", "outbound", None, True),
        ("message", "outbound", None, True),
        ("meeting", "outbound", "held", True),
        ("note", "outbound", None, False),
    ],
)
def test_what_counts_as_first_contact(
    kind: str, direction: str, outcome: str | None, expected: bool
) -> None:
    assert counts_as_contact(kind, direction, outcome) is expected


def test_nothing_done_before_the_request_was_received_answers_it() -> None:
    assert counts_as_contact("call", "inbound", "answered", before_request=True) is False
    assert counts_as_contact("call", "outbound", "answered", before_request=True) is False
    assert counts_as_contact("call", "inbound", "answered", before_request=False) is True


def test_qualify_only_after_contact() -> None:
    check_qualify(LeadStatus.CONTACTED)
    with pytest.raises(LifecycleError, match="once contacted"):
        check_qualify(LeadStatus.ASSIGNED)


def test_convert_from_contacted_implies_qualification() -> None:
    assert check_convert(LeadStatus.CONTACTED) is True
    assert check_convert(LeadStatus.QUALIFIED) is False
    for status in (LeadStatus.NEW, LeadStatus.ASSIGNED, LeadStatus.DISQUALIFIED):
        with pytest.raises(LifecycleError):
            check_convert(status)


def test_disqualify_needs_an_open_lead_and_a_known_reason() -> None:
    reasons = frozenset({"no_budget", "spam"})
    check_disqualify(LeadStatus.ASSIGNED, "spam", reasons)
    with pytest.raises(LifecycleError, match="allowed: no_budget, spam"):
        check_disqualify(LeadStatus.ASSIGNED, "boring", reasons)
    with pytest.raises(LifecycleError, match="already closed"):
        check_disqualify(LeadStatus.CONVERTED, "spam", reasons)


def test_shortest_applicable_sla_limit_wins() -> None:
    policy = SlaPolicy(default_minutes=60, by_channel={"phone": 15}, by_priority={60: 5})
    assert policy.limit("email", 10) == timedelta(minutes=60)
    assert policy.limit("phone", 10) == timedelta(minutes=15)
    assert policy.limit("email", 60) == timedelta(minutes=5)
    assert policy.limit("phone", 80) == timedelta(minutes=5)


def test_sla_deadline_counts_business_time_of_the_team() -> None:
    policy = SlaPolicy()
    calendar = BusinessCalendar.russian("Europe/Moscow", time(9), time(18), years=[2026])
    friday_evening = datetime(2026, 3, 6, 14, 30, tzinfo=UTC)  # 17:30 in Moscow
    # 30 minutes on Friday, the rest after the weekend and the 9 March holiday (observed).
    assert policy.deadline("web_form", 0, friday_evening, calendar) == datetime(
        2026, 3, 10, 6, 30, tzinfo=UTC
    )
    always = BusinessCalendar.around_the_clock("Asia/Yekaterinburg")
    assert policy.deadline("web_form", 0, friday_evening, always) == friday_evening + timedelta(
        hours=1
    )


def test_escalation_after_the_configured_number_of_breaches() -> None:
    policy = SlaPolicy(max_breaches=2)
    assert not policy.escalates(1)
    assert policy.escalates(2)


def test_sla_policy_refuses_nonsense_limits() -> None:
    with pytest.raises(ValueError, match="at least one minute"):
        SlaPolicy(by_channel={"phone": 0})
    with pytest.raises(ValueError, match="max_breaches"):
        SlaPolicy(max_breaches=0)
