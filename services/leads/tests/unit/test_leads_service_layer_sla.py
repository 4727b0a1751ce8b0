"""The SLA watcher over in-memory adapters: breach, reassignment, escalation and lost races."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from leads_fakes import START, InMemoryLeadRepository, LeadsWorld, leads_world

from leads.domain.dedupe import LeadStatus
from leads.domain.lead import Lead
from leads.domain.lead_records import Activity
from leads.domain.sla import SET_ASIDE
from shared.contracts.events.lead_lifecycle import ActivityDirection, ActivityKind
from shared.contracts.topics import Topic
from shared.platform.repository import REVISION_FIELD

pytestmark = pytest.mark.unit

LEAD = {
    "source": "website",
    "external_id": "sla-1",
    "channel": "web_form",
    "contact": {"name": "Мария", "phone": "+7 (343) 210-00-00"},
}


async def assigned_lead(
    *, max_breaches: int = 2, repository: type[InMemoryLeadRepository] = InMemoryLeadRepository
) -> tuple[LeadsWorld, str]:
    world = leads_world(max_breaches=max_breaches, repository=repository)
    lead_id, _ = await world.receive(LEAD)
    return world, lead_id


async def test_nothing_fires_before_the_deadline() -> None:
    world, lead_id = await assigned_lead()
    world.clock.advance(timedelta(minutes=59))
    assert await world.watcher.fire_due() == 0
    assert world.leads.stored(lead_id).manager_id == "mgr-a"


async def test_breach_hands_the_lead_to_the_next_manager_with_a_fresh_deadline() -> None:
    world, lead_id = await assigned_lead()
    world.clock.advance(timedelta(minutes=61))

    assert await world.watcher.fire_due() == 1
    assert await world.watcher.fire_due() == 0

    lead = world.leads.stored(lead_id)
    assert (lead.manager_id, lead.status, lead.sla_breaches) == ("mgr-b", LeadStatus.ASSIGNED, 1)
    assert lead.sla_missed_by == ["mgr-a"]
    assert lead.sla_deadline == lead.sla_due_at == START + timedelta(minutes=121)
    [breached] = world.published(Topic.LEAD_SLA_BREACHED)
    assert breached["manager_id"] == "mgr-a" and breached["deadline"] == "2026-03-02T10:00:00Z"
    assert breached["breach_count"] == 1 and breached["escalated"] is False
    [moved] = world.published(Topic.LEAD_REASSIGNED)
    assert (moved["from_manager_id"], moved["to_manager_id"]) == ("mgr-a", "mgr-b")
    assert moved["reason"] == "sla_breach" and moved["sla_deadline"] == "2026-03-02T11:01:00Z"


async def test_a_manager_who_missed_the_deadline_never_gets_the_lead_back() -> None:
    world, lead_id = await assigned_lead(max_breaches=5)
    for _ in range(2):
        world.clock.advance(timedelta(minutes=61))
        await world.watcher.fire_due()
    lead = world.leads.stored(lead_id)
    assert lead.manager_id == "mgr-c" and lead.sla_missed_by == ["mgr-a", "mgr-b"]
    world.clock.advance(timedelta(minutes=61))
    await world.watcher.fire_due()
    lead = world.leads.stored(lead_id)
    # Everybody missed it: the lead waits in the team queue, still on a timer.
    assert (lead.manager_id, lead.status, lead.team) == (None, LeadStatus.NEW, "sales")
    assert lead.assignment_reason == "no_eligible_manager" and lead.sla_due_at is not None


async def test_the_last_allowed_breach_escalates_to_the_head_of_sales_and_stops_the_timer() -> None:
    world, lead_id = await assigned_lead()
    world.clock.advance(timedelta(minutes=61))
    await world.watcher.fire_due()
    world.clock.advance(timedelta(minutes=61))
    assert await world.watcher.fire_due() == 1

    lead = world.leads.stored(lead_id)
    assert (lead.manager_id, lead.escalated, lead.sla_breaches) == ("head", True, 2)
    assert lead.sla_due_at is None and lead.assignment_reason == "escalation"
    assert lead.sla_missed_by == ["mgr-a", "mgr-b"]
    last = world.published(Topic.LEAD_SLA_BREACHED)[-1]
    assert last["escalated"] is True and last["escalated_to"] == "head"
    reasons = [event["reason"] for event in world.published(Topic.LEAD_REASSIGNED)]
    assert reasons == ["sla_breach", "escalation"]
    world.clock.advance(timedelta(hours=5))
    assert await world.watcher.fire_due() == 0


async def test_contact_before_the_deadline_prevents_any_breach() -> None:
    world, lead_id = await assigned_lead()
    world.clock.advance(timedelta(minutes=30))
    contact = Activity(
        activity_id="a-1",
        manager_id="mgr-a",
        kind=ActivityKind.CALL,
        direction=ActivityDirection.OUTBOUND,
        occurred_at=world.clock.now(),
        outcome="answered",
    )
    await world.commands.log_activity(lead_id, contact)
    world.clock.advance(timedelta(hours=2))
    assert await world.watcher.fire_due() == 0
    assert world.published(Topic.LEAD_SLA_BREACHED) == []


class RacedRepository(InMemoryLeadRepository):
    """Another replica saves every due lead between this replica's read and its save."""

    async def due(self, now: datetime, limit: int) -> list[Lead]:
        found = await super().due(now, limit)
        for lead in found:
            self.documents[lead.id][REVISION_FIELD] += 1
        return found


async def test_a_breach_that_lost_the_race_writes_and_publishes_nothing() -> None:
    world, lead_id = await assigned_lead(repository=RacedRepository)
    world.clock.advance(timedelta(minutes=61))
    assert await world.watcher.fire_due() == 0
    assert world.published(Topic.LEAD_SLA_BREACHED) == []
    assert world.leads.stored(lead_id).manager_id == "mgr-a"


class FirstDueIsBroken(InMemoryLeadRepository):
    """The earliest due lead breaks in its own code when breached (a bug, bad data)."""

    broken: str | None = None

    async def due(self, now: datetime, limit: int) -> list[Lead]:
        found = await super().due(now, limit)
        for lead in found:
            if lead.id == self.broken:

                def fails(*_: object) -> None:
                    raise KeyError("sla_missed_by")

                lead.reassign_after_breach = fails  # type: ignore[method-assign]
        return found


async def test_one_lead_that_fails_to_breach_is_set_aside_and_later_deadlines_still_fire() -> None:
    world, first = await assigned_lead(repository=FirstDueIsBroken)
    world.clock.advance(timedelta(minutes=1))
    second, _ = await world.receive(
        {**LEAD, "external_id": "sla-2", "contact": {"phone": "+7 343 210-00-01"}}
    )
    assert isinstance(world.leads, FirstDueIsBroken)
    world.leads.broken = first  # due first, since its deadline is the earliest
    world.clock.advance(timedelta(minutes=61))
    assert await world.watcher.fire_due() == 1
    assert world.leads.stored(second).sla_breaches == 1
    assert world.leads.stored(first).sla_breaches == 0
    assert world.leads.stored(first).sla_due_at == world.clock.now() + SET_ASIDE
