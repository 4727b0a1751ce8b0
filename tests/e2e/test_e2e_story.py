"""One sales story across the four service processes, from a lead to exact report figures."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from e2e_harness import Fleet, SharedClock, get_json

from shared.testing.kafka import wait_until
from shared.testing.servers import Mailbox

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

RUB = "RUB"
CLIENT_EMAIL = "buyer@vector.example"
# The roster is the one directory: notifications learns staff addresses from it.
ROSTER = {
    "m-anna": {"name": "Анна", "team": "sales", "email": "m-anna@voronka.example"},
    "m-boris": {"name": "Борис", "team": "sales", "email": "m-boris@voronka.example"},
    "head": {
        "name": "Глава",
        "team": "sales",
        "role": "head_of_sales",
        "email": "head@voronka.example",
    },
}
WEB_LEAD = {
    "source": "website",
    "external_id": "form-77",
    "channel": "web_form",
    "contact": {"name": "Пётр Сидоров", "phone": "8 (912) 555-01-02", "company": "ООО «Вектор»"},
    "request_text": "Нужны 2 насоса Н-50",
    "product": "Насос Н-50",
    "quantity": "2",
}
CLIENT = {
    "legal_form": "ПАО",
    "name": "ПАО Сбербанк",
    "requisites": {"inn": "7707083893", "kpp": "773601001", "ogrn": "1027700132195"},
    "time_zone": "Europe/Moscow",
}


async def eventually(check: Any, timeout: float = 60) -> None:
    await wait_until(check, timeout=timeout, interval=0.3)


async def publish_duplicate_by_kafka(fleet: Fleet) -> None:
    """Telephony publishes the same person's call as a bare lead.received."""
    call = {
        "source": "telephony",
        "external_id": "call-9",
        "channel": "phone",
        "contact": {"phone": "+7 912 555 01 02"},
    }
    producer = AIOKafkaProducer(bootstrap_servers=fleet.env["KAFKA_BOOTSTRAP_SERVERS"])
    await producer.start()
    try:
        topic = fleet.env["KAFKA_TOPIC_PREFIX"] + "lead.received"
        await producer.send_and_wait(topic, json.dumps(call).encode(), key=b"call-9")
    finally:
        await producer.stop()


