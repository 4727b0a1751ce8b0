"""The response SLA on the real broker and database, with an injected clock and replicas."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from leads_testkit import ServiceFactory, put_roster, stored_lead

from leads.bootstrap import LeadsService
from leads.settings import LeadsSettings
from shared.contracts.topics import Topic
from shared.platform.clock import ManualClock
from shared.testing.kafka import read_topic, wait_until

pytestmark = pytest.mark.integration

LEAD = {
    "source": "website",
    "external_id": "sla-1",
    "channel": "web_form",
    "contact": {"name": "Мария", "phone": "+7 (343) 210-00-00"},
    "request_text": "Нужен насос",
}


async def submit_and_wait(service: LeadsService, http: httpx.AsyncClient) -> dict[str, Any]:
    lead_id = (await http.post("/v1/leads", json=LEAD)).json()["lead_id"]

    async def assigned() -> bool:
        return await stored_lead(service, lead_id) is not None

    await wait_until(assigned, timeout=30)
    doc = await stored_lead(service, lead_id)
    assert doc is not None
    return doc


async def watchers_idle(clock: ManualClock, replicas: int) -> None:
    """Every replica's watcher finished its pass and went back to sleep on the clock."""

    async def idle() -> bool:
        return clock.pending_sleepers >= replicas

    await wait_until(idle, timeout=15, interval=0.02)


async def outbox_drained(service: LeadsService) -> None:
    async def drained() -> bool:
        pending = await service.leads.collection.count_documents({"_outbox_pending": True})
        return pending == 0

    await wait_until(drained, timeout=15)


async def events(settings: LeadsSettings, topic: str, expected: int) -> list[Any]:
    return await read_topic(
        settings.kafka.bootstrap_servers,
        settings.kafka.topic_prefix + topic,
        count=expected,
        timeout=15,
    )


async def test_deadline_passes_and_two_replicas_reassign_the_lead_exactly_once(
    leads_service: ServiceFactory, leads_settings: LeadsSettings, clock: ManualClock
) -> None:
    async with leads_service() as (one, http), leads_service() as (two, _):
        await put_roster(http)
        lead = await submit_and_wait(one, http)
        first_owner = lead["manager_id"]
        assert lead["sla_deadline"] == clock.now() + timedelta(minutes=60)
        await watchers_idle(clock, replicas=2)

        clock.advance(timedelta(minutes=59))
        await watchers_idle(clock, replicas=2)
        still = await stored_lead(one, lead["_id"])
        assert still is not None and still["manager_id"] == first_owner

        clock.advance(timedelta(minutes=2))
        await watchers_idle(clock, replicas=2)
        moved = await stored_lead(one, lead["_id"])
        assert moved is not None
        assert moved["manager_id"] not in (None, first_owner)
        assert moved["sla_breaches"] == 1
        assert moved["sla_deadline"] == clock.now() + timedelta(minutes=60)
        await outbox_drained(one)
        await outbox_drained(two)

        breached = await events(leads_settings, Topic.LEAD_SLA_BREACHED, 1)
        reassigned = await events(leads_settings, Topic.LEAD_REASSIGNED, 1)
        assert len(breached) == 1 and len(reassigned) == 1
        body = reassigned[0].value.decode()
        assert f'"from_manager_id":"{first_owner}"' in body
        assert '"reason":"sla_breach"' in body


async def test_restart_between_assignment_and_deadline_still_reassigns_once(
    leads_service: ServiceFactory, leads_settings: LeadsSettings, clock: ManualClock
) -> None:
    async with leads_service() as (before, http):
        await put_roster(http)
        lead = await submit_and_wait(before, http)
        await outbox_drained(before)
    # Nothing runs while the deadline passes.
    clock.advance(timedelta(minutes=90))
    async with leads_service() as (after, _):
        await watchers_idle(clock, replicas=1)
        moved = await stored_lead(after, lead["_id"])
        assert moved is not None and moved["manager_id"] != lead["manager_id"]
        await outbox_drained(after)
        reassigned = await events(leads_settings, Topic.LEAD_REASSIGNED, 1)
        assert len(reassigned) == 1
    async with leads_service() as (again, _):
        await watchers_idle(clock, replicas=1)
        await outbox_drained(again)
        assert len(await events(leads_settings, Topic.LEAD_REASSIGNED, 1)) == 1


async def test_contact_logged_before_the_deadline_prevents_reassignment(
    leads_service: ServiceFactory, leads_settings: LeadsSettings, clock: ManualClock
) -> None:
    async with leads_service() as (service, http):
        await put_roster(http)
        lead = await submit_and_wait(service, http)
        clock.advance(timedelta(minutes=30))
        await watchers_idle(clock, replicas=1)
        logged = await http.post(
            f"/v1/leads/{lead['_id']}/activities",
            json={"manager_id": lead["manager_id"], "kind": "call", "outcome": "answered"},
        )
        assert logged.status_code == 201, logged.text
        assert logged.json()["status"] == "contacted"
        clock.advance(timedelta(minutes=60))
        await watchers_idle(clock, replicas=1)
        after = await stored_lead(service, lead["_id"])
        assert after is not None
        assert after["manager_id"] == lead["manager_id"]
        assert after["sla_breaches"] == 0 and "sla_due_at" not in after
        await outbox_drained(service)
        contacted = await events(leads_settings, Topic.LEAD_CONTACTED, 1)
        assert len(contacted) == 1
        assert '"within_sla":true' in contacted[0].value.decode()
        assert '"response_seconds":1800' in contacted[0].value.decode()
        assert await events(leads_settings, Topic.LEAD_REASSIGNED, 0) == []


async def test_second_breach_escalates_to_the_head_of_sales_and_stops_the_clock(
    leads_service: ServiceFactory, leads_settings: LeadsSettings, clock: ManualClock
) -> None:
    async with leads_service() as (service, http):
        await put_roster(http)
        lead = await submit_and_wait(service, http)
        clock.advance(timedelta(minutes=61))
        await watchers_idle(clock, replicas=1)
        clock.advance(timedelta(minutes=61))
        await watchers_idle(clock, replicas=1)
        after = await stored_lead(service, lead["_id"])
        assert after is not None
        assert after["manager_id"] == "head"
        assert after["escalated"] is True and after["sla_breaches"] == 2
        assert "sla_due_at" not in after
        await outbox_drained(service)
        breached = await events(leads_settings, Topic.LEAD_SLA_BREACHED, 2)
        last = breached[-1].value.decode()
        assert '"escalated":true' in last and '"escalated_to":"head"' in last
        reasons = [r.value.decode() for r in await events(leads_settings, Topic.LEAD_REASSIGNED, 2)]
        assert '"reason":"sla_breach"' in reasons[0]
        assert '"reason":"escalation"' in reasons[1]
