"""The manager's day on the real broker and database: cadences, overdue tasks, telephony,
and one work queue asserted exactly for a scripted day."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from deals_testkit import (
    ServiceFactory,
    create_client,
    events,
    outbox_drained,
    publish,
    timers_idle,
)
from pymongo.asynchronous.database import AsyncDatabase

from deals.service_layer.deals import deal_id_for_lead
from deals.settings import DealsSettings
from shared.contracts.events.activities import ActivityLoggedV1
from shared.contracts.events.client_segment_changed import ClientSegmentChangedV1
from shared.contracts.events.lead_lifecycle import (
    ActivityKind,
    ConvertedContact,
    LeadAssignedV1,
    LeadContactedV1,
    LeadConvertedV1,
)
from shared.contracts.events.lead_received import LeadChannel
from shared.contracts.events.person import PersonChangedV1
from shared.contracts.topics import Topic, dead_letter_topic
from shared.platform.clock import ManualClock
from shared.platform.people import PeopleDirectory
from shared.testing.kafka import read_topic, wait_until

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # the clock fixture's start: Monday, 12:00 in Moscow
LEADS = "urn:voronka:leads"


def person(person_id: str, role: str) -> PersonChangedV1:
    return PersonChangedV1(
        person_id=person_id,
        name=person_id,
        team="msk",
        role=role,
        time_zone="Europe/Moscow",
        capacity=30,
        active=True,
        present=True,
        changed_at=T0 - timedelta(days=30),
    )


async def staff(db: AsyncDatabase[Any]) -> None:
    """Anna and Boris sell in `msk`, which Olga leads (as the directory holds them)."""
    directory = PeopleDirectory(db)
    for person_id, role in (
        ("m-anna", "manager"),
        ("m-boris", "manager"),
        ("tl-olga", "team_lead"),
    ):
        await directory.apply(person(person_id, role))


async def walk_to_invoice(http: httpx.AsyncClient, deal_id: str, client_id: str) -> str:
    """Take a deal from `new` to `invoice` (proposal sent on the clock's Monday); its invoice."""

    async def move(stage: str) -> None:
        response = await http.post(
            f"/v1/deals/{deal_id}/stage", json={"to_stage": stage, "by": "m-anna"}
        )
        assert response.status_code == 200, response.text

    await http.patch(f"/v1/deals/{deal_id}", json={"client_id": client_id})
    await move("qualification")
    item = {
        "product": "Насос",
        "quantity": "2",
        "unit_price": {"amount": "100000.00", "currency": "RUB"},
    }
    assert (
        await http.put(f"/v1/deals/{deal_id}/line-items", json={"items": [item]})
    ).status_code == 200
    await move("proposal")
    await http.patch(f"/v1/deals/{deal_id}", json={"proposal_sent_on": "2026-03-02"})
    await move("negotiation")
    contract = {
        "number": "Д-7",
        "type": "supply",
        "payment_form": "bank_transfer",
        "signed_on": "2026-03-02",
    }
    assert (await http.put(f"/v1/deals/{deal_id}/contract", json=contract)).status_code == 200
    await move("contract")
    await move("invoice")
    invoice = await http.post(
        f"/v1/deals/{deal_id}/invoices", json={"installments": [{"due_on": "2026-03-05"}]}
    )
    assert invoice.status_code == 201, invoice.text
    return str(invoice.json()["id"])


def assigned(lead_id: str, manager_id: str, priority: int, deadline: datetime) -> LeadAssignedV1:
    return LeadAssignedV1(
        lead_id=lead_id,
        manager_id=manager_id,
        team="msk",
        reason="round_robin",
        channel=LeadChannel.WEB_FORM,
        source="site",
        received_at=T0,
        assigned_at=T0,
        sla_deadline=deadline,
        priority=priority,
    )


async def test_the_work_queue_of_a_scripted_day(
    deals_service: ServiceFactory,
    deals_settings: DealsSettings,
    mongo_db: AsyncDatabase[Any],
    clock: ManualClock,
) -> None:
    await staff(mongo_db)
    thursday = datetime(2026, 3, 5, 10, 0, tzinfo=UTC)  # 13:00 in Moscow
    async with deals_service() as (service, http):
        client_id = await create_client(http, manager_id="m-anna")
        opened = await http.post("/v1/deals", json={"title": "Насосы", "manager_id": "m-anna"})
        deal_id = opened.json()["id"]
        invoice_id = await walk_to_invoice(http, deal_id, client_id)

        async def task(title: str, due: datetime) -> str:
            body = {"title": title, "due_at": due.isoformat(), "assignee_id": "m-anna"}
            response = await http.post("/v1/tasks", json={**body, "deal_id": deal_id})
            assert response.status_code == 201, response.text
            return str(response.json()["id"])

        samples = await task("Отправить образцы", datetime(2026, 3, 5, 12, 0, tzinfo=UTC))
        await task("Позвонить в бухгалтерию", datetime(2026, 3, 6, 8, 0, tzinfo=UTC))  # Friday
        done = await task("Согласовать доставку", datetime(2026, 3, 5, 9, 0, tzinfo=UTC))
        assert (await http.post(f"/v1/tasks/{done}/complete")).status_code == 200

        async def meeting(starts: datetime) -> str:
            body = {
                "title": "Демонстрация насоса",
                "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(hours=1)).isoformat(),
                "place": "Офис клиента",
                "deal_id": deal_id,
                "organizer_id": "m-anna",
            }
            response = await http.post("/v1/meetings", json=body)
            assert response.status_code == 201, response.text
            return str(response.json()["id"])

        demo = await meeting(datetime(2026, 3, 5, 13, 0, tzinfo=UTC))
        await meeting(datetime(2026, 3, 6, 13, 0, tzinfo=UTC))  # Friday's

        for n, event in enumerate(
            (
                assigned("lead-1", "m-anna", 40, datetime(2026, 3, 5, 10, 30, tzinfo=UTC)),
                assigned("lead-2", "m-anna", 70, datetime(2026, 3, 5, 10, 15, tzinfo=UTC)),
                assigned("lead-3", "m-anna", 90, datetime(2026, 3, 5, 10, 5, tzinfo=UTC)),
                assigned("lead-4", "m-boris", 95, datetime(2026, 3, 5, 10, 5, tzinfo=UTC)),
            )
        ):
            await publish(
                deals_settings.kafka,
                Topic.LEAD_ASSIGNED,
                event,
                key=event.lead_id,
                source=LEADS,
                event_id=f"assigned-{n}",
            )
        contacted = LeadContactedV1(
            lead_id="lead-3",
            manager_id="m-anna",
            activity_id="call-3",
            kind=ActivityKind.CALL,
            contacted_at=T0 + timedelta(minutes=3),
            received_at=T0,
            response_seconds=180,
            within_sla=True,
        )
        await publish(
            deals_settings.kafka,
            Topic.LEAD_CONTACTED,
            contacted,
            key="lead-3",
            source=LEADS,
            event_id="contacted-3",
        )

        async def leads_folded() -> bool:
            found = await service.store.leads_to_call.find({}).to_list()
            return len(found) == 4 and any(doc.get("done") for doc in found)

        await wait_until(leads_folded, timeout=30)

        clock.set(thursday)  # 73 hours after the deal entered `invoice`
        await timers_idle(clock)
        await outbox_drained(service)
        day = (await http.get("/v1/managers/m-anna/day")).json()
        stuck_list = (await http.get("/v1/deals", params={"stuck": "true", "limit": 1})).json()
        assert (stuck_list["total"], [d["id"] for d in stuck_list["items"]]) == (1, [deal_id])
        mine = {"stuck": "true", "manager_id": "m-boris"}
        assert (await http.get("/v1/deals", params=mine)).json()["total"] == 0
        stuck = await service.store.tasks.find_one({"origin": "rule:stuck_deal"})
        follow_up = await service.store.tasks.find_one({"origin": "rule:proposal_follow_up"})
        assert stuck is not None and follow_up is not None

    assert day == {
        "manager_id": "m-anna",
        "date": "2026-03-05",
        "time_zone": "Europe/Moscow",
        "leads_to_call": [  # warmest first, each with its SLA clock
            {
                "lead_id": "lead-2",
                "priority": 70,
                "sla_deadline": "2026-03-05T10:15:00Z",
                "sla_seconds_left": 900,
            },
            {
                "lead_id": "lead-1",
                "priority": 40,
                "sla_deadline": "2026-03-05T10:30:00Z",
                "sla_seconds_left": 1800,
            },
        ],
        "tasks_overdue": [
            {  # the proposal went out Monday: a follow-up on Thursday at 10:00 Moscow
                "task_id": follow_up["_id"],
                "title": "Уточнить решение по отправленному КП",
                "due_at": "2026-03-05T07:00:00Z",
                "priority": "normal",
                "origin": "rule:proposal_follow_up",
                "lead_id": None,
                "deal_id": deal_id,
                "client_id": client_id,
            },
            {  # in `invoice` since Monday 09:00 UTC: stuck at Thursday 09:00 UTC
                "task_id": stuck["_id"],
                "title": "Сделка на этапе «invoice» дольше 72 ч: выяснить, что мешает",
                "due_at": "2026-03-05T09:00:00Z",
                "priority": "high",
                "origin": "rule:stuck_deal",
                "lead_id": None,
                "deal_id": deal_id,
                "client_id": client_id,
            },
        ],
        "tasks_today": [
            {
                "task_id": samples,
                "title": "Отправить образцы",
                "due_at": "2026-03-05T12:00:00Z",
                "priority": "normal",
                "origin": "manual",
                "lead_id": None,
                "deal_id": deal_id,
                "client_id": None,
            }
        ],
        "meetings": [
            {
                "meeting_id": demo,
                "title": "Демонстрация насоса",
                "starts_at": "2026-03-05T13:00:00Z",
                "ends_at": "2026-03-05T14:00:00Z",
                "place": "Офис клиента",
                "link": None,
            }
        ],
        "stuck_deals": [
            {"deal_id": deal_id, "title": "Насосы", "stage": "invoice", "waiting_hours": 73}
        ],
        "installments_due": [
            {
                "invoice_id": invoice_id,
                "number": 1,
                "client_id": client_id,
                "due_on": "2026-03-05",
                "days_overdue": 0,
                "amount": "200000.00",
                "currency": "RUB",
            }
        ],
    }


async def test_a_client_turning_warm_gets_its_fortnightly_task_and_the_next_after_it(
    deals_service: ServiceFactory,
    deals_settings: DealsSettings,
    mongo_db: AsyncDatabase[Any],
    clock: ManualClock,
) -> None:
    await staff(mongo_db)
    async with deals_service() as (service, http):
        client_id = await create_client(http, manager_id="m-anna")
        warm = ClientSegmentChangedV1(
            client_id=client_id, from_segment="hot", to_segment="warm", changed_at=T0
        )
        for _ in range(2):  # delivered twice: one task
            await publish(
                deals_settings.kafka,
                Topic.CLIENT_SEGMENT_CHANGED,
                warm,
                key=client_id,
                source="urn:voronka:reporting",
                event_id="seg-1",
            )

        async def tasked() -> bool:
            return await service.store.tasks.count_documents({"client_id": client_id}) == 1

        await wait_until(tasked, timeout=30)
        await outbox_drained(service)
        [created] = await events(deals_settings.kafka, Topic.TASK_CREATED, 1)
        assert (created["origin"], created["assignee_id"], created["team"]) == (
            "rule:cadence_warm",
            "m-anna",
            "msk",
        )
        assert created["due_at"] == "2026-03-16T09:00:00Z"  # 14 days after the change
        assert created["links"] == {"lead_id": None, "deal_id": None, "client_id": client_id}
        listed = (await http.get("/v1/tasks", params={"assignee_id": "m-anna"})).json()
        assert [t["id"] for t in listed["items"]] == [created["task_id"]]

        clock.set(datetime(2026, 3, 13, 9, 0, tzinfo=UTC))  # touched on Friday the 13th
        done = (await http.post(f"/v1/tasks/{created['task_id']}/complete")).json()
        assert done["state"] == "done" and done["next_task_id"] is not None
        following = (await http.get(f"/v1/tasks/{done['next_task_id']}")).json()
        assert (following["due_at"], following["origin"]) == (
            "2026-03-27T09:00:00Z",
            "rule:cadence_warm",
        )


async def test_an_overdue_task_tells_the_manager_then_the_team_lead(
    deals_service: ServiceFactory,
    deals_settings: DealsSettings,
    mongo_db: AsyncDatabase[Any],
    clock: ManualClock,
) -> None:
    await staff(mongo_db)
    async with deals_service() as (service, http):
        due = T0 + timedelta(hours=2)
        body = {"title": "Перезвонить", "due_at": due.isoformat(), "assignee_id": "m-anna"}
        task_id = (await http.post("/v1/tasks", json=body)).json()["id"]
        past = {**body, "due_at": (T0 - timedelta(hours=1)).isoformat()}
        refused = await http.post("/v1/tasks", json=past)
        assert refused.status_code == 422
        assert refused.json()["detail"][0]["loc"] == ["body", "due_at"]

        clock.set(due)
        await timers_idle(clock)
        clock.set(due + timedelta(hours=24))
        await timers_idle(clock)
        await outbox_drained(service)
        told = await events(deals_settings.kafka, Topic.TASK_OVERDUE, 2)
        assert [(e["task_id"], e["level"], e["notify_person_id"]) for e in told] == [
            (task_id, "assignee", "m-anna"),
            (task_id, "team_lead", "tl-olga"),
        ]


async def test_telephony_calls_land_on_their_deal_or_client_or_wait_for_it(
    deals_service: ServiceFactory, deals_settings: DealsSettings, mongo_db: AsyncDatabase[Any]
) -> None:
    await staff(mongo_db)
    kafka = deals_settings.kafka
    deal_id = deal_id_for_lead("lead-77")

    def call(activity_id: str, **target: Any) -> ActivityLoggedV1:
        return ActivityLoggedV1(
            activity_id=activity_id,
            manager_id="m-anna",
            kind=ActivityKind.CALL,
            duration_seconds=240,
            recording_url="https://pbx.example.com/rec/1.mp3",
            occurred_at=T0,
            **target,
        )

    async def pbx(activity: ActivityLoggedV1) -> None:
        await publish(
            kafka,
            Topic.ACTIVITY_LOGGED,
            activity,
            key=activity.activity_id,
            source="urn:pbx",
            event_id=activity.activity_id,
        )

    async with deals_service() as (service, http):
        client_id = await create_client(http, manager_id="m-anna", phones=["+7 (495) 500-55-50"])
        # The call names a deal whose lead.converted is still on its way: it waits for it.
        await pbx(call("call-1", deal_id=deal_id))
        await pbx(call("call-2", contact_phone="84955005550"))  # the client's phone
        await pbx(call("call-3", contact_phone="+79990001122"))  # no client holds it yet
        await pbx(call("call-4", contact_phone="123"))  # no phone at all
        converted = LeadConvertedV1(
            lead_id="lead-77",
            manager_id="m-anna",
            team="msk",
            channel=LeadChannel.PHONE,
            source="telephony",
            received_at=T0 - timedelta(days=1),
            converted_at=T0 - timedelta(hours=1),
            contact=ConvertedContact(name="Иван", phone="+79123456789", company="ООО «Вектор»"),
        )
        await publish(
            kafka, Topic.LEAD_CONVERTED, converted, key="lead-77", source=LEADS, event_id="conv-77"
        )

        async def landed_and_parked() -> bool:
            landed = await service.store.activities.count_documents({})
            parked = await service.store.parked_activities.count_documents({})
            return landed == 2 and parked == 1

        await wait_until(landed_and_parked, timeout=40)
        on_deal = (await http.get(f"/v1/deals/{deal_id}/activities")).json()["items"]
        assert [(a["id"], a["kind"], a["duration_seconds"]) for a in on_deal] == [
            ("call-1", "call", 240)
        ]
        on_client = (await http.get(f"/v1/clients/{client_id}/activities")).json()["items"]
        assert [(a["id"], a["subject"]) for a in on_client] == [("call-2", "client")]
        [poison] = await read_topic(
            kafka.bootstrap_servers,
            kafka.topic_prefix + dead_letter_topic(Topic.ACTIVITY_LOGGED),
            count=1,
            timeout=30,
        )
        reasons = {k: v.decode() for k, v in poison.headers}
        assert reasons["dlq_error_type"] == "NoRecordMatches"

        # The number's owner becomes a client: the parked call lands on it.
        second = await create_client(
            http,
            manager_id="m-anna",
            name="ООО Яндекс",
            legal_form="ООО",
            requisites={"inn": "7736207543", "kpp": "770401001", "ogrn": "1027700229193"},
            phones=["+7 999 000-11-22"],
        )
        landed = (await http.get(f"/v1/clients/{second}/activities")).json()["items"]
        assert [(a["id"], a["subject"]) for a in landed] == [("call-3", "client")]
        assert await service.store.parked_activities.count_documents({}) == 0
        await outbox_drained(service)
        recorded = await events(kafka, Topic.DEAL_ACTIVITY_LOGGED, 3)
        assert sorted((e["activity_id"], e["subject"], e["team"]) for e in recorded) == [
            ("call-1", "deal", "msk"),
            ("call-2", "client", "msk"),
            ("call-3", "client", "msk"),
        ]


async def test_activities_by_http_refuse_bad_input_with_field_paths(
    deals_service: ServiceFactory, mongo_db: AsyncDatabase[Any]
) -> None:
    await staff(mongo_db)
    async with deals_service() as (_service, http):
        client_id = await create_client(http, manager_id="m-anna")
        path = f"/v1/clients/{client_id}/activities"
        base = {"manager_id": "m-anna", "kind": "call"}
        ftp = await http.post(path, json={**base, "recording_url": "ftp://pbx/1.mp3"})
        assert ftp.status_code == 422 and ftp.json()["detail"][0]["loc"] == [
            "body",
            "recording_url",
        ]
        objection = await http.post(path, json={**base, "kind": "objection"})
        assert objection.status_code == 422
        assert objection.json()["detail"][0]["loc"] == ["body", "objection_category"]
        unknown = await http.post(
            path, json={**base, "kind": "objection", "objection_category": "weather"}
        )
        assert unknown.status_code == 422
        assert (await http.post("/v1/deals/deal-nope/activities", json=base)).status_code == 404
        ok = await http.post(
            path,
            json={**base, "kind": "objection", "objection_category": "price", "summary": "Дорого"},
        )
        assert ok.status_code == 201
        assert json.loads(ok.text)["client_id"] == client_id


async def test_work_changes_hands_by_hand_and_when_its_owner_is_away(
    deals_service: ServiceFactory,
    deals_settings: DealsSettings,
    mongo_db: AsyncDatabase[Any],
    clock: ManualClock,
) -> None:
    await staff(mongo_db)
    kafka = deals_settings.kafka
    async with deals_service() as (service, http):
        deals = []
        for title in ("Насосы", "Клапаны"):
            opened = await http.post("/v1/deals", json={"title": title, "manager_id": "m-anna"})
            deals.append(opened.json()["id"])
        tasks = []
        for deal_id in deals:
            body = {
                "title": "Позвонить",
                "due_at": (T0 + timedelta(days=1)).isoformat(),
                "assignee_id": "m-anna",
                "deal_id": deal_id,
            }
            tasks.append((await http.post("/v1/tasks", json=body)).json()["id"])
        starts = T0 + timedelta(hours=3)
        demo = {
            "title": "Демонстрация",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=1)).isoformat(),
            "link": "https://meet.example.com/pumps",
            "deal_id": deals[0],
            "organizer_id": "m-anna",
            "staff_ids": ["m-boris"],
        }
        assert (await http.post("/v1/meetings", json=demo)).status_code == 201

        # By hand: the first deal and its task go to Boris.
        moved = await http.put(f"/v1/deals/{deals[0]}/manager", json={"manager_id": "m-boris"})
        assert moved.status_code == 200, moved.text
        assert moved.json()["manager_id"] == "m-boris"
        assert (await http.get(f"/v1/tasks/{tasks[0]}")).json()["assignee_id"] == "m-boris"

        # Away: Anna's absence with Boris as deputy hands him the rest.
        away = person("m-anna", "manager").model_copy(
            update={"present": False, "deputy_id": "m-boris", "changed_at": T0}
        )
        await publish(
            kafka, Topic.PERSON_CHANGED, away, key="m-anna", source=LEADS, event_id="p-away"
        )

        async def handed() -> bool:
            task = (await http.get(f"/v1/tasks/{tasks[1]}")).json()
            return bool(task["assignee_id"] == "m-boris")

        await wait_until(handed, timeout=30)
        assert (await http.get(f"/v1/deals/{deals[1]}")).json()["manager_id"] == "m-boris"

        clock.set(starts - timedelta(hours=1))  # the meeting's reminder, an hour before
        await timers_idle(clock)
        await outbox_drained(service)
        [reminder] = await events(kafka, Topic.MEETING_REMINDER_DUE, 1)
        assert (reminder["organizer_id"], reminder["staff_ids"], reminder["link"]) == (
            "m-anna",
            ["m-boris"],
            "https://meet.example.com/pumps",
        )
        reassigned = await events(kafka, Topic.TASK_REASSIGNED, 2)
        assert sorted((e["task_id"], e["reason"]) for e in reassigned) == sorted(
            [(tasks[0], "manual"), (tasks[1], "absence")]
        )


