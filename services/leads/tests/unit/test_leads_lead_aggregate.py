"""The lead aggregate alone: its transitions, the events they record and its timer invariant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from leads.adapters.lead_mapper import LeadMapper
from leads.domain.contact import normalize_contact
from leads.domain.dedupe import LeadStatus
from leads.domain.lead import KEPT_ENTRIES, KEPT_IDS, Lead
from leads.domain.lead_records import Activity, Conversion, Owner
from leads.domain.lifecycle import LifecycleError
from leads.domain.priority import Priority, Reason
from leads.domain.sla import SlaPolicy
from shared.contracts.events.lead_lifecycle import (
    ActivityDirection,
    ActivityKind,
    LeadActivityLoggedV1,
    LeadAssignedV1,
    LeadContactedV1,
    LeadConvertedV1,
    LeadDisqualifiedV1,
    LeadQualifiedV1,
    LeadReassignedV1,
    LeadSlaBreachedV1,
    ReassignReason,
)
from shared.contracts.events.lead_received import LeadReceivedV1

pytestmark = pytest.mark.unit

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DEADLINE = T0 + timedelta(hours=1)
REQUEST = LeadReceivedV1.model_validate(
    {
        "source": "website",
        "external_id": "f-1",
        "channel": "web_form",
        "contact": {"name": "Ольга", "phone": "8 912 000 11 22", "email": "bad@"},
        "product": "Насос",
        "quantity": "2",
        "budget": {"amount": "1000.50", "currency": "RUB"},
        "deadline": "2026-03-20",
        "utm": {"source": "yandex"},
    }
)


def new_lead(manager: str | None = "mgr-a") -> Lead:
    contact = REQUEST.contact
    return Lead.receive(
        lead_id="lead-1",
        request=REQUEST,
        contact=normalize_contact(name=contact.name, phone=contact.phone, email=contact.email),
        received_at=T0,
        priority=Priority(score=40, reasons=(Reason("product_named", 20, "en", "ru"),)),
        owner=Owner(manager, "sales", "round_robin", DEADLINE),
        client_lead_id=None,
        now=T0,
    )


def call(minutes: int, *, kind: ActivityKind = ActivityKind.CALL, id_: str = "a-1") -> Activity:
    return Activity(
        activity_id=id_,
        manager_id="mgr-a",
        kind=kind,
        direction=ActivityDirection.OUTBOUND,
        occurred_at=T0 + timedelta(minutes=minutes),
    )


def timer_consistent(lead: Lead) -> bool:
    """The invariant: a timer runs exactly while an uncontacted lead has an automatic deadline."""
    if not lead.awaiting_contact or lead.escalated:
        return lead.sla_due_at is None
    return lead.sla_due_at == lead.sla_deadline


def test_a_received_lead_is_assigned_with_its_timer_running_and_says_so() -> None:
    lead = new_lead()
    assert (lead.status, lead.manager_id, lead.sla_due_at) == (
        LeadStatus.ASSIGNED,
        "mgr-a",
        DEADLINE,
    )
    assert lead.flags == ["email_invalid"] and lead.contact.email_raw == "bad@"
    [assigned] = lead.collect_events()
    assert isinstance(assigned, LeadAssignedV1)
    assert (assigned.manager_id, assigned.sla_deadline, assigned.priority) == (
        "mgr-a",
        DEADLINE,
        40,
    )


def test_nobody_eligible_leaves_the_lead_new_in_the_team_queue() -> None:
    lead = new_lead(manager=None)
    assert lead.status is LeadStatus.NEW and lead.team == "sales" and timer_consistent(lead)


def test_first_contact_records_activity_and_contact_and_stops_the_timer() -> None:
    lead = new_lead()
    lead.collect_events()
    assert lead.log_activity(call(20), T0 + timedelta(minutes=25)) is True
    logged, contacted = lead.collect_events()
    assert isinstance(logged, LeadActivityLoggedV1) and logged.counts_as_contact is True
    assert isinstance(contacted, LeadContactedV1)
    assert (contacted.response_seconds, contacted.within_sla) == (1200, True)
    assert lead.status is LeadStatus.CONTACTED and timer_consistent(lead)
    assert lead.log_activity(call(20), T0 + timedelta(minutes=26)) is False
    assert lead.collect_events() == []


def test_a_call_before_the_request_goes_on_the_timeline_and_the_timer_runs_on() -> None:
    lead = new_lead()
    lead.collect_events()
    # Telephony reports at 09:25 a call from 08:55, five minutes before the form.
    assert lead.log_activity(call(-5), T0 + timedelta(minutes=25)) is True
    [logged] = lead.collect_events()
    assert isinstance(logged, LeadActivityLoggedV1) and logged.counts_as_contact is False
    assert [a.counts_as_contact for a in lead.activities] == [False]
    assert (lead.status, lead.sla_due_at) == (LeadStatus.ASSIGNED, DEADLINE)
    assert timer_consistent(lead)
    # At the very instant of the request it counts (response 0 s).
    assert lead.log_activity(call(0, id_="a-2"), T0 + timedelta(minutes=26)) is True
    assert lead.status is LeadStatus.CONTACTED and lead.response_seconds == 0


def test_a_second_contact_is_only_an_activity() -> None:
    lead = new_lead()
    lead.log_activity(call(1), T0 + timedelta(minutes=1))
    lead.collect_events()
    lead.log_activity(call(2, id_="a-2"), T0 + timedelta(minutes=2))
    assert [type(e) for e in lead.collect_events()] == [LeadActivityLoggedV1]
    assert lead.response_seconds == 60


def test_convert_from_contacted_records_qualification_then_conversion() -> None:
    lead = new_lead()
    lead.log_activity(call(1), T0 + timedelta(minutes=1))
    lead.collect_events()
    assert lead.convert(Conversion(manager_id="mgr-b"), T0 + timedelta(hours=2)) is True
    qualified, converted = lead.collect_events()
    assert isinstance(qualified, LeadQualifiedV1) and qualified.manager_id == "mgr-b"
    assert isinstance(converted, LeadConvertedV1)
    assert [p.product for p in converted.products] == ["Насос"]
    assert converted.amount_estimate == REQUEST.budget
    assert converted.contact.email == "bad@"
    assert lead.manager_id == "mgr-b" and lead.status is LeadStatus.CONVERTED
    assert lead.convert(Conversion(manager_id=None), T0 + timedelta(hours=3)) is False


def test_qualify_without_any_manager_is_refused() -> None:
    lead = new_lead(manager=None)
    lead.log_activity(call(1), T0 + timedelta(minutes=1))
    with pytest.raises(LifecycleError, match="no manager"):
        lead.qualify(by=None, now=T0)


def test_disqualification_stops_the_timer_and_closes_the_lead() -> None:
    lead = new_lead()
    lead.collect_events()
    lead.disqualify(reason="spam", note=None, by=None, allowed=frozenset({"spam"}), now=T0)
    [closed] = lead.collect_events()
    assert isinstance(closed, LeadDisqualifiedV1) and closed.manager_id == "mgr-a"
    assert timer_consistent(lead) and lead.sla_due_at is None
    with pytest.raises(LifecycleError):
        lead.merge_duplicate(
            alias="lead-2",
            request=REQUEST,
            contact=normalize_contact(name=None, phone="89120001122", email=None),
            received_at=T0,
            now=T0,
        )


def test_breach_before_the_deadline_is_refused() -> None:
    lead = new_lead()
    with pytest.raises(LifecycleError, match="no first-contact deadline"):
        lead.reassign_after_breach(Owner("mgr-b", "sales", "round_robin", None), T0)


def test_breach_reassigns_and_remembers_who_missed_the_deadline() -> None:
    lead = new_lead()
    lead.collect_events()
    at = DEADLINE + timedelta(minutes=1)
    assert lead.missed_sla() == {"mgr-a"}
    assert lead.escalates_on_breach(SlaPolicy(max_breaches=2)) is False
    lead.reassign_after_breach(Owner("mgr-b", "sales", "least_loaded", at + timedelta(hours=1)), at)
    breached, moved = lead.collect_events()
    assert isinstance(breached, LeadSlaBreachedV1)
    assert (breached.deadline, breached.breach_count, breached.escalated) == (DEADLINE, 1, False)
    assert isinstance(moved, LeadReassignedV1) and moved.reason is ReassignReason.SLA_BREACH
    assert (lead.manager_id, lead.sla_missed_by, lead.sla_breaches) == ("mgr-b", ["mgr-a"], 1)
    assert lead.sla_due_at == at + timedelta(hours=1) and timer_consistent(lead)
    assert lead.escalates_on_breach(SlaPolicy(max_breaches=2)) is True


def test_escalation_to_nobody_stops_the_timer_and_still_records_the_breach() -> None:
    lead = new_lead()
    lead.collect_events()
    lead.escalate_after_breach(None, DEADLINE)
    breached, moved = lead.collect_events()
    assert isinstance(breached, LeadSlaBreachedV1) and breached.escalated is True
    assert isinstance(moved, LeadReassignedV1) and moved.detail == "no_head_of_sales"
    assert (lead.status, lead.manager_id, lead.escalated) == (LeadStatus.NEW, None, True)
    assert timer_consistent(lead)


def test_manual_move_of_an_uncontacted_lead_needs_a_new_deadline() -> None:
    lead = new_lead()
    with pytest.raises(ValueError, match="new deadline"):
        lead.reassign(to="mgr-b", team="sales", deadline=None, note=None, now=T0)
    later = T0 + timedelta(hours=3)
    assert lead.reassign(to="mgr-b", team="sales", deadline=later, note=None, now=T0)
    assert lead.sla_due_at == lead.sla_deadline == later and timer_consistent(lead)


def test_the_mapper_stores_every_field_and_reads_the_same_lead_back() -> None:
    lead = new_lead()
    lead.merge_duplicate(
        alias="lead-2",
        request=REQUEST,
        contact=normalize_contact(name=None, phone="89120001122", email="olga@example.ru"),
        received_at=T0 + timedelta(minutes=3),
        now=T0 + timedelta(minutes=3),
    )
    lead.log_activity(call(5), T0 + timedelta(minutes=5))
    mapper = LeadMapper()
    document = mapper.to_document(lead)
    assert document["_id"] == "lead-1" and document["quantity"] == "2"
    assert document["budget"] == {"amount": "1000.50", "currency": "RUB"}
    assert document["deadline"] == "2026-03-20" and document["utm"] == {"source": "yandex"}
    assert "sla_due_at" not in document and document["first_contact_by"] == "mgr-a"
    assert document["contact"]["email"] == "olga@example.ru"
    assert document["history"][0] == {
        "at": T0,
        "type": "assigned",
        "manager_id": "mgr-a",
        "reason": "round_robin",
    }
    assert mapper.to_document(mapper.from_document(document)) == document


def test_a_busy_lead_keeps_its_newest_activities_and_still_knows_recent_repeats() -> None:
    lead = new_lead()
    now = T0
    for n in range(KEPT_ENTRIES + 50):
        now += timedelta(minutes=1)
        assert lead.log_activity(call(n, kind=ActivityKind.NOTE, id_=f"n-{n}"), now)
    assert len(lead.activities) == KEPT_ENTRIES and len(lead.history) <= KEPT_ENTRIES
    assert lead.activities[-1].id == f"n-{KEPT_ENTRIES + 49}"
    assert lead.activities[0].id == "n-50"
    # The ids outlive the entries: a redelivered recent activity is still recognised.
    assert not lead.log_activity(call(1, kind=ActivityKind.NOTE, id_="n-10"), now)
    assert len(lead.activity_ids) == KEPT_ENTRIES + 50 <= KEPT_IDS
