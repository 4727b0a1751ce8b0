"""Lifecycle, activities, roster and queries on the real broker and database."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from leads_testkit import ServiceFactory, put_roster, stored_lead

from leads.bootstrap import LeadsService
from leads.settings import LeadsSettings
from shared.contracts.topics import Topic
from shared.platform.clock import ManualClock
from shared.testing.kafka import read_topic, wait_until

pytestmark = pytest.mark.integration


def lead_body(external_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "source": "website",
        "external_id": external_id,
        "channel": "web_form",
        "contact": {"name": "Пётр Сидоров", "phone": "89123450001", "company": "ООО «Вектор»"},
        **extra,
    }


async def stored(service: LeadsService, http: httpx.AsyncClient, body: dict[str, Any]) -> str:
    lead_id: str = (await http.post("/v1/leads", json=body)).json()["lead_id"]

    async def present() -> bool:
        return await stored_lead(service, lead_id) is not None

    await wait_until(present, timeout=30)
    return lead_id


async def test_contacted_lead_converts_and_publishes_what_deals_needs(
    leads_service: ServiceFactory, leads_settings: LeadsSettings
) -> None:
    async with leads_service() as (service, http):
        await put_roster(http)
        body = lead_body(
            "conv-1",
            product="Насос Н-50",
            quantity="3",
            budget={"amount": "450000.00", "currency": "RUB"},
        )
        lead_id = await stored(service, http, body)
        early = await http.post(f"/v1/leads/{lead_id}/convert", json={})
        assert early.status_code == 409
        owner = (await http.get(f"/v1/leads/{lead_id}")).json()["manager_id"]
        await http.post(
            f"/v1/leads/{lead_id}/activities",
            json={"manager_id": owner, "kind": "meeting", "duration_seconds": 1800},
        )
        converted = await http.post(f"/v1/leads/{lead_id}/convert", json={})
        assert converted.status_code == 200, converted.text
        assert converted.json()["status"] == "converted"
        again = await http.post(f"/v1/leads/{lead_id}/convert", json={})
        assert again.status_code == 200
        records = await read_topic(
            leads_settings.kafka.bootstrap_servers,
            leads_settings.kafka.topic_prefix + Topic.LEAD_CONVERTED,
            count=1,
            timeout=15,
        )
        assert len(records) == 1
        event = json.loads(records[0].value)
        assert event["manager_id"] == owner
        assert event["contact"]["phone"] == "+79123450001"
        assert event["contact"]["company"] == "ООО «Вектор»"
        assert event["products"] == [{"product": "Насос Н-50", "quantity": "3", "unit_price": None}]
        assert event["amount_estimate"] == {"amount": "450000.00", "currency": "RUB"}
        qualified = await read_topic(
            leads_settings.kafka.bootstrap_servers,
            leads_settings.kafka.topic_prefix + Topic.LEAD_QUALIFIED,
            count=1,
            timeout=15,
        )
        assert len(qualified) == 1


async def test_returning_client_goes_to_their_manager(leads_service: ServiceFactory) -> None:
    async with leads_service() as (service, http):
        await put_roster(http)
        first = await stored(service, http, lead_body("ret-1"))
        owner = (await http.get(f"/v1/leads/{first}")).json()["manager_id"]
        await http.post(f"/v1/leads/{first}/activities", json={"manager_id": owner, "kind": "call"})
        assert (await http.post(f"/v1/leads/{first}/convert", json={})).status_code == 200
        # Round-robin would move on; the returning client's manager takes the new lead instead.
        second = await stored(service, http, lead_body("ret-2", channel="phone"))
        lead = (await http.get(f"/v1/leads/{second}")).json()
        assert lead["id"] != first
        assert lead["manager_id"] == owner
        assert lead["assignment_reason"] == "client_manager"
        assert lead["returning_client"] is True
        assert "returning_client" in [r["code"] for r in lead["priority"]["reasons"]]


async def test_telephony_call_by_phone_number_makes_first_contact(
    leads_service: ServiceFactory, leads_settings: LeadsSettings, clock: ManualClock
) -> None:
    async with leads_service() as (service, http):
        await put_roster(http)
        lead_id = await stored(service, http, lead_body("tel-1"))
        clock.advance(timedelta(minutes=15))
        call = {
            "activity_id": "pbx-42",
            "contact_phone": "+7 912 345-00-01",
            "manager_id": "mgr-b",
            "kind": "call",
            "outcome": "answered",
            "duration_seconds": 95,
            "occurred_at": "2026-03-02T09:10:00Z",
        }
        producer = AIOKafkaProducer(bootstrap_servers=leads_settings.kafka.bootstrap_servers)
        await producer.start()
        try:
            for _ in range(2):  # a PBX that retries: still one activity
                await producer.send_and_wait(
                    leads_settings.kafka.topic_prefix + Topic.LEAD_ACTIVITY_LOGGED,
                    json.dumps(call).encode(),
                    key=b"pbx-42",
                )
        finally:
            await producer.stop()

        async def contacted() -> bool:
            doc = await stored_lead(service, lead_id)
            return doc is not None and doc["status"] == "contacted"

        await wait_until(contacted, timeout=30)
        lead = (await http.get(f"/v1/leads/{lead_id}")).json()
        assert [a["id"] for a in lead["activities"]] == ["pbx-42"]
        assert lead["response_seconds"] == 600


async def test_disqualify_needs_a_configured_reason(leads_service: ServiceFactory) -> None:
    async with leads_service() as (service, http):
        await put_roster(http)
        lead_id = await stored(service, http, lead_body("dq-1"))
        refused = await http.post(f"/v1/leads/{lead_id}/disqualify", json={"reason": "boring"})
        assert refused.status_code == 409
        assert "no_budget" in refused.json()["detail"]
        done = await http.post(
            f"/v1/leads/{lead_id}/disqualify", json={"reason": "no_budget", "note": "осенью"}
        )
        assert done.status_code == 200
        lead = done.json()
        assert lead["status"] == "disqualified" and lead["disqualify_reason"] == "no_budget"
        late = await http.post(
            f"/v1/leads/{lead_id}/activities", json={"manager_id": "mgr-a", "kind": "call"}
        )
        assert late.status_code == 409
        missing = await http.post("/v1/leads/lead-nope/qualify", json={})
        assert missing.status_code == 404


async def test_queue_lists_warmest_first_and_filters(leads_service: ServiceFactory) -> None:
    async with leads_service() as (service, http):
        await put_roster(http, [{"id": "solo", "name": "Соло", "team": "sales"}])
        cold = await stored(service, http, lead_body("q-1", request_text="Сколько стоит?"))
        warm = await stored(
            service,
            http,
            lead_body(
                "q-2",
                contact={"phone": "+79120000002"},
                product="Станок",
                quantity="5",
                budget={"amount": "100000", "currency": "RUB"},
            ),
        )
        queue = (await http.get("/v1/managers/solo/queue")).json()
        assert [item["id"] for item in queue["items"]] == [warm, cold]
        assert queue["total"] == 2 and queue["next_offset"] is None
        page = (await http.get("/v1/leads", params={"limit": 1})).json()
        assert [item["id"] for item in page["items"]] == [warm] and page["next_offset"] == 1
        hot = (await http.get("/v1/leads", params={"min_priority": 40})).json()
        assert [item["id"] for item in hot["items"]] == [warm]
        overdue = (await http.get("/v1/leads", params={"sla_overdue": "true"})).json()
        assert overdue["items"] == []
        bad = await http.get("/v1/leads", params={"status": "lost"})
        assert bad.status_code == 422


async def test_away_manager_gets_no_leads_and_nobody_present_means_team_queue(
    leads_service: ServiceFactory,
) -> None:
    async with leads_service() as (service, http):
        await put_roster(http, [{"id": "only", "name": "Один", "team": "sales"}])
        away = await http.put("/v1/managers/only/presence", json={"present": False})
        assert away.status_code == 200
        lead_id = await stored(service, http, lead_body("away-1"))
        lead = (await http.get(f"/v1/leads/{lead_id}")).json()
        assert lead["status"] == "new" and lead["manager_id"] is None
        assert lead["assignment_reason"] == "no_eligible_manager"
        assert lead["sla_deadline"] is not None


async def test_roster_and_activity_input_is_checked_before_it_can_hurt_intake(
    leads_service: ServiceFactory,
) -> None:
    async with leads_service() as (service, http):
        bad_zone = await http.put(
            "/v1/managers/m-1", json={"name": "Ира", "team": "sales", "time_zone": "Mars/Base"}
        )
        assert bad_zone.status_code == 422
        assert bad_zone.json()["detail"][0]["loc"] == ["body", "time_zone"]
        await put_roster(http)
        lead_id = await stored(service, http, lead_body("in-1"))
        naive = await http.post(
            f"/v1/leads/{lead_id}/activities",
            json={"manager_id": "mgr-a", "kind": "call", "occurred_at": "2026-03-02T09:10:00"},
        )
        assert naive.status_code == 422
        assert naive.json()["detail"][0]["loc"] == ["body", "occurred_at"]


async def test_roster_entries_read_back_as_they_were_written(
    leads_service: ServiceFactory,
) -> None:
    async with leads_service() as (_, http):
        manager = {
            "name": "Ира",
            "team": "east",
            "channels": ["phone"],
            "time_zone": "Asia/Yekaterinburg",
            "capacity": 3,
            "working_hours": {"calendar": "ru_business", "work_start": "08:00:00"},
        }
        put = await http.put("/v1/managers/m-1", json=manager)
        assert put.status_code == 200, put.text
        got = (await http.get("/v1/managers/m-1")).json()
        assert got == put.json()
        assert got["working_hours"] == {
            "calendar": "ru_business",
            "time_zone": None,
            "work_start": "08:00:00",
            "work_end": None,
        }
        assert (await http.get("/v1/managers")).json() == [got]
        assert (await http.get("/v1/managers/nobody")).status_code == 404

        team = {"name": "Восток", "head_id": "m-1", "time_zone": "Asia/Yekaterinburg"}
        put_team = await http.put("/v1/teams/east", json=team)
        assert put_team.status_code == 200, put_team.text
        assert (await http.get("/v1/teams")).json() == [put_team.json()]
        assert put_team.json()["id"] == "east" and put_team.json()["work_start"] is None

        rules = [{"name": "vip", "product": "Станок", "manager_ids": ["m-9", "m-1"]}]
        put_rules = await http.put("/v1/assignment-rules", json=rules)
        assert put_rules.status_code == 200, put_rules.text
        stored = (await http.get("/v1/assignment-rules")).json()
        assert stored == put_rules.json()
        assert stored[0]["manager_ids"] == ["m-9", "m-1"] and stored[0]["team"] is None


async def test_a_lead_stored_before_revisions_existed_still_takes_commands(
    leads_service: ServiceFactory,
) -> None:
    async with leads_service() as (service, http):
        await put_roster(http)
        lead_id = await stored(service, http, lead_body("old-1"))
        await service.leads.collection.update_one({"_id": lead_id}, {"$unset": {"rev": ""}})
    async with leads_service() as (_, http):
        logged = await http.post(
            f"/v1/leads/{lead_id}/activities", json={"manager_id": "mgr-a", "kind": "call"}
        )
        assert logged.status_code == 201, logged.text
        assert logged.json()["status"] == "contacted"


async def test_a_manager_made_inactive_hands_their_open_leads_on(
    leads_service: ServiceFactory, leads_settings: LeadsSettings
) -> None:
    async with leads_service() as (service, http):
        await put_roster(http, [{"id": "only", "name": "Один", "team": "sales"}])
        lead_id = await stored(service, http, lead_body("left-1"))
        assert (await http.get(f"/v1/leads/{lead_id}")).json()["manager_id"] == "only"
        await put_roster(http, [{"id": "next", "name": "Другой", "team": "sales"}])

        left = await http.put(
            "/v1/managers/only", json={"name": "Один", "team": "sales", "active": False}
        )

        assert left.status_code == 200, left.text
        lead = (await http.get(f"/v1/leads/{lead_id}")).json()
        assert lead["manager_id"] == "next" and lead["sla_deadline"] is not None
        records = await read_topic(
            leads_settings.kafka.bootstrap_servers,
            leads_settings.kafka.topic_prefix + Topic.LEAD_REASSIGNED,
            count=1,
            timeout=15,
        )
        moved = json.loads(records[0].value)
        assert (moved["from_manager_id"], moved["to_manager_id"]) == ("only", "next")
        assert moved["detail"] == "the manager left"
