"""Lifecycle commands over in-memory adapters: activities, qualify, convert, disqualify, move."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from leads_fakes import START, LeadsWorld, leads_world

from leads.domain.dedupe import LeadStatus
from leads.domain.lead_records import Activity, Conversion
from leads.domain.lifecycle import LifecycleError
from leads.service_layer.commands import LeadNotFound
from shared.contracts.events.lead_lifecycle import ActivityDirection, ActivityKind
from shared.contracts.topics import Topic

pytestmark = pytest.mark.unit

LEAD = {
    "source": "website",
    "external_id": "form-9",
    "channel": "web_form",
    "contact": {"name": "Пётр", "phone": "89123450001", "company": "ООО «Вектор»"},
    "product": "Насос Н-50",
    "quantity": "3",
    "budget": {"amount": "450000.00", "currency": "RUB"},
}


def activity(
    kind: ActivityKind = ActivityKind.CALL,
    *,
    activity_id: str = "act-1",
    manager: str = "mgr-a",
    minutes: int = 0,
    direction: ActivityDirection = ActivityDirection.OUTBOUND,
    outcome: str | None = "answered",
) -> Activity:
    return Activity(
        activity_id=activity_id,
        manager_id=manager,
        kind=kind,
        direction=direction,
        occurred_at=START + timedelta(minutes=minutes),
        outcome=outcome,
    )


async def new_lead() -> tuple[LeadsWorld, str]:
    world = leads_world()
    lead_id, _ = await world.receive(LEAD)
    return world, lead_id


async def contacted_lead() -> tuple[LeadsWorld, str]:
    world, lead_id = await new_lead()
    await world.commands.log_activity(lead_id, activity())
    return world, lead_id


async def test_first_contact_stops_the_timer_and_measures_the_response() -> None:
    world, lead_id = await new_lead()
    world.clock.advance(timedelta(minutes=30))
    lead, created = await world.commands.log_activity(lead_id, activity(minutes=30))

    assert created is True
    assert lead.status is LeadStatus.CONTACTED and lead.sla_due_at is None
    assert lead.sla_deadline == START + timedelta(minutes=60)
    assert (lead.response_seconds, lead.within_sla, lead.first_contact_by) == (1800, True, "mgr-a")
    assert world.leads.stored(lead_id).sla_due_at is None
    [logged] = world.published(Topic.LEAD_ACTIVITY_LOGGED)
    assert logged["counts_as_contact"] is True and logged["team"] == "sales"
    [contacted] = world.published(Topic.LEAD_CONTACTED)
    assert contacted["response_seconds"] == 1800 and contacted["within_sla"] is True


async def test_contact_after_the_deadline_is_outside_the_sla() -> None:
    world, lead_id = await new_lead()
    world.clock.advance(timedelta(minutes=90))
    lead, _ = await world.commands.log_activity(lead_id, activity(minutes=90))
    assert (lead.response_seconds, lead.within_sla) == (5400, False)


async def test_an_activity_dated_in_the_future_counts_from_when_it_was_logged() -> None:
    world, lead_id = await new_lead()
    world.clock.advance(timedelta(minutes=10))
    lead, _ = await world.commands.log_activity(lead_id, activity(minutes=25))
    assert lead.first_contact_at == START + timedelta(minutes=10)
    assert lead.response_seconds == 600


async def test_repeated_activity_id_logs_nothing_and_a_note_is_not_contact() -> None:
    world, lead_id = await new_lead()
    note = activity(ActivityKind.NOTE, activity_id="n-1", outcome=None)
    lead, created = await world.commands.log_activity(lead_id, note)
    assert created is True and lead.status is LeadStatus.ASSIGNED
    assert lead.sla_due_at == START + timedelta(minutes=60)

    again, created = await world.commands.log_activity(lead_id, note)
    assert created is False and len(again.activities) == 1
    assert len(world.published(Topic.LEAD_ACTIVITY_LOGGED)) == 1
    assert world.published(Topic.LEAD_CONTACTED) == []


async def test_missed_inbound_call_is_not_contact() -> None:
    world, lead_id = await new_lead()
    missed = activity(direction=ActivityDirection.INBOUND, outcome="missed")
    lead, _ = await world.commands.log_activity(lead_id, missed)
    assert lead.status is LeadStatus.ASSIGNED and lead.sla_due_at is not None


async def test_qualify_needs_contact_and_a_repeat_changes_nothing() -> None:
    world, lead_id = await new_lead()
    with pytest.raises(LifecycleError, match="only once contacted"):
        await world.commands.qualify(lead_id, by=None)
    await world.commands.log_activity(lead_id, activity())
    world.clock.advance(timedelta(minutes=3))

    lead = await world.commands.qualify(lead_id, by="mgr-b")
    assert lead.status is LeadStatus.QUALIFIED and lead.qualified_at == world.clock.now()
    again = await world.commands.qualify(lead_id, by="mgr-b")
    assert again.revision == lead.revision
    [qualified] = world.published(Topic.LEAD_QUALIFIED)
    assert qualified["manager_id"] == "mgr-b" and qualified["channel"] == "web_form"


async def test_convert_qualifies_on_the_way_and_carries_what_the_deal_needs() -> None:
    world, lead_id = await new_lead()
    with pytest.raises(LifecycleError, match="only after contact"):
        await world.commands.convert(lead_id, Conversion(manager_id=None))
    await world.commands.log_activity(lead_id, activity())

    lead = await world.commands.convert(lead_id, Conversion(manager_id=None))
    await world.commands.convert(lead_id, Conversion(manager_id=None))

    assert lead.status is LeadStatus.CONVERTED and lead.manager_id == "mgr-a"
    assert len(world.published(Topic.LEAD_QUALIFIED)) == 1
    [converted] = world.published(Topic.LEAD_CONVERTED)
    assert converted["manager_id"] == "mgr-a"
    assert converted["contact"]["phone"] == "+79123450001"
    assert converted["contact"]["company"] == "ООО «Вектор»"
    assert converted["products"] == [{"product": "Насос Н-50", "quantity": "3", "unit_price": None}]
    assert converted["amount_estimate"] == {"amount": "450000.00", "currency": "RUB"}
    assert world.leads.stored(lead_id).quantity == Decimal("3")


async def test_disqualify_needs_a_configured_reason_and_closes_the_lead() -> None:
    world, lead_id = await new_lead()
    with pytest.raises(LifecycleError, match="allowed: no_budget, spam"):
        await world.commands.disqualify(lead_id, reason="boring", note=None, by=None)

    lead = await world.commands.disqualify(lead_id, reason="no_budget", note="осенью", by=None)
    await world.commands.disqualify(lead_id, reason="no_budget", note="осенью", by=None)

    assert lead.status is LeadStatus.DISQUALIFIED and lead.sla_due_at is None
    assert (lead.disqualify_reason, lead.disqualify_note) == ("no_budget", "осенью")
    [closed] = world.published(Topic.LEAD_DISQUALIFIED)
    assert closed["manager_id"] == "mgr-a" and closed["reason"] == "no_budget"
    with pytest.raises(LifecycleError, match="already closed"):
        await world.commands.disqualify(lead_id, reason="spam", note=None, by=None)
    with pytest.raises(LifecycleError, match="closed"):
        await world.commands.log_activity(lead_id, activity())


async def test_manual_reassignment_of_an_uncontacted_lead_restarts_its_timer() -> None:
    world, lead_id = await new_lead()
    world.clock.advance(timedelta(minutes=10))

    lead = await world.commands.reassign(lead_id, to_manager_id="mgr-c", note="знает клиента")

    assert (lead.manager_id, lead.team) == ("mgr-c", "sales")
    assert lead.sla_deadline == lead.sla_due_at == START + timedelta(minutes=70)
    [moved] = world.published(Topic.LEAD_REASSIGNED)
    assert (moved["from_manager_id"], moved["to_manager_id"]) == ("mgr-a", "mgr-c")
    assert moved["reason"] == "manual" and moved["detail"] == "знает клиента"
    assert moved["sla_deadline"] == "2026-03-02T10:10:00Z"
    same = await world.commands.reassign(lead_id, to_manager_id="mgr-c", note=None)
    assert same.revision == lead.revision


async def test_manual_reassignment_of_a_contacted_lead_sets_no_timer() -> None:
    world, lead_id = await contacted_lead()
    lead = await world.commands.reassign(lead_id, to_manager_id="mgr-b", note=None)
    assert lead.status is LeadStatus.CONTACTED and lead.sla_due_at is None
    assert world.published(Topic.LEAD_REASSIGNED)[0]["sla_deadline"] is None


async def test_reassignment_refusals() -> None:
    world, lead_id = await new_lead()
    with pytest.raises(LifecycleError, match="no such manager"):
        await world.commands.reassign(lead_id, to_manager_id="nobody", note=None)
    await world.commands.disqualify(lead_id, reason="spam", note=None, by=None)
    with pytest.raises(LifecycleError, match="already closed"):
        await world.commands.reassign(lead_id, to_manager_id="mgr-b", note=None)
    with pytest.raises(LeadNotFound):
        await world.commands.qualify("lead-nope", by=None)


async def test_commands_and_reads_reach_a_lead_by_a_merged_duplicate_id() -> None:
    world, lead_id = await new_lead()
    alias, _ = await world.receive({**LEAD, "external_id": "form-10"}, event_id="evt-dup")
    assert alias == lead_id
    merged_id = world.leads.stored(lead_id).aliases[0]

    lead, _ = await world.commands.log_activity(merged_id, activity())
    assert lead.id == lead_id and lead.status is LeadStatus.CONTACTED
    assert (await world.queries.lead(merged_id)).id == lead_id
