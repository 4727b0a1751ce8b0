"""Manager loads and contact keys over in-memory adapters: exact loads, one lead per person."""

from __future__ import annotations

import asyncio
from datetime import time, timedelta
from typing import Any

import pytest
from leads_fakes import START, Crash, LeadsWorld, leads_world

from leads.domain.assignment import LeadToAssign
from leads.domain.contact_keys import ContactKey
from leads.domain.dedupe import LeadStatus
from leads.domain.lead_records import Activity, Conversion
from leads.domain.roster import WorkingTime
from leads.domain.sla import SlaPolicy
from leads.service_layer import intake
from leads.service_layer.assigner import Assigner, AssignmentConfig
from shared.contracts.events.lead_lifecycle import ActivityDirection, ActivityKind
from shared.platform.repository import ConcurrentModification

pytestmark = pytest.mark.unit


def request(n: int, phone: str | None = None) -> dict[str, Any]:
    """A web request from person `n` (or from `phone`)."""
    return {
        "source": "website",
        "external_id": f"form-{n}",
        "channel": "web_form",
        "contact": {"name": f"Клиент {n}", "phone": phone or f"8912345{n:04d}"},
    }


def call(manager: str) -> Activity:
    return Activity(
        activity_id=f"call-{manager}",
        manager_id=manager,
        kind=ActivityKind.CALL,
        direction=ActivityDirection.OUTBOUND,
        occurred_at=START,
        outcome="answered",
    )


async def four_leads(world: LeadsWorld) -> list[str]:
    """Round robin: mgr-a, mgr-b, mgr-c, mgr-a."""
    return [(await world.receive(request(n)))[0] for n in range(4)]


async def test_loads_stay_exact_through_reassign_convert_and_disqualify() -> None:
    world = leads_world()
    first, second, third, fourth = await four_leads(world)
    assert world.counter.by_manager() == {"mgr-a": 2, "mgr-b": 1, "mgr-c": 1}

    await world.commands.reassign(first, to_manager_id="mgr-b", note=None)
    assert world.counter.by_manager() == {"mgr-a": 1, "mgr-b": 2, "mgr-c": 1}

    await world.commands.log_activity(second, call("mgr-b"))
    await world.commands.convert(second, Conversion(manager_id=None))
    assert world.counter.by_manager() == {"mgr-a": 1, "mgr-b": 1, "mgr-c": 1}

    await world.commands.disqualify(third, reason="spam", note=None, by="mgr-c")
    assert world.counter.by_manager() == {"mgr-a": 1, "mgr-b": 1}
    # The counted sets name the leads themselves, not just how many.
    assert world.counter.sets["mgr-a"] == {fourth} and world.counter.sets["mgr-b"] == {first}
    assert await world.loads.reconcile() == 0


async def test_loads_follow_sla_breach_and_escalation_to_the_head() -> None:
    world = leads_world()
    lead_id, _ = await world.receive(request(1))
    assert world.counter.by_manager() == {"mgr-a": 1}

    world.clock.advance(timedelta(minutes=61))
    await world.watcher.fire_due()
    assert world.counter.by_manager() == {"mgr-b": 1}

    world.clock.advance(timedelta(minutes=61))
    await world.watcher.fire_due()
    assert world.leads.stored(lead_id).manager_id == "head"
    assert world.counter.by_manager() == {"head": 1}


async def test_least_loaded_assignment_reads_the_counted_loads() -> None:
    world = leads_world()
    world.counter.sets = {"mgr-a": {"x-1", "x-2"}, "mgr-b": {"x-3"}, "mgr-c": {"x-4", "x-5"}}
    assigner = Assigner(
        world.roster,
        world.loads,
        AssignmentConfig(
            strategy="least_loaded",
            default_team="sales",
            default_calendar=WorkingTime("around_the_clock", "Europe/Moscow", time(9), time(18)),
            sla=SlaPolicy(default_minutes=60),
        ),
    )

    owner = await assigner.choose(
        LeadToAssign(lead_id="lead-1", channel="web_form"), priority=10, at=START
    )

    assert owner.manager_id == "mgr-b"