async def test_a_manager_who_left_without_a_deputy_hands_work_and_clients_to_the_team_lead(
    deals_service: ServiceFactory,
    deals_settings: DealsSettings,
    mongo_db: AsyncDatabase[Any],
) -> None:
    await staff(mongo_db)
    kafka = deals_settings.kafka
    async with deals_service() as (service, http):
        client_id = await create_client(http, manager_id="m-boris")
        opened = await http.post("/v1/deals", json={"title": "Насосы", "manager_id": "m-boris"})
        deal_id = opened.json()["id"]
        body = {
            "title": "Позвонить",
            "due_at": (T0 + timedelta(days=1)).isoformat(),
            "assignee_id": "m-boris",
            "deal_id": deal_id,
        }
        task_id = (await http.post("/v1/tasks", json=body)).json()["id"]

        gone = person("m-boris", "manager").model_copy(update={"active": False, "changed_at": T0})
        await publish(
            kafka, Topic.PERSON_CHANGED, gone, key="m-boris", source=LEADS, event_id="p-gone"
        )

        async def handed() -> bool:
            task = (await http.get(f"/v1/tasks/{task_id}")).json()
            return bool(task["assignee_id"] == "tl-olga")

        await wait_until(handed, timeout=30)
        assert (await http.get(f"/v1/deals/{deal_id}")).json()["manager_id"] == "tl-olga"
        await outbox_drained(service)
        [deal_moved] = await events(kafka, Topic.DEAL_REASSIGNED, 1)
        [task_moved] = await events(kafka, Topic.TASK_REASSIGNED, 1)
        assert (deal_moved["from_manager_id"], deal_moved["to_manager_id"]) == (
            "m-boris",
            "tl-olga",
        )
        assert (deal_moved["reason"], task_moved["reason"]) == ("left", "left")
        client = (await http.get(f"/v1/clients/{client_id}")).json()
        assert client["manager_id"] == "tl-olga"  # a client follows one who left
