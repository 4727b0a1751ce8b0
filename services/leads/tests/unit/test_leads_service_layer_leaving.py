"""A manager made inactive hands their open leads on: deputy, else assignment, else the head."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from leads_fakes import START, LeadsWorld, leads_world

from leads.domain.lead_records import Activity
from shared.contracts.events.lead_lifecycle import ActivityDirection, ActivityKind
from shared.contracts.topics import Topic

pytestmark = pytest.mark.unit


def lead(n: int) -> dict[str, object]:
    return {
        "source": "website",
        "external_id": f"left-{n}",
        "channel": "web_form",
        "contact": {"name": "Мария", "phone": f"+7 (343) 210-00-0{n}"},
    }


async def anna_with_two_open_leads() -> tuple[LeadsWorld, str, str]:
    """Four leads round robin: Anna, Boris, Vera, Anna; Anna has called her first one."""
    world = leads_world()
    ids = [(await world.receive(lead(n)))[0] for n in range(4)]
    assert [world.leads.stored(i).manager_id for i in ids] == ["mgr-a", "mgr-b", "mgr-c", "mgr-a"]
    called = Activity(
        activity_id="call-1",
        manager_id="mgr-a",
        kind=ActivityKind.CALL,
        direction=ActivityDirection.OUTBOUND,
        occurred_at=START,
        outcome="answered",
    )
    await world.commands.log_activity(ids[0], called)
    return world, ids[0], ids[3]


async def deactivate(world: LeadsWorld, manager_id: str, deputy: str | None = None) -> None:
    manager = world.roster.managers[manager_id]
    await world.roster.put_manager(replace(manager, active=False, deputy_id=deputy))


async def test_a_leaving_managers_leads_go_where_assignment_sends_them_now() -> None:
    world, called, uncalled = await anna_with_two_open_leads()
    world.clock.advance(timedelta(minutes=20))
    await deactivate(world, "mgr-a")

    assert await world.absences.leave("mgr-a") == 2

    # In id order, round robin goes on after Anna (the last one given a lead), passing her over.
    first, second = world.published(Topic.LEAD_REASSIGNED)
    lower, higher = sorted((called, uncalled))
    assert [(e["lead_id"], e["from_manager_id"], e["to_manager_id"]) for e in (first, second)] == [
        (lower, "mgr-a", "mgr-b"),
        (higher, "mgr-a", "mgr-c"),
    ]
    assert {e["reason"] for e in (first, second)} == {"manual"}
    assert {e["detail"] for e in (first, second)} == {"the manager left"}
    # The called lead keeps no timer; the uncalled one gets a fresh hour from the hand-over.
    assert world.leads.stored(called).sla_due_at is None
    assert world.leads.stored(uncalled).sla_due_at == START + timedelta(minutes=80)
    assert world.counter.by_manager() == {"mgr-b": 2, "mgr-c": 2}


async def test_leaving_again_moves_nothing_more() -> None:
    world, _, _ = await anna_with_two_open_leads()
    await deactivate(world, "mgr-a")
    assert await world.absences.leave("mgr-a") == 2

    assert await world.absences.leave("mgr-a") == 0
    assert len(world.published(Topic.LEAD_REASSIGNED)) == 2


async def test_a_deputy_at_work_takes_them_all() -> None:
    world, called, uncalled = await anna_with_two_open_leads()
    await deactivate(world, "mgr-a", deputy="mgr-c")

    assert await world.absences.leave("mgr-a") == 2

    assert {world.leads.stored(i).manager_id for i in (called, uncalled)} == {"mgr-c"}


async def test_with_nobody_left_to_assign_the_head_of_sales_takes_them() -> None:
    world, called, uncalled = await anna_with_two_open_leads()
    await deactivate(world, "mgr-b")
    await deactivate(world, "mgr-c")
    await deactivate(world, "mgr-a", deputy="mgr-b")  # a deputy who left too does not count

    assert await world.absences.leave("mgr-a") == 2

    assert {world.leads.stored(i).manager_id for i in (called, uncalled)} == {"head"}


async def test_an_active_manager_keeps_their_leads() -> None:
    world, called, _ = await anna_with_two_open_leads()

    assert await world.absences.leave("mgr-a") == 0
    assert await world.absences.leave("nobody") == 0
    assert world.leads.stored(called).manager_id == "mgr-a"
    assert world.published(Topic.LEAD_REASSIGNED) == []
