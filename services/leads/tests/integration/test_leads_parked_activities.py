"""Telephony before the lead, on the real broker and database: parked, logged, expired, refused.

The test clock starts on Monday 2026-03-02 at 09:00 UTC and moves only when a test moves it.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from leads_testkit import ServiceFactory, put_roster, stored_lead

from leads.domain.ids import SOURCE, lead_id_for
from leads.settings import LeadsSettings
from shared.contracts.topics import Topic
from shared.platform.clock import ManualClock
from shared.testing.kafka import read_topic, wait_until

pytestmark = pytest.mark.integration


def phone_call(activity_id: str, **fields: Any) -> dict[str, Any]:
    """An answered inbound call as a PBX publishes it: a bare payload, found by phone."""
    return {
        "activity_id": activity_id,
        "manager_id": "mgr-c",
        "kind": "call",
        "direction": "inbound",
        "outcome": "answered",
        "duration_seconds": 95,
        **fields,
    }


async def publish(settings: LeadsSettings, topic: str, payload: dict[str, Any], key: str) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka.bootstrap_servers)
    await producer.start()
    try:
        await producer.send_and_wait(
            settings.kafka.topic_prefix + topic, json.dumps(payload).encode(), key=key.encode()
        )
    finally:
        await producer.stop()


async def test_a_call_before_its_lead_is_parked_then_logged_on_the_lead_that_arrives(
    leads_service: ServiceFactory, leads_settings: LeadsSettings, clock: ManualClock
) -> None:
    async with leads_service() as (service, http):
        await put_roster(http)
        parked = service.parked.collection
        # 08:55: the person phones; telephony knows only the number.
        call = phone_call(
            "pbx-101", contact_phone="+7 912 345-01-01", occurred_at="2026-03-02T08:55:00Z"
        )
        await publish(leads_settings, Topic.LEAD_ACTIVITY_LOGGED, call, "pbx-101")

        async def is_parked() -> bool:
            return await parked.find_one({"_id": "pbx-101"}) is not None

        await wait_until(is_parked, timeout=30)
        document = await parked.find_one({"_id": "pbx-101"})
        assert document is not None
        assert document["contact_key"] == "phone:+79123450101"
        assert document["parked_at"] == clock.now()
        assert document["expires_at"] - document["parked_at"] == timedelta(days=7)
        assert (document["kind"], document["direction"], document["manager_id"]) == (
            "call",
            "inbound",
            "mgr-c",
        )

        # 09:05: their web form arrives by Kafka, the phone typed another way.
        clock.advance(timedelta(minutes=5))
        form = {
            "source": "website",
            "external_id": "form-park-1",
            "channel": "web_form",
            "contact": {"name": "Ирина", "phone": "8 (912) 345-01-01"},
        }
        await publish(leads_settings, Topic.LEAD_RECEIVED, form, "form-park-1")
        lead_id = lead_id_for("website", "form-park-1", "unused: the external id decides")

        async def logged_on_the_lead() -> bool:
            doc = await stored_lead(service, lead_id)
            return doc is not None and [a["id"] for a in doc["activities"]] == ["pbx-101"]

        await wait_until(logged_on_the_lead, timeout=30)
        lead = (await http.get(f"/v1/leads/{lead_id}")).json()
        [activity] = lead["activities"]
        assert (activity["id"], activity["manager_id"], activity["counts_as_contact"]) == (
            "pbx-101",
            "mgr-c",
            False,  # it came before the request: the assignee still owes the response
        )
        assert lead["status"] == "assigned" and lead["manager_id"] in {"mgr-a", "mgr-b", "mgr-c"}
        assert lead["first_contact_at"] is None
        assert await parked.find_one({"_id": "pbx-101"}) is None

        records = await read_topic(
            leads_settings.kafka.bootstrap_servers,
            leads_settings.kafka.topic_prefix + Topic.LEAD_ACTIVITY_LOGGED,
            count=2,  # telephony's, then the lead's own
        )
        ours = [r for r in records if dict(r.headers).get("ce_source") == SOURCE.encode()]
        assert len(records) == 2 and len(ours) == 1
        event = json.loads(ours[0].value)
        assert (event["activity_id"], event["lead_id"], event["counts_as_contact"]) == (
            "pbx-101",
            lead_id,
            False,
        )


async def test_a_parked_call_whose_lead_never_comes_expires_after_seven_days(
    leads_service: ServiceFactory, leads_settings: LeadsSettings, clock: ManualClock
) -> None:
    # The expiry pass runs every 0.1 s of wall-clock time here; it expires by the test clock.
    async with leads_service(parked_sweep_seconds=0.1) as (service, _):
        parked = service.parked.collection
        call = phone_call(
            "pbx-202", contact_phone="+79123450202", occurred_at="2026-03-02T08:58:00Z"
        )
        await publish(leads_settings, Topic.LEAD_ACTIVITY_LOGGED, call, "pbx-202")

        async def is_parked() -> bool:
            return await parked.find_one({"_id": "pbx-202"}) is not None

        await wait_until(is_parked, timeout=30)
        # Parked at 09:00 on 2 March, so it expires at 09:00 on 9 March (the unit tests pin
        # the second on each side).
        clock.advance(timedelta(days=7))

        async def expired() -> bool:
            return await parked.find_one({"_id": "pbx-202"}) is None

        await wait_until(expired, timeout=30)


async def test_calls_that_can_never_be_logged_go_to_the_dead_letter_topic_with_the_reason(
    leads_service: ServiceFactory, leads_settings: LeadsSettings
) -> None:
    async with leads_service() as (service, http):
        await put_roster(http)
        body = {
            "source": "website",
            "external_id": "form-conv-1",
            "channel": "web_form",
            "contact": {"name": "Пётр", "phone": "+79123450303"},
        }
        lead_id = (await http.post("/v1/leads", json=body)).json()["lead_id"]

        async def present() -> bool:
            return await stored_lead(service, lead_id) is not None

        await wait_until(present, timeout=30)
        owner = (await http.get(f"/v1/leads/{lead_id}")).json()["manager_id"]
        met = await http.post(
            f"/v1/leads/{lead_id}/activities", json={"manager_id": owner, "kind": "meeting"}
        )
        assert met.status_code == 201, met.text
        assert (await http.post(f"/v1/leads/{lead_id}/convert", json={})).status_code == 200

        on_converted = phone_call(
            "pbx-303", lead_id=lead_id, manager_id=owner, occurred_at="2026-03-02T09:00:00Z"
        )
        await publish(leads_settings, Topic.LEAD_ACTIVITY_LOGGED, on_converted, lead_id)
        unusable = phone_call("pbx-304", contact_phone="12-34", occurred_at="2026-03-02T09:00:00Z")
        await publish(leads_settings, Topic.LEAD_ACTIVITY_LOGGED, unusable, "pbx-304")

        dead = await read_topic(
            leads_settings.kafka.bootstrap_servers,
            leads_settings.kafka.topic_prefix + Topic.LEAD_ACTIVITY_LOGGED + ".dlq",
            count=2,
        )
        assert len(dead) == 2
        by_id = {json.loads(r.value)["activity_id"]: dict(r.headers) for r in dead}
        converted = by_id["pbx-303"]
        assert converted["dlq_error"] == (
            b"ActivityOnClosedLead: the lead is converted; "
            b"activities on its deal go to activity.logged"
        )
        assert converted["dlq_error_type"] == b"ActivityOnClosedLead"
        assert converted["dlq_attempts"] == b"3"
        refused = by_id["pbx-304"]
        assert refused["dlq_error"].startswith(b"UnusablePhone: contact_phone cannot be normalised")
        assert b"12-34" not in refused["dlq_error"]
        lead = (await http.get(f"/v1/leads/{lead_id}")).json()
        assert [a["kind"] for a in lead["activities"]] == ["meeting"]
        assert await service.parked.collection.find_one({"_id": "pbx-304"}) is None
