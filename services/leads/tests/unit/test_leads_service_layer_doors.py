"""The other doors over in-memory adapters: telephony activities, HTTP intake and lead lists."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
from leads_fakes import START, LeadsWorld, leads_world

from leads.domain.dedupe import LeadStatus
from leads.domain.ids import SOURCE, lead_id_for
from leads.service_layer.http_intake import INTAKE_SOURCE, HttpIntake, IdempotencyKeyReused
from leads.service_layer.queries import LeadListQuery
from leads.service_layer.telephony import ActivityOnClosedLead
from shared.contracts.codec import DecodedEvent
from shared.contracts.envelope import Envelope
from shared.contracts.events.lead_lifecycle import LeadActivityLoggedV1
from shared.contracts.events.lead_received import LeadReceivedV1
from shared.contracts.topics import Topic
from shared.platform.errors import InfrastructureUnavailable, RetryLater
from shared.platform.outbox import OutboxMessage

pytestmark = pytest.mark.unit


def lead_body(external_id: str, phone: str, **extra: Any) -> dict[str, Any]:
    return {
        "source": "website",
        "external_id": external_id,
        "channel": "web_form",
        "contact": {"phone": phone},
        **extra,
    }


def pbx_call(world: LeadsWorld, *, source: str = "urn:pbx", **fields: Any) -> DecodedEvent[Any]:
    event = LeadActivityLoggedV1.model_validate(
        {
            "activity_id": "pbx-42",
            "manager_id": "mgr-b",
            "kind": "call",
            "outcome": "answered",
            "duration_seconds": 95,
            "occurred_at": world.clock.now(),
            **fields,
        }
    )
    envelope = Envelope(
        id="pbx-evt", source=source, type="lead.activity_logged", time=world.clock.now()
    )
    return DecodedEvent(envelope=envelope, event=event)


async def test_telephony_call_found_by_phone_number_is_the_first_contact_once() -> None:
    world = leads_world()
    lead_id, _ = await world.receive(lead_body("tel-1", "89123450001"))
    world.clock.advance(timedelta(minutes=10))
    call = pbx_call(world, contact_phone="+7 912 345-00-01")

    await world.telephony(call)
    await world.telephony(call)  # a PBX that retries

    lead = world.leads.stored(lead_id)
    assert lead.status is LeadStatus.CONTACTED and lead.response_seconds == 600
    assert [a.id for a in lead.activities] == ["pbx-42"]
    assert lead.first_contact_by == "mgr-b"
    assert len(world.published(Topic.LEAD_ACTIVITY_LOGGED)) == 1


async def test_telephony_skips_own_events_parks_unknown_numbers_and_refuses_closed_leads() -> None:
    world = leads_world()
    lead_id, _ = await world.receive(lead_body("tel-2", "89123450002"))
    await world.telephony(pbx_call(world, lead_id=lead_id, source=SOURCE))
    await world.telephony(pbx_call(world, contact_phone="+7 999 000-00-00"))
    assert world.leads.stored(lead_id).activities == []
    assert [p.key for p in world.park.parked.values()] == ["phone:+79990000000"]

    await world.commands.disqualify(lead_id, reason="spam", note=None, by=None)
    with pytest.raises(ActivityOnClosedLead, match="the lead is disqualified"):
        await world.telephony(pbx_call(world, lead_id=lead_id, activity_id="pbx-43"))
    assert world.leads.stored(lead_id).activities == []


async def test_a_call_on_a_lead_not_arrived_yet_waits_for_it_and_then_counts() -> None:
    world = leads_world()
    body = lead_body("tel-3", "89123450003")
    lead_id = lead_id_for("website", "tel-3", "unused: the external id decides")
    call = pbx_call(world, lead_id=lead_id)
    with pytest.raises(RetryLater):  # the consumer reads it again later; never dropped
        await world.telephony(call)
    await world.receive(body)
    await world.telephony(call)
    assert [a.id for a in world.leads.stored(lead_id).activities] == ["pbx-42"]


WEB_LEAD = LeadReceivedV1.model_validate(lead_body("form-1", "89123456789"))


async def test_http_intake_publishes_lead_received_keyed_by_the_lead_id() -> None:
    world = leads_world()
    submitted = await world.http.submit(WEB_LEAD, idempotency_key=None)

    [message] = world.publisher.sent
    assert (message.topic, message.key) == (Topic.LEAD_RECEIVED.value, submitted.lead_id)
    assert message.id == submitted.event_id
    assert message.headers["ce_source"] == INTAKE_SOURCE
    assert message.headers["ce_correlationid"] == submitted.lead_id
    assert json.loads(message.value)["external_id"] == "form-1"
    # The same lead by Kafka's door gets the same id, so both doors make one lead.
    assert submitted.lead_id == (await world.receive(lead_body("form-1", "89123456789")))[0]


async def test_idempotency_key_repeats_the_answer_and_refuses_another_body() -> None:
    world = leads_world()
    anonymous = WEB_LEAD.model_copy(update={"external_id": None})
    first = await world.http.submit(anonymous, idempotency_key="req-1")
    again = await world.http.submit(anonymous, idempotency_key="req-1")
    assert first == again
    assert [m.id for m in world.publisher.sent] == [first.event_id, first.event_id]
    other = anonymous.model_copy(update={"request_text": "другое"})
    with pytest.raises(IdempotencyKeyReused):
        await world.http.submit(other, idempotency_key="req-1")
    assert len(world.publisher.sent) == 2


class SilentKafka:
    """A broker that never acknowledges."""

    async def publish_batch(self, messages: Sequence[OutboxMessage]) -> None:
        await asyncio.sleep(10)


async def test_unacknowledged_publish_makes_the_intake_unavailable() -> None:
    world = leads_world()
    world.publisher.fail_next = TimeoutError()
    with pytest.raises(InfrastructureUnavailable, match="did not acknowledge"):
        await world.http.submit(WEB_LEAD, idempotency_key=None)

    silent = HttpIntake(SilentKafka(), world.requests, clock=world.clock, publish_timeout=0.01)
    with pytest.raises(InfrastructureUnavailable):
        await silent.submit(WEB_LEAD, idempotency_key=None)


async def test_lists_show_the_warmest_first_and_filter_overdue_leads() -> None:
    world = leads_world([{"id": "solo", "name": "Соло", "team": "sales"}])
    cold, _ = await world.receive(lead_body("q-1", "+79120000001", request_text="Сколько стоит?"))
    warm, _ = await world.receive(
        lead_body("q-2", "+79120000002", product="Станок", quantity="5", channel="phone")
    )

    queue = await world.queries.queue("solo", offset=0, limit=50)
    assert [lead.id for lead in queue.items] == [warm, cold] and queue.next_offset is None
    page = await world.queries.find(LeadListQuery(), offset=0, limit=1)
    assert [lead.id for lead in page.items] == [warm] and page.next_offset == 1
    hot = await world.queries.find(LeadListQuery(min_priority=40), offset=0, limit=50)
    assert [lead.id for lead in hot.items] == [warm]

    overdue = LeadListQuery(sla_overdue=True)
    assert (await world.queries.find(overdue, offset=0, limit=50)).items == []
    world.clock.set(START + timedelta(minutes=61))
    await world.commands.disqualify(cold, reason="spam", note=None, by=None)
    late = await world.queries.find(overdue, offset=0, limit=50)
    assert [lead.id for lead in late.items] == [warm]
    assert late.items[0].is_sla_overdue(late.read_at)
    closed_only = LeadListQuery(statuses=(LeadStatus.DISQUALIFIED,), sla_overdue=True)
    assert (await world.queries.find(closed_only, offset=0, limit=50)).total == 0