async def test_a_crash_between_lead_save_and_load_change_is_repaired_by_reconciliation() -> None:
    world = leads_world()
    world.counter.crash_next = True
    with pytest.raises(Crash):
        await world.receive(request(1))
    [lead_id] = world.leads.documents
    assert world.counter.by_manager() == {}

    assert await world.loads.reconcile() == 1
    assert world.counter.by_manager() == {"mgr-a": 1}

    world.counter.crash_next = True
    with pytest.raises(Crash):
        await world.commands.reassign(lead_id, to_manager_id="mgr-c", note=None)
    assert world.leads.stored(lead_id).manager_id == "mgr-c"
    assert world.counter.by_manager() == {"mgr-a": 1}

    assert await world.loads.reconcile() == 1  # one lead: off mgr-a, onto mgr-c
    assert world.counter.by_manager() == {"mgr-c": 1}


async def test_a_redelivered_lead_settles_a_load_its_first_delivery_left_undone() -> None:
    world = leads_world()
    world.counter.crash_next = True
    with pytest.raises(Crash):
        await world.receive(request(1))

    await world.receive(request(1))

    assert world.counter.by_manager() == {"mgr-a": 1} and len(world.leads.documents) == 1


async def test_two_requests_of_one_person_at_once_make_one_lead() -> None:
    world = leads_world()
    by_form = request(1, phone="+7 912 000 11 22")
    by_chat = {**request(2, phone="8 912 000 11 22"), "channel": "messenger"}

    ids = await asyncio.gather(world.receive(by_form), world.receive(by_chat))

    [lead] = world.leads.all()
    assert {lead_id for lead_id, _ in ids} == {lead.id}
    assert len(lead.aliases) == 1 and lead.channels == ["web_form", "messenger"]
    assert len(world.leads.published) == 1  # one lead.assigned
    assert world.counter.by_manager() == {"mgr-a": 1}
    assert world.contact_keys.keys["phone:+79120001122"].owner == lead.id


async def test_a_key_of_a_closed_lead_is_free_again() -> None:
    world = leads_world()
    first, _ = await world.receive(request(1))
    await world.commands.disqualify(first, reason="spam", note=None, by=None)
    assert world.contact_keys.keys["phone:+79123450001"].owner is None

    second, _ = await world.receive(request(2, phone="89123450001"))

    assert second != first
    assert world.leads.stored(second).status is LeadStatus.ASSIGNED
    assert world.contact_keys.keys["phone:+79123450001"].owner == second


async def test_a_stale_key_still_pointing_to_a_closed_lead_is_treated_as_free() -> None:
    world = leads_world()
    first, _ = await world.receive(request(1))
    await world.commands.disqualify(first, reason="spam", note=None, by=None)
    # As if the process stopped between closing the lead and releasing its key.
    world.contact_keys.keys["phone:+79123450001"] = ContactKey(
        "phone:+79123450001", owner=first, claimed_at=START
    )

    second, _ = await world.receive(request(2, phone="89123450001"))

    assert second != first and world.leads.stored(first).aliases == []
    assert world.contact_keys.keys["phone:+79123450001"].owner == second


async def test_a_claim_for_a_lead_never_stored_is_free_after_the_grace() -> None:
    world = leads_world()
    key = "phone:+79123450001"
    world.contact_keys.keys[key] = ContactKey(key, owner="lead-gone", claimed_at=START)
    world.clock.advance(timedelta(minutes=2))

    lead_id, _ = await world.receive(request(1))

    assert world.contact_keys.keys[key].owner == lead_id


async def test_a_fresh_claim_for_a_lead_not_stored_yet_is_waited_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(intake, "IN_FLIGHT_PAUSE", 0)
    world = leads_world()
    key = "phone:+79123450001"
    world.contact_keys.keys[key] = ContactKey(key, owner="lead-on-its-way", claimed_at=START)

    with pytest.raises(ConcurrentModification):
        await world.receive(request(1))
    assert world.leads.documents == {}


async def test_a_converted_lead_makes_its_keys_point_to_the_client() -> None:
    world = leads_world()
    first, _ = await world.receive(request(1))
    await world.commands.log_activity(first, call("mgr-a"))
    await world.commands.convert(first, Conversion(manager_id=None))

    stored = world.contact_keys.keys["phone:+79123450001"]
    assert stored.owner is None and stored.client is not None
    assert (stored.client.lead_id, stored.client.manager_id) == (first, "mgr-a")
