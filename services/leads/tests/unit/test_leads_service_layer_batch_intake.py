"""Intake of a batch of `lead.received` over in-memory adapters, as one-by-one delivery would."""

from __future__ import annotations

from typing import Any

import pytest
from leads_fakes import Crash, LeadsWorld, leads_world

from leads.domain.dedupe import LeadStatus
from shared.contracts.topics import Topic

pytestmark = pytest.mark.unit


def person(n: int, **extra: Any) -> dict[str, Any]:
    """A web request of person `n` (phone and e-mail of their own)."""
    return {
        "source": "website",
        "external_id": f"form-{n}",
        "channel": "web_form",
        "contact": {"name": f"Клиент {n}", "phone": f"+7 912 000 00 {n:02d}"},
        "request_text": "Нужны станки",
        **extra,
    }


async def test_a_batch_of_new_people_is_assigned_as_one_by_one_delivery_would() -> None:
    one_by_one, batched = leads_world(), leads_world()
    bodies = [person(n) for n in range(5)]
    for body in bodies:
        await one_by_one.receive(body)

    ids = await batched.receive_batch(bodies)

    owners = [batched.leads.stored(lead_id).manager_id for lead_id in ids]
    assert owners == ["mgr-a", "mgr-b", "mgr-c", "mgr-a", "mgr-b"]
    assert owners == [one_by_one.leads.stored(lead_id).manager_id for lead_id in ids]
    assert batched.counter.by_manager() == {"mgr-a": 2, "mgr-b": 2, "mgr-c": 1}
    assert batched.roster.rotation == "mgr-b"
    assigned = batched.published(Topic.LEAD_ASSIGNED.value)
    assert [event["lead_id"] for event in assigned] == ids
    assert set(batched.contact_keys.keys) == {f"phone:+791200000{n:02d}" for n in range(5)}


async def test_a_redelivered_batch_creates_nothing_twice() -> None:
    world = leads_world()
    bodies = [person(n) for n in range(3)]
    ids = await world.receive_batch(bodies)

    again = await world.receive_batch(bodies)

    assert again == ids
    assert len(world.leads.all()) == 3
    assert len(world.published(Topic.LEAD_ASSIGNED.value)) == 3
    assert world.counter.by_manager() == {"mgr-a": 1, "mgr-b": 1, "mgr-c": 1}


async def test_a_batch_redelivered_after_a_crash_before_the_loads_counts_them() -> None:
    world = leads_world()
    bodies = [person(n) for n in range(2)]
    world.counter.crash_next = True
    with pytest.raises(Crash):
        await world.receive_batch(bodies)
    assert len(world.leads.all()) == 2 and world.counter.by_manager() == {}

    await world.receive_batch(bodies)

    assert len(world.leads.all()) == 2
    assert world.counter.by_manager() == {"mgr-a": 1, "mgr-b": 1}


async def test_one_person_twice_in_a_batch_makes_one_lead() -> None:
    world = leads_world()
    second = person(1, external_id="form-1-again", channel="email")
    second["contact"]["email"] = "client1@example.ru"

    first_id, second_id = await world.receive_batch([person(1), second])

    assert first_id == second_id
    [lead] = world.leads.all()
    assert lead.aliases and lead.channels == ["web_form", "email"]
    assert world.counter.by_manager() == {"mgr-a": 1}
    assert world.contact_keys.keys["email:client1@example.ru"].owner == lead.id


async def test_the_same_event_twice_in_a_batch_makes_one_lead() -> None:
    world = leads_world()
    ids = await world.receive_batch([person(1), person(1)])
    assert ids[0] == ids[1] and len(world.leads.all()) == 1


async def test_a_duplicate_of_a_stored_lead_in_a_batch_joins_it() -> None:
    world = leads_world()
    stored_id, _ = await world.receive(person(1))

    ids = await world.receive_batch([person(2), person(1, external_id="form-1-again")])

    assert ids[1] == stored_id
    assert len(world.leads.all()) == 2
    assert world.leads.stored(stored_id).status == LeadStatus.ASSIGNED
    assert world.counter.by_manager() == {"mgr-a": 1, "mgr-b": 1}


async def test_a_key_claimed_by_another_consumer_meanwhile_sends_the_request_one_by_one() -> None:
    world = leads_world()
    claim_many = world.contact_keys.claim_many

    async def race(claims: Any, *, at: Any) -> list[bool]:
        # Another replica stores the same person's lead between our read and our claim.
        await world.receive(person(1, external_id="form-1-elsewhere"))
        return await claim_many(claims, at=at)

    world.contact_keys.claim_many = race  # type: ignore[method-assign]
    ids = await world.receive_batch([person(1), person(2)])

    assert len(world.leads.all()) == 2
    winner = world.leads.stored(ids[0])
    assert winner.aliases and winner.external_id == "form-1-elsewhere"
    assert world.counter.by_manager() == {"mgr-a": 1, "mgr-b": 1}


async def test_what_a_batch_stored_is_published_before_the_next_batch_is_taken() -> None:
    events_when_published: list[int] = []
    worlds: list[LeadsWorld] = []

    async def publish() -> None:
        events_when_published.append(len(worlds[0].leads.published))

    world = leads_world(publish=publish)
    worlds.append(world)
    bodies = [person(n) for n in range(3)]

    await world.receive_batch(bodies)
    await world.receive_batch(bodies)  # a redelivery stores nothing: nothing more to publish

    assert events_when_published == [3]