async def story(
    fleet: Fleet, clock: SharedClock, mailbox: Mailbox, *, restart: str | None = None
) -> dict[str, Any]:
    leads, deals = fleet.url("leads"), fleet.url("deals")
    notifications, reporting = fleet.url("notifications"), fleet.url("reporting")
    async with httpx.AsyncClient(timeout=10) as http:
        for manager_id, body in ROSTER.items():
            assert (
                await http.put(f"{leads}/v1/managers/{manager_id}", json=body)
            ).status_code == 200

        async def staff_known() -> bool:
            for manager_id, body in ROSTER.items():
                known = await http.get(f"{notifications}/v1/recipients/{manager_id}")
                if known.status_code != 200 or known.json().get("email") != body["email"]:
                    return False
            return True

        await eventually(staff_known)
        head = await get_json(http, f"{notifications}/v1/recipients/head")
        assert head["kind"] == "head_of_sales"

        # A lead by HTTP and its duplicate by Kafka: one lead.
        lead_id = (await http.post(f"{leads}/v1/leads", json=WEB_LEAD)).json()["lead_id"]

        async def stored() -> bool:
            return (await http.get(f"{leads}/v1/leads/{lead_id}")).status_code == 200

        # The duplicate comes later, as a call would: on another partition it could otherwise
        # be read first and become the lead the web form joins.
        await eventually(stored)
        await publish_duplicate_by_kafka(fleet)

        async def merged() -> bool:
            response = await http.get(f"{leads}/v1/leads/{lead_id}")
            return response.status_code == 200 and response.json()["channels"] == [
                "web_form",
                "phone",
            ]

        await eventually(merged)
        lead = await get_json(http, f"{leads}/v1/leads/{lead_id}")
        first_owner = lead["manager_id"]
        assert first_owner == "m-anna"
        assert (await get_json(http, f"{leads}/v1/leads"))["total"] == 1

        # Nobody calls within the hour: the lead moves to the next manager.
        clock.advance(timedelta(minutes=61))

        async def reassigned() -> bool:
            return (await get_json(http, f"{leads}/v1/leads/{lead_id}"))["manager_id"] == "m-boris"

        await eventually(reassigned)
        contact = {"manager_id": "m-boris", "kind": "call", "outcome": "answered"}
        assert (
            await http.post(f"{leads}/v1/leads/{lead_id}/activities", json=contact)
        ).status_code == 201
        conversion = {
            "products": [
                {
                    "product": "Насос Н-50",
                    "quantity": "2",
                    "unit_price": {"amount": "150000.00", "currency": RUB},
                }
            ]
        }
        assert (
            await http.post(f"{leads}/v1/leads/{lead_id}/convert", json=conversion)
        ).status_code == 200

        async def deal_opened() -> bool:
            return (await get_json(http, f"{deals}/v1/deals", manager_id="m-boris"))["total"] == 1

        await eventually(deal_opened)
        deal = (await get_json(http, f"{deals}/v1/deals", manager_id="m-boris"))["items"][0]
        deal_id = deal["id"]
        assert deal["amount"] == {"amount": "300000.00", "currency": RUB}

        if restart:
            await fleet.stop(restart)
            await fleet.start(restart)

        async def move(stage: str) -> httpx.Response:
            return await http.post(
                f"{deals}/v1/deals/{deal_id}/stage", json={"to_stage": stage, "by": "m-boris"}
            )

        refused = await move("qualification")
        assert refused.status_code == 409 and refused.json()["missing"] == ["client_id"]
        client_id = (await http.post(f"{deals}/v1/clients", json=CLIENT)).json()["id"]
        client_recipient = {"kind": "client", "email": CLIENT_EMAIL, "time_zone": "Europe/Moscow"}
        assert (
            await http.put(f"{notifications}/v1/recipients/{client_id}", json=client_recipient)
        ).status_code == 200
        await http.patch(
            f"{deals}/v1/deals/{deal_id}",
            json={"client_id": client_id, "proposal_sent_on": clock.now().date().isoformat()},
        )
        assert (await move("qualification")).status_code == 200
        assert (await move("proposal")).status_code == 200
        assert (await move("negotiation")).status_code == 200
        contract = {
            "number": "Д-77",
            "type": "supply",
            "payment_form": "bank_transfer",
            "signed_on": clock.now().date().isoformat(),
        }
        assert (
            await http.put(f"{deals}/v1/deals/{deal_id}/contract", json=contract)
        ).status_code == 200
        for stage in ("contract", "invoice"):
            assert (await move(stage)).status_code == 200
        today = clock.now().date()
        plan = [{"due_on": (today + timedelta(days=days)).isoformat()} for days in (10, 40, 70)]
        invoice = await http.post(
            f"{deals}/v1/deals/{deal_id}/invoices", json={"installments": plan}
        )
        assert invoice.status_code == 201, invoice.text
        invoice_id = invoice.json()["id"]
        assert (await move("payment")).status_code == 200

        # On issue, each installment's reminder reaches the client by e-mail, once.
        async def reminded() -> bool:
            return len(mailbox.to(CLIENT_EMAIL)) >= 3

        await eventually(reminded)
        for _ in range(3):
            paid = await http.post(
                f"{deals}/v1/invoices/{invoice_id}/payments",
                json={"amount": {"amount": "100000.00", "currency": RUB}},
            )
            assert paid.status_code == 201, paid.text
        assert (await move("shipment")).status_code == 200
        await http.post(
            f"{deals}/v1/deals/{deal_id}/shipments",
            json={"shipment_id": "s1", "planned_on": today.isoformat()},
        )
        for status in ("shipped", "delivered"):
            await http.post(
                f"{deals}/v1/deals/{deal_id}/shipments/s1/status",
                json={"status": status, "on": today.isoformat()},
            )
        assert (await move("won")).status_code == 200

        async def reported() -> bool:
            funnel = await get_json(http, f"{reporting}/v1/reports/funnel")
            receivables = await get_json(http, f"{reporting}/v1/reports/receivables")
            return funnel["steps"][-1]["count"] == 1 and receivables["paid"] == {RUB: "300000.00"}

        await eventually(reported, timeout=90)
        return {
            "funnel": await get_json(http, f"{reporting}/v1/reports/funnel"),
            "sales": await get_json(http, f"{reporting}/v1/reports/sales"),
            "receivables": await get_json(http, f"{reporting}/v1/reports/receivables"),
            "response": await get_json(http, f"{reporting}/v1/reports/response"),
            "client_emails": len(mailbox.to(CLIENT_EMAIL)),
        }


def check_figures(figures: dict[str, Any]) -> None:
    """What the story implies, computed here, not read from the services."""
    # One lead reached every step: 1 received → contacted → qualified → deal → won.
    assert [(s["step"], s["count"]) for s in figures["funnel"]["steps"]] == [
        ("received", 1),
        ("contacted", 1),
        ("qualified", 1),
        ("deal", 1),
        ("won", 1),
    ]
    # Two pumps at 150 000: one won deal of 300 000, invoiced and paid in full.
    assert figures["sales"]["won_count"] == 1
    assert figures["sales"]["won_sum"] == {RUB: "300000.00"}
    assert figures["receivables"] == {
        "invoiced": {RUB: "300000.00"},
        "paid": {RUB: "300000.00"},
        "outstanding": {RUB: "0.00"},
    }
    # Anna missed the deadline (one breach); Boris made the first contact.
    assert figures["response"]["m-anna"]["leads_breached"] == 1
    assert figures["response"]["m-boris"]["first_contacts"] == 1
    # Three installments, each reminded on issue; paid before any other reminder was due.
    assert figures["client_emails"] == 3


async def test_a_lead_becomes_a_paid_deal_and_the_reports_add_up(
    fleet: Fleet, shared_clock: SharedClock, mailbox: Mailbox
) -> None:
    check_figures(await story(fleet, shared_clock, mailbox))


async def test_restarting_a_service_mid_story_gives_the_same_end_state(
    fleet: Fleet, shared_clock: SharedClock, mailbox: Mailbox
) -> None:
    check_figures(await story(fleet, shared_clock, mailbox, restart="deals"))
