"""Telephony activities that arrive before their lead: parked, logged when it lands, expired.

Every figure is worked by hand from START (Monday 2026-03-02 09:00 UTC), a 24/7 calendar and
a 60-minute SLA: a lead stored at 09:05 is due at 10:05. A parked activity waits 7 days.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from leads_fakes import START, LeadsWorld, leads_world
from structlog.testing import capture_logs

from leads.domain.dedupe import LeadStatus
from leads.domain.ids import lead_id_for
from leads.domain.lead_records import Activity, Conversion
from leads.domain.parked import ParkedActivity
from leads.service_layer.telephony import (
    ActivityNotLogged,
    ActivityOnClosedLead,
    ActivityWithoutLead,
    UnusablePhone,
)
from shared.contracts.codec import DecodedEvent
from shared.contracts.envelope import Envelope
from shared.contracts.events.lead_lifecycle import (
    ActivityDirection,
    ActivityKind,
    LeadActivityLoggedV1,
)
from shared.contracts.topics import Topic
from shared.platform.dead_letter import describe_error

pytestmark = pytest.mark.unit

PHONE = "+7 912 345-00-11"
KEY = "phone:+79123450011"


def at(hours: int, minutes: int = 0, *, day: int = 2) -> datetime:
    """A time of March 2026 (UTC)."""
    return datetime(2026, 3, day, hours, minutes, tzinfo=START.tzinfo)


def call(
    world: LeadsWorld,
    activity_id: str,
    occurred_at: datetime,
    *,
    phone: str | None = PHONE,
    **fields: Any,
) -> DecodedEvent[LeadActivityLoggedV1]:
    """An inbound call the PBX answered, reported by telephony now, by phone only."""
    event = LeadActivityLoggedV1.model_validate(
        {
            "activity_id": activity_id,
            "contact_phone": phone,
            "manager_id": "mgr-c",
            "kind": "call",
            "direction": "inbound",
            "outcome": "answered",
            "duration_seconds": 95,
            "occurred_at": occurred_at,
            **fields,
        }
    )
    envelope = Envelope(
        id=f"evt-{activity_id}",
        source="urn:pbx",
        type="lead.activity_logged",
        time=world.clock.now(),
    )
    return DecodedEvent(envelope=envelope, event=event)


def web_form(external_id: str, phone: str | None = PHONE, **extra: Any) -> dict[str, Any]:
    contact = {"name": "Ирина", **({"phone": phone} if phone else {})}
    return {
        "source": "website",
        "external_id": external_id,
        "channel": "web_form",
        "contact": contact,
        **extra,
    }


async def test_a_call_from_a_number_without_a_lead_is_parked_once_for_seven_days() -> None:
    world = leads_world()
    reported = call(world, "pbx-1", at(8, 55))

    await world.telephony(reported)
    world.clock.advance(timedelta(minutes=1))
    await world.telephony(reported)  # the PBX, or the consumer, delivers it again

    assert list(world.park.parked.values()) == [
        ParkedActivity(
            key=KEY,
            activity=Activity(
                activity_id="pbx-1",
                manager_id="mgr-c",
                kind=ActivityKind.CALL,
                direction=ActivityDirection.INBOUND,
                occurred_at=at(8, 55),
                outcome="answered",
                duration_seconds=95,
            ),
            parked_at=at(9),  # the first delivery's: a redelivery does not extend the wait
            expires_at=at(9, day=9),  # 09:00 + 7 days
        )
    ]
    assert world.leads.all() == []
    assert world.published(Topic.LEAD_ACTIVITY_LOGGED) == []


async def test_a_call_made_before_the_web_form_is_logged_on_the_lead_but_the_sla_runs_on() -> None:
    world = leads_world()
    await world.telephony(call(world, "pbx-1", at(8, 55)))  # the person phones first...
    world.clock.advance(timedelta(minutes=5))

    lead_id, _ = await world.receive(web_form("f-1"))  # ...and sends the form at 09:05

    lead = world.leads.stored(lead_id)
    assert [(a.id, a.manager_id, a.counts_as_contact) for a in lead.activities] == [
        ("pbx-1", "mgr-c", False)  # it happened before the request: it answers nothing
    ]
    assert lead.status is LeadStatus.ASSIGNED and lead.first_contact_at is None
    assert lead.sla_due_at == at(10, 5)  # 09:05 + 60 minutes, untouched
    assert world.park.parked == {}
    [logged] = world.published(Topic.LEAD_ACTIVITY_LOGGED)
    assert (logged["activity_id"], logged["lead_id"]) == ("pbx-1", lead_id)
    assert logged["counts_as_contact"] is False and logged["team"] == "sales"
    assert world.published(Topic.LEAD_CONTACTED) == []

    # The assignee's own call at 09:20 is the first contact: 15 minutes after the form.
    world.clock.advance(timedelta(minutes=15))
    assignee = lead.manager_id
    assert assignee is not None and assignee != "mgr-c"
    await world.commands.log_activity(
        lead_id,
        Activity("act-2", assignee, ActivityKind.CALL, ActivityDirection.OUTBOUND, at(9, 20)),
    )
    lead = world.leads.stored(lead_id)
    assert lead.status is LeadStatus.CONTACTED and lead.response_seconds == 900
    assert lead.first_contact_by == assignee and lead.within_sla is True


async def test_a_parked_call_after_the_request_was_received_is_its_first_contact() -> None:
    world = leads_world()
    # The form was sent at 09:00; the person phoned at 09:02, before the lead was stored.
    world.clock.advance(timedelta(minutes=3))
    await world.telephony(call(world, "pbx-1", at(9, 2)))
    world.clock.advance(timedelta(minutes=2))

    lead_id, _ = await world.receive(web_form("f-1", received_at="2026-03-02T09:00:00Z"))

    lead = world.leads.stored(lead_id)
    assert lead.status is LeadStatus.CONTACTED
    assert (lead.first_contact_at, lead.first_contact_by) == (at(9, 2), "mgr-c")
    assert lead.response_seconds == 120 and lead.within_sla is True  # due at 10:05
    assert lead.sla_due_at is None
    [contacted] = world.published(Topic.LEAD_CONTACTED)
    assert (contacted["activity_id"], contacted["response_seconds"]) == ("pbx-1", 120)
    assert world.park.parked == {}


async def test_one_batch_asks_the_park_once_and_logs_each_lead_its_own_calls() -> None:
    world = leads_world()
    await world.telephony(call(world, "a-2", at(8, 50), phone="+7 912 000-00-01"))
    await world.telephony(call(world, "a-1", at(8, 40), phone="8 912 000 00 01"))
    await world.telephony(call(world, "b-1", at(8, 45), phone="+79120000002"))
    await world.telephony(call(world, "x-1", at(8, 30), phone="+79120000009"))
    assert len(world.park.parked) == 4

    ids = await world.receive_batch(
        [
            web_form("a", "+79120000001"),
            web_form("b", "+79120000002"),
            web_form("c", "+79120000003"),
            web_form("d", None, contact={"email": "d@example.ru"}),
        ]
    )

    assert world.park.queries == [
        ["phone:+79120000001", "phone:+79120000002", "phone:+79120000003"]
    ]
    by_lead = [[a.id for a in world.leads.stored(lead_id).activities] for lead_id in ids]
    assert by_lead == [["a-1", "a-2"], ["b-1"], [], []]  # in the order they happened
    assert list(world.park.parked) == ["x-1"]  # its person has not written yet

    # A batch whose leads have no phone does not ask at all.
    await world.receive_batch([web_form("e", None, contact={"email": "e@example.ru"})])
    assert len(world.park.queries) == 1


async def test_a_lead_landing_between_the_look_up_and_the_parking_still_gets_the_call() -> None:
    world = leads_world()
    landed: list[str] = []

    async def intake_meanwhile() -> None:
        lead_id, _ = await world.receive(web_form("f-1"))  # asks the park: still empty
        landed.append(lead_id)

    world.park.before_park = intake_meanwhile
    await world.telephony(call(world, "pbx-1", at(9)))

    assert world.park.queries == [[KEY]]  # intake asked before the call was parked
    assert [a.id for a in world.leads.stored(landed[0]).activities] == ["pbx-1"]
    assert world.park.parked == {}
    assert len(world.published(Topic.LEAD_ACTIVITY_LOGGED)) == 1


async def test_a_redelivered_batch_logs_what_its_first_delivery_left_parked() -> None:
    world = leads_world()
    [lead_id] = await world.receive_batch([web_form("f-1")])
    # As if telephony parked the call just after the batch asked the park, and then stopped
    # before looking for the lead again.
    parked = Activity("pbx-1", "mgr-c", ActivityKind.CALL, ActivityDirection.INBOUND, at(9, 1))
    await world.park.park(ParkedActivity.park(KEY, parked, now=at(9, 1), keep=timedelta(days=7)))

    assert await world.receive_batch([web_form("f-1")]) == [lead_id]

    assert [a.id for a in world.leads.stored(lead_id).activities] == ["pbx-1"]
    assert world.park.parked == {}


async def test_a_call_parked_under_a_phone_that_a_repeat_request_brings_joins_the_open_lead() -> (
    None
):
    world = leads_world()
    lead_id, _ = await world.receive(web_form("f-1", None, contact={"email": "i@example.ru"}))
    await world.telephony(call(world, "pbx-1", at(9)))  # the lead has no phone: parked
    assert list(world.park.parked) == ["pbx-1"]

    merged, _ = await world.receive(
        web_form("f-2", None, contact={"email": "i@example.ru", "phone": PHONE})
    )

    assert merged == lead_id
    lead = world.leads.stored(lead_id)
    alias = lead_id_for("website", "f-2", "unused: the external id decides")
    assert [a.id for a in lead.activities] == [f"repeat-{alias}", "pbx-1"]
    assert world.park.parked == {}


async def test_parked_calls_expire_after_seven_days_each_removal_logged_by_its_id_only() -> None:
    world = leads_world()
    await world.telephony(call(world, "pbx-1", at(8, 55)))  # parked at 09:00
    world.clock.advance(timedelta(hours=1))
    await world.telephony(call(world, "pbx-2", at(9, 58), phone="+79120000002"))  # at 10:00

    world.clock.set(at(8, 59, day=9) + timedelta(seconds=59))
    assert await world.parking.expire_due() == 0
    with capture_logs() as lines:
        world.clock.advance(timedelta(seconds=1))  # 9 March 09:00: pbx-1's 7 days are over
        assert await world.parking.expire_due() == 1
        assert list(world.park.parked) == ["pbx-2"]
        world.clock.advance(timedelta(hours=1))
        assert await world.parking.expire_due() == 1
        assert await world.parking.expire_due() == 0

    assert world.park.parked == {}
    assert lines == [
        {
            "event": "parked activity expired before its lead arrived; removed",
            "log_level": "warning",
            "activity_id": activity_id,
        }
        for activity_id in ("pbx-1", "pbx-2")
    ]


async def test_an_activity_that_can_never_be_logged_is_refused_with_the_reason() -> None:
    world = leads_world()

    with pytest.raises(UnusablePhone) as unusable:
        await world.telephony(call(world, "pbx-1", at(9), phone="12-34"))
    with pytest.raises(ActivityWithoutLead):
        await world.telephony(call(world, "pbx-2", at(9), phone=None))

    assert isinstance(unusable.value, ValueError)  # not transient: retried, then dead-lettered
    assert describe_error(unusable.value) == (
        "UnusablePhone: contact_phone cannot be normalised to E.164; "
        "no lead can be found or waited for by it"
    )
    assert world.park.parked == {}


@pytest.mark.parametrize(
    ("close", "reason"),
    [
        ("convert", "the lead is converted; activities on its deal go to activity.logged"),
        (
            "disqualify",
            "the lead is disqualified and takes no more activities; "
            "a new request of the person opens a new lead",
        ),
    ],
)
async def test_an_activity_on_a_closed_lead_is_refused_with_why(close: str, reason: str) -> None:
    world = leads_world()
    lead_id, _ = await world.receive(web_form("f-1"))
    owner = world.leads.stored(lead_id).manager_id
    assert owner is not None
    await world.commands.log_activity(
        lead_id, Activity("act-1", owner, ActivityKind.MEETING, ActivityDirection.OUTBOUND, at(9))
    )
    if close == "convert":
        await world.commands.convert(lead_id, Conversion(manager_id=None))
    else:
        await world.commands.disqualify(lead_id, reason="no_budget", note=None, by=owner)

    with pytest.raises(ActivityOnClosedLead) as refused:
        await world.telephony(call(world, "pbx-1", at(9, 30), phone=None, lead_id=lead_id))

    assert isinstance(refused.value, ActivityNotLogged) and str(refused.value) == reason
    assert [a.id for a in world.leads.stored(lead_id).activities] == ["act-1"]
    # A repeat of an activity the lead logged before it closed is no error: it is there.
    repeat = call(world, "act-1", at(9), phone=None, lead_id=lead_id)
    await world.telephony(repeat)
