"""Intake on the real broker and database: two doors, one lead; duplicates merge; bad input."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from leads_testkit import ServiceFactory, put_roster, stored_lead
from pydantic import SecretStr

from leads.domain.ids import lead_id_for
from leads.settings import LeadsSettings
from shared.contracts.topics import Topic
from shared.platform.auth import digest
from shared.platform.settings import ApiSettings
from shared.testing.kafka import committed, read_topic, wait_until

pytestmark = pytest.mark.integration

WEB_LEAD: dict[str, Any] = {
    "source": "website",
    "external_id": "form-000123",
    "channel": "web_form",
    "contact": {"name": " Иван  Петров ", "phone": "8 (912) 345-67-89", "email": "Ivan@Example.RU"},
    "request_text": "Нужны 20 станков ЧПУ X200, бюджет 3 млн",
    "product": "Станок ЧПУ X200",
    "quantity": "20",
    "budget": {"amount": "3000000", "currency": "RUB"},
}


async def publish_raw(settings: LeadsSettings, topic: str, value: bytes, key: bytes) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka.bootstrap_servers)
    await producer.start()
    try:
        await producer.send_and_wait(settings.kafka.topic_prefix + topic, value, key=key)
    finally:
        await producer.stop()


async def test_same_lead_by_http_and_by_kafka_is_stored_once(
    leads_service: ServiceFactory, leads_settings: LeadsSettings
) -> None:
    async with leads_service() as (service, http):
        await put_roster(http)
        response = await http.post("/v1/leads", json=WEB_LEAD)
        assert response.status_code == 202, response.text
        lead_id = response.json()["lead_id"]
        # The same lead, as the website's own Kafka integration sends it (a bare payload).
        await publish_raw(
            leads_settings, Topic.LEAD_RECEIVED, json.dumps(WEB_LEAD).encode(), b"form-000123"
        )

        async def both_consumed() -> bool:
            group = leads_settings.consumer_group
            return await committed(leads_settings.kafka, group, Topic.LEAD_RECEIVED) == 2

        await wait_until(both_consumed, timeout=30)
        assert await service.leads.collection.estimated_document_count() == 1
        lead = (await http.get(f"/v1/leads/{lead_id}")).json()
        assert lead["contact"]["phone"] == "+79123456789"
        assert lead["contact"]["email"] == "ivan@example.ru"
        assert lead["contact"]["name"] == "Иван Петров"
        assert lead["status"] == "assigned"
        assert lead["manager_id"] in {"mgr-a", "mgr-b", "mgr-c"}
        assigned = await read_topic(
            leads_settings.kafka.bootstrap_servers,
            leads_settings.kafka.topic_prefix + Topic.LEAD_ASSIGNED,
            count=1,
        )
        assert len(assigned) == 1
        assert assigned[0].key.decode() == lead_id
        metrics = (await http.get("/metrics")).text
        assert 'voronka_events_consumed_total{outcome="ok",topic="lead.received"}' in metrics
        assert "voronka_outbox_backlog_documents" in metrics


async def test_same_person_by_another_channel_joins_the_open_lead(
    leads_service: ServiceFactory, leads_settings: LeadsSettings
) -> None:
    async with leads_service() as (service, http):
        await put_roster(http)
        first = await http.post("/v1/leads", json=WEB_LEAD)
        call = {
            "source": "telephony",
            "external_id": "call-77",
            "channel": "phone",
            "contact": {"phone": "+7 912 345 67 89"},
        }
        second = await http.post("/v1/leads", json=call)
        assert second.status_code == 202
        ids = {first.json()["lead_id"], second.json()["lead_id"]}

        # The two requests sit on different partitions, so either may be read first: that
        # one is the lead, the other joins it and becomes its alias.
        async def merged() -> bool:
            docs = [await stored_lead(service, lead_id) for lead_id in ids]
            return all(docs) and len({doc["_id"] for doc in docs if doc}) == 1

        await wait_until(merged, timeout=30)
        leads = [(await http.get(f"/v1/leads/{lead_id}")).json() for lead_id in ids]
        assert leads[0] == leads[1]
        assert leads[0]["id"] in ids
        assert sorted(leads[0]["channels"]) == ["phone", "web_form"]
        assert [a["outcome"] for a in leads[0]["activities"]] == ["repeat_request"]
        assert await service.leads.collection.estimated_document_count() == 1


async def test_lead_with_unusable_contact_is_kept_and_flagged(
    leads_service: ServiceFactory,
) -> None:
    async with leads_service() as (service, http):
        await put_roster(http)
        body = {
            "source": "marketplace",
            "external_id": "m-1",
            "channel": "marketplace",
            "contact": {"name": "Олег", "phone": "12-34", "email": "oleg@"},
            "request_text": "Сколько стоит?",
        }
        lead_id = (await http.post("/v1/leads", json=body)).json()["lead_id"]

        async def stored() -> bool:
            return await stored_lead(service, lead_id) is not None

        await wait_until(stored, timeout=30)
        lead = (await http.get(f"/v1/leads/{lead_id}")).json()
        assert set(lead["flags"]) == {"phone_invalid", "email_invalid", "no_contact_channel"}
        assert lead["contact"]["phone_raw"] == "12-34"
        codes = [r["code"] for r in lead["priority"]["reasons"]]
        assert "price_question_only" in codes


async def test_malformed_lead_goes_to_the_dead_letter_topic_and_the_next_is_stored(
    leads_service: ServiceFactory, leads_settings: LeadsSettings
) -> None:
    async with leads_service() as (service, http):
        await put_roster(http)
        await publish_raw(
            leads_settings,
            Topic.LEAD_RECEIVED,
            json.dumps(
                {"source": "bot", "channel": "pigeon", "contact": {"phone": "+79120000000"}}
            ).encode(),
            b"k",
        )
        await publish_raw(
            leads_settings,
            Topic.LEAD_RECEIVED,
            json.dumps({"source": "bot", "external_id": "ok-1", "channel": "messenger"}).encode(),
            b"k",
        )

        async def next_one_stored() -> bool:
            # With an external id the lead's id does not depend on the event's.
            return await stored_lead(service, lead_id_for("bot", "ok-1", "any")) is not None

        await wait_until(next_one_stored, timeout=30)
        dead = await read_topic(
            leads_settings.kafka.bootstrap_servers,
            leads_settings.kafka.topic_prefix + Topic.LEAD_RECEIVED + ".dlq",
            count=1,
        )
        assert len(dead) == 1
        headers = dict(dead[0].headers)
        assert b"channel" in headers["dlq_error"]
        assert b"+7912" not in headers["dlq_error"]


async def test_idempotency_key_repeats_the_answer_and_refuses_another_body(
    leads_service: ServiceFactory,
) -> None:
    async with leads_service() as (_, http):
        body = {**WEB_LEAD, "external_id": None}
        headers = {"Idempotency-Key": "req-1"}
        first = await http.post("/v1/leads", json=body, headers=headers)
        again = await http.post("/v1/leads", json=body, headers=headers)
        other = await http.post(
            "/v1/leads", json={**body, "request_text": "другое"}, headers=headers
        )
        assert first.status_code == again.status_code == 202
        assert first.json() == again.json()
        assert other.status_code == 409
        assert other.json()["error"] == "idempotency_key_reused"


async def test_invalid_lead_is_refused_with_field_paths_and_no_personal_data(
    leads_service: ServiceFactory,
) -> None:
    async with leads_service() as (_, http):
        body = {**WEB_LEAD, "channel": "carrier_pigeon", "budget": {"amount": 1.5, "currency": "X"}}
        response = await http.post("/v1/leads", json=body)
        assert response.status_code == 422
        paths = {tuple(e["loc"]) for e in response.json()["detail"]}
        assert ("body", "channel") in paths
        assert ("body", "budget", "currency") in paths
        assert "912" not in response.text and "Петров" not in response.text
        huge = await http.post("/v1/leads", json={**WEB_LEAD, "request_text": "x" * 300_000})
        assert huge.status_code == 413


async def test_with_api_keys_configured_intake_needs_a_key_with_the_write_scope(
    leads_service: ServiceFactory,
) -> None:
    writer, reader = "w-" + "x" * 40, "r-" + "x" * 40
    keys = [
        {"id": "website", "sha256": digest(writer), "scopes": ["leads:write", "leads:read"]},
        {"id": "bi", "sha256": digest(reader), "scopes": ["leads:read"]},
    ]
    api = ApiSettings(keys=SecretStr(json.dumps(keys)))
    async with leads_service(api=api) as (service, http):
        assert (await http.post("/v1/leads", json=WEB_LEAD)).status_code == 401
        read_only = {"Authorization": f"Bearer {reader}"}
        assert (await http.post("/v1/leads", json=WEB_LEAD, headers=read_only)).status_code == 403
        accepted = await http.post("/v1/leads", json=WEB_LEAD, headers={"X-API-Key": writer})
        assert accepted.status_code == 202, accepted.text
        lead_id = accepted.json()["lead_id"]

        async def stored() -> bool:
            return (await http.get(f"/v1/leads/{lead_id}", headers=read_only)).status_code == 200

        await wait_until(stored, timeout=30)
        assert (await http.get("/readyz")).status_code == 200
        assert await service.leads.collection.estimated_document_count() == 1
