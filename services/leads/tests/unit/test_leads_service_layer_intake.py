"""Intake use cases over in-memory adapters: new lead, redelivery, duplicates, returning clients."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from leads_fakes import START, leads_world

from leads.domain.dedupe import LeadStatus
from leads.domain.lead_records import Activity, Conversion
from leads.domain.product_reading import ProductTerms
from leads.domain.roster import RosterTeam
from shared.contracts.events.lead_lifecycle import ActivityDirection, ActivityKind
from shared.contracts.topics import Topic

pytestmark = pytest.mark.unit

WEB_LEAD: dict[str, Any] = {
    "source": "website",
    "external_id": "form-1",
    "channel": "web_form",
    "contact": {"name": " Иван  Петров ", "phone": "8 (912) 345-67-89"},
    "request_text": "Нужны станки",
    "product": "Станок ЧПУ X200",
    "quantity": "20",
    "budget": {"amount": "3000000", "currency": "RUB"},
}
CALL = {
    "source": "telephony",
    "external_id": "call-77",
    "channel": "phone",
    "contact": {"phone": "+7 912 345 67 89", "email": "Ivan@Example.RU"},
    "request_text": "Перезвоните",
}


def call(manager: str, activity_id: str = "act-1") -> Activity:
    return Activity(
        activity_id=activity_id,
        manager_id=manager,
        kind=ActivityKind.CALL,
        direction=ActivityDirection.OUTBOUND,
        occurred_at=START,
        outcome="answered",
    )


async def test_new_lead_is_cleaned_scored_assigned_and_announced_caused_by_its_event() -> None:
    world = leads_world()
    lead_id, decoded = await world.receive(WEB_LEAD)

    lead = world.leads.stored(lead_id)
    assert lead.contact.name == "Иван Петров" and lead.contact.phone == "+79123456789"
    assert lead.dedupe_keys == ["phone:+79123456789"]
    # web_form 10 + product 20 + quantity 10 + budget 10
    assert lead.priority.score == 50
    assert (lead.status, lead.manager_id, lead.team) == (LeadStatus.ASSIGNED, "mgr-a", "sales")
    assert lead.sla_deadline == lead.sla_due_at == START + timedelta(minutes=60)
    [message] = world.leads.published
    assert (message.topic, message.key) == (Topic.LEAD_ASSIGNED.value, lead_id)
    assert message.headers["ce_causationid"] == decoded.envelope.id
    assert message.headers["ce_correlationid"] == lead_id
    assigned = world.published(Topic.LEAD_ASSIGNED)[0]
    assert assigned["manager_id"] == "mgr-a" and assigned["priority"] == 50
    assert assigned["sla_deadline"] == "2026-03-02T10:00:00Z"
    assert assigned["returning_client"] is False


async def test_redelivered_event_stores_and_announces_nothing_more() -> None:
    world = leads_world()
    lead_id, decoded = await world.receive(WEB_LEAD)
    await world.intake(decoded)
    assert len(world.leads.documents) == 1
    assert len(world.leads.published) == 1
    assert world.leads.stored(lead_id).revision == 0


async def test_same_person_by_another_channel_joins_the_open_lead_and_fills_the_email() -> None:
    world = leads_world()
    first, _ = await world.receive(WEB_LEAD)
    world.clock.advance(timedelta(minutes=5))
    joined, decoded = await world.receive(CALL)

    assert joined == first and len(world.leads.documents) == 1
    lead = world.leads.stored(first)
    assert len(lead.aliases) == 1
    assert lead.channels == ["web_form", "phone"]
    assert lead.contact.email == "ivan@example.ru"
    assert lead.dedupe_keys == ["phone:+79123456789", "email:ivan@example.ru"]
    [repeat] = lead.activities
    assert (repeat.kind, repeat.outcome, repeat.channel) == ("call", "repeat_request", "phone")
    assert repeat.counts_as_contact is False
    assert lead.last_inbound_at == START + timedelta(minutes=5)
    assert [entry.type for entry in lead.history] == ["assigned", "duplicate_merged", "rescored"]
    # Scored again with all that is known: the call is the warmer channel (20 for the web
    # form's 10), and the product (20), quantity (10) and budget (10) stay: 50 -> 60.
    assert lead.priority.score == 60 and lead.history[-1].reason == "50 -> 60"
    # A merge announces nothing: the lead's owner and timer are unchanged.
    assert len(world.leads.published) == 1
    assert lead.manager_id == "mgr-a" and lead.sla_due_at == START + timedelta(minutes=60)

    await world.intake(decoded)  # the merged request redelivered: found by its alias
    assert len(world.leads.stored(first).activities) == 1


async def test_a_price_question_followed_by_a_concrete_order_is_scored_again_warmer() -> None:
    world = leads_world()
    price = {**WEB_LEAD, "request_text": "Сколько стоит станок?"}
    del price["product"], price["quantity"], price["budget"]
    first, _ = await world.receive(price)
    # The web form's 10 less a bare price question's 15: 0.
    assert world.leads.stored(first).priority.score == 0
    world.clock.advance(timedelta(minutes=5))
    order = {
        "source": "bot",
        "external_id": "msg-5",
        "channel": "messenger",
        "contact": {"phone": "+7 912 345 67 89"},
        "request_text": "Нужно 20 станков до пятницы, бюджет 3 млн руб",
    }
    await world.receive(order)

    lead = world.leads.stored(first)
    # Messenger 15; machines (станок) 20; 20 of them 10; 3 million roubles 10; Friday 6 March
    # is 4 days off, 10; the price question no longer counts: the person is concrete now.
    assert lead.priority.score == 65
    assert sorted(r.code for r in lead.priority.reasons) == [
        "budget_given",
        "channel_messenger",
        "deadline_near",
        "product_named",
        "quantity_given",
    ]
    assert (lead.history[-1].type, lead.history[-1].reason) == ("rescored", "0 -> 65")


LATE_SUNDAY = "2026-03-01T23:30:00Z"
"""02:30 on Monday 2 March in Moscow, still Sunday 1 March in UTC."""


async def test_a_deadline_in_words_counts_from_the_teams_local_day() -> None:
    world = leads_world()
    tiles = {
        "source": "website",
        "external_id": "form-9",
        "channel": "web_form",
        "contact": {"phone": "+7 913 000 11 22"},
        "request_text": "Поставьте 8 паллет плитки к понедельнику",
        "received_at": LATE_SUNDAY,
    }
    lead_id, _ = await world.receive(tiles)
    # The service's team works in Moscow, where it is Monday already: "к понедельнику" is
    # 9 March, 7 days off (near, 10). Web form 10, tiles 20, 8 pallets 10: 50.
    reasons = {r.code for r in world.leads.stored(lead_id).priority.reasons}
    assert world.leads.stored(lead_id).priority.score == 50 and "deadline_near" in reasons

    # A team that works in UTC reads the same request on Sunday: Monday is 2 March (urgent).
    await world.roster.put_team(RosterTeam(id="sales", name="Sales", time_zone="UTC"))
    utc_id, _ = await world.receive(
        {**tiles, "external_id": "form-10", "contact": {"phone": "+7 913 000 11 33"}}
    )
    reasons = {r.code for r in world.leads.stored(utc_id).priority.reasons}
    assert world.leads.stored(utc_id).priority.score == 55 and "deadline_urgent" in reasons


async def test_a_batch_scores_each_lead_on_its_teams_local_day() -> None:
    world = leads_world()
    await world.roster.put_team(RosterTeam(id="sales", name="Sales", time_zone="Asia/Vladivostok"))
    body = {
        "source": "website",
        "channel": "web_form",
        "request_text": "Закажем 3 экскаватора к 15 марта",
        # 01:00 on Sunday 1 March in Vladivostok: 15 March is 14 days off (near, 10).
        "received_at": "2026-02-28T15:00:00Z",
    }
    ids = await world.receive_batch(
        [
            {**body, "external_id": f"form-{n}", "contact": {"phone": f"+7 914 000 00 0{n}"}}
            for n in (1, 2)
        ]
    )
    for lead_id in ids:
        lead = world.leads.stored(lead_id)
        assert lead.team == "sales" and lead.priority.score == 50
        assert "deadline_near" in {r.code for r in lead.priority.reasons}


async def test_a_repeat_request_is_scored_again_on_the_teams_local_day_with_its_terms() -> None:
    world = leads_world(products=ProductTerms.of(["станок ЧПУ"]))
    price = {**WEB_LEAD, "request_text": "Сколько стоит?"}
    del price["product"], price["quantity"], price["budget"]
    first, _ = await world.receive(price)
    assert world.leads.stored(first).priority.score == 0
    # 23:30 UTC on Monday 2 March is Tuesday 3 March in Moscow: 17 March is 14 days off.
    world.clock.advance(timedelta(hours=14, minutes=30))
    await world.receive(
        {
            "source": "bot",
            "external_id": "msg-6",
            "channel": "messenger",
            "contact": {"phone": "+7 912 345 67 89"},
            "request_text": "Интересуют станки ЧПУ, поставка к 17 марта",
        }
    )
    lead = world.leads.stored(first)
    # Messenger 15; "станки ЧПУ" is the team's term, 20; 17 March within 14 days, 10: 45.
    # On the UTC day (Monday) it would be 15 days off, 5 points: 40.
    assert lead.priority.score == 45
    product = next(r for r in lead.priority.reasons if r.code == "product_named")
    assert product.text_ru == "Назван товар (из текста заявки)"
    assert (lead.history[-1].type, lead.history[-1].reason) == ("rescored", "0 -> 45")


async def test_request_after_the_dedupe_window_is_a_new_lead() -> None:
    world = leads_world()
    first, _ = await world.receive(WEB_LEAD)
    world.clock.advance(timedelta(hours=73))
    second, _ = await world.receive(CALL)
    assert second != first and len(world.leads.documents) == 2


async def test_closed_lead_takes_no_duplicate_and_a_returning_client_gets_their_manager() -> None:
    world = leads_world()
    first, _ = await world.receive(WEB_LEAD)
    await world.commands.log_activity(first, call("mgr-a"))
    await world.commands.convert(first, Conversion(manager_id=None))

    second, _ = await world.receive(CALL)

    assert second != first
    lead = world.leads.stored(second)
    # Round robin would pick mgr-b after mgr-a; the client's manager wins instead.
    assert (lead.manager_id, lead.assignment_reason) == ("mgr-a", "client_manager")
    assert lead.returning_client is True and lead.client_lead_id == first
    # phone 20 + returning client 15
    assert lead.priority.score == 35
    assert world.published(Topic.LEAD_ASSIGNED)[-1]["returning_client"] is True
