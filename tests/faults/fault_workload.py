"""The scripted workload, through the public doors only: each service's HTTP API and Kafka topics.

It keeps a `Ledger` of what was accepted (a lead counts once its POST was answered or its
message acknowledged by Kafka), which the checker compares with what the services did.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from fault_clock import RunClock
from fault_fleet import Fleet

from deals.service_layer.deals import deal_id_for_lead
from leads.domain.ids import lead_id_for
from shared.contracts.codec import encode
from shared.contracts.events.invoicing import PaymentReceivedV1
from shared.contracts.events.lead_lifecycle import LeadActivityLoggedV1
from shared.testing.kafka import wait_until

RUB = "RUB"
MANAGERS = ("m-1", "m-2", "m-3")
CLIENT_EMAIL = "buyer@client.example"
TRUSTED = "urn:faults:accounting"
FORGER = "urn:faults:forger"
TELEPHONY = "urn:faults:telephony"
UNIT_PRICE = Decimal("150000.00")
DEAL_AMOUNT = UNIT_PRICE * 2
HTTP_LEADS = 14
KAFKA_LEADS = 6
CALLED_FIRST = 2
"""Kafka leads whose telephony call is published before the lead itself."""
POISON = {"lead.received": 2, "payment.received": 1, "lead.activity_logged": 1}


@dataclass
class Ledger:
    """What the workload was told was accepted, and what it therefore expects."""

    leads: dict[str, str] = field(default_factory=dict)
    """lead id -> how it came (http or kafka)."""
    contacted: set[str] = field(default_factory=set)
    called_first: dict[str, str] = field(default_factory=dict)
    """lead id -> the id of the telephony activity published before it."""
    deals: dict[str, str] = field(default_factory=dict)
    """deal id -> invoice id."""
    paid: dict[str, Decimal] = field(default_factory=dict)
    """invoice id -> what the trusted doors paid."""
    won: set[str] = field(default_factory=set)
    poison: dict[str, int] = field(default_factory=dict)
    """topic -> messages sent that must end in its dead-letter topic."""
    forged: int = 0
    """Forged payments sent: deals must dead-letter each."""
    client_id: str | None = None


class Refused(AssertionError):
    """A door answered with an error the workload did not expect."""


@dataclass
class Doors:
    """HTTP calls that ride out faults: another replica, or the same one later, until a deadline."""

    fleet: Fleet
    http: httpx.AsyncClient
    deadline_seconds: float = 150

    async def call(
        self,
        service: str,
        method: str,
        path: str,
        *,
        body: Any = None,
        key: str | None = None,
        ok: tuple[int, ...] = (200, 201, 202),
        settled: tuple[int, ...] = (),
        params: dict[str, Any] | None = None,
    ) -> httpx.Response:
        """Call until an `ok` answer; `settled` codes count as done after a retry (409 of a
        move already made, for example)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.deadline_seconds
        headers = {"Idempotency-Key": key} if key else {}
        attempt = 0
        last = "no answer"
        while loop.time() < deadline:
            url = self.fleet.urls(service)[attempt % len(self.fleet.urls(service))]
            attempt += 1
            try:
                response = await self.http.request(
                    method, url + path, json=body, headers=headers, params=params, timeout=10
                )
            except httpx.HTTPError as exc:
                last = type(exc).__name__
                await asyncio.sleep(0.3)
                continue
            if response.status_code in ok or (attempt > 1 and response.status_code in settled):
                return response
            last = f"{response.status_code} {response.text[:300]}"
            if response.status_code < 500 and response.status_code not in (404, 409, 429):
                raise Refused(f"{method} {path}: {last}")
            await asyncio.sleep(0.3)
        raise Refused(f"{method} {path}: no success within {self.deadline_seconds} s ({last})")

    async def get(self, service: str, path: str, **params: Any) -> Any:
        return (await self.call(service, "GET", path, params=params or None, ok=(200,))).json()


@dataclass
class Publisher:
    """Publishes to this run's topics; retries until Kafka acknowledges."""

    bootstrap: str
    prefix: str
    producer: AIOKafkaProducer | None = None

    async def send(
        self, topic: str, value: bytes, *, key: str, headers: list[tuple[str, bytes]] | None = None
    ) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 150
        while True:
            try:
                if self.producer is None:
                    self.producer = AIOKafkaProducer(
                        bootstrap_servers=self.bootstrap, acks="all", request_timeout_ms=10000
                    )
                    await self.producer.start()
                await self.producer.send_and_wait(
                    self.prefix + topic, value, key=key.encode(), headers=headers or []
                )
                return
            except KafkaError:
                if loop.time() > deadline:
                    raise
                await self.close()
                await asyncio.sleep(0.5)

    async def close(self) -> None:
        if self.producer is not None:
            producer, self.producer = self.producer, None
            with contextlib.suppress(KafkaError):
                await producer.stop()


Step = Callable[[], Awaitable[None]]


@dataclass
class Workload:
    """One run's story: roster, leads by both doors, contacts, a missed hour, two deals."""

    doors: Doors
    publisher: Publisher
    clock: RunClock
    rng: random.Random
    ledger: Ledger = field(default_factory=Ledger)

    def steps(self) -> list[tuple[str, Step]]:
        return [
            ("roster", self.roster),
            ("http leads", self.http_leads),
            ("kafka leads", self.kafka_leads),
            ("poison", self.poison),
            ("stored", self.stored),
            ("contacts", self.contacts),
            ("missed hour", self.missed_hour),
            ("deals", self.deals),
            ("payments", self.payments),
        ]

    async def roster(self) -> None:
        for manager in MANAGERS:
            body = {"name": manager, "team": "sales"}
            await self.doors.call("leads", "PUT", f"/v1/managers/{manager}", body=body)
            recipient = {"kind": "manager", "email": f"{manager}@voronka.example"}
            await self.doors.call(
                "notifications", "PUT", f"/v1/recipients/{manager}", body=recipient
            )

    async def http_leads(self) -> None:
        async def one(index: int) -> None:
            external = f"form-{index}"
            body = {
                "source": "website",
                "external_id": external,
                "channel": "web_form",
                "contact": {"name": "Клиент", "phone": f"+7 912 700 {index:02d} {index:02d}"},
                "request_text": "Нужен насос",
            }
            answer = await self.doors.call("leads", "POST", "/v1/leads", body=body, key=external)
            lead_id = answer.json()["lead_id"]
            assert lead_id == lead_id_for("website", external, ""), "a lead id changed"
            self.ledger.leads[lead_id] = "http"

        order = list(range(HTTP_LEADS))
        self.rng.shuffle(order)
        for start in range(0, len(order), 4):
            await asyncio.gather(*(one(i) for i in order[start : start + 4]))

    async def kafka_leads(self) -> None:
        for index in range(KAFKA_LEADS):
            external = f"mp-{index}"
            lead_id = lead_id_for("marketplace", external, "")
            if index < CALLED_FIRST:
                await self._call_before_lead(lead_id, index)
            body = {
                "source": "marketplace",
                "external_id": external,
                "channel": "marketplace",
                "contact": {"name": "Покупатель", "email": f"buyer{index}@market.example"},
            }
            payload = json.dumps(body).encode()
            await self.publisher.send("lead.received", payload, key=external)
            if index == KAFKA_LEADS - 1:  # a publisher that sends the same message twice
                await self.publisher.send("lead.received", payload, key=external)
            self.ledger.leads[lead_id] = "kafka"

    async def _call_before_lead(self, lead_id: str, index: int) -> None:
        activity_id = f"call-{index}"
        event = LeadActivityLoggedV1(
            activity_id=activity_id,
            lead_id=lead_id,
            manager_id="m-1",
            kind="call",
            occurred_at=self.clock.now(),
            outcome="answered",
        )
        value, headers = encode(event, source=TELEPHONY)
        await self.publisher.send("lead.activity_logged", value, key=lead_id, headers=headers)
        self.ledger.called_first[lead_id] = activity_id

    async def poison(self) -> None:
        for topic, count in POISON.items():
            for n in range(count):
                garbage = f"not an event {n} {self.rng.random()}".encode()
                await self.publisher.send(topic, garbage, key=f"poison-{n}")
            self.ledger.poison[topic] = self.ledger.poison.get(topic, 0) + count

    async def stored(self) -> None:
        for lead_id in self.ledger.leads:
            await self.doors.call("leads", "GET", f"/v1/leads/{lead_id}", ok=(200,))

    async def contacts(self) -> None:
        http_leads = sorted(i for i, door in self.ledger.leads.items() if door == "http")
        for lead_id in http_leads[: len(http_leads) // 2]:
            lead = await self.doors.get("leads", f"/v1/leads/{lead_id}")
            body = {"manager_id": lead["manager_id"], "kind": "call", "outcome": "answered"}
            path = f"/v1/leads/{lead_id}/activities"
            await self.doors.call("leads", "POST", path, body=body, key=f"contact-{lead_id}")
            self.ledger.contacted.add(lead_id)

    async def missed_hour(self) -> None:
        """Nobody calls the other leads for an hour: each misses its deadline once."""
        self.clock.advance(timedelta(minutes=61))
        for lead_id in self.ledger.leads:
            if lead_id in self.ledger.contacted or lead_id in self.ledger.called_first:
                continue
            path = f"/v1/leads/{lead_id}"
            await wait_until(lambda p=path: self._breached(p), timeout=150, interval=0.3)

    async def _breached(self, path: str) -> bool:
        return int((await self.doors.get("leads", path))["sla_breaches"]) >= 1

    async def deals(self) -> None:
        converted = sorted(self.ledger.contacted)[:2]
        client = {
            "legal_form": "ПАО",
            "name": "ПАО Сбербанк",
            "requisites": {"inn": "7707083893", "kpp": "773601001", "ogrn": "1027700132195"},
            "time_zone": "Europe/Moscow",
        }
        answer = await self.doors.call("deals", "POST", "/v1/clients", body=client)
        client_id = answer.json()["id"]
        self.ledger.client_id = client_id
        recipient = {"kind": "client", "email": CLIENT_EMAIL, "time_zone": "Europe/Moscow"}
        await self.doors.call("notifications", "PUT", f"/v1/recipients/{client_id}", body=recipient)
        for lead_id in converted:
            deal_id = await self._convert(lead_id)
            self.ledger.deals[deal_id] = await self._to_invoice(deal_id, client_id)

    async def _convert(self, lead_id: str) -> str:
        conversion = {
            "products": [
                {
                    "product": "Насос Н-50",
                    "quantity": "2",
                    "unit_price": {"amount": str(UNIT_PRICE), "currency": RUB},
                }
            ]
        }
        path = f"/v1/leads/{lead_id}/convert"
        await self.doors.call("leads", "POST", path, body=conversion, settled=(409,))
        deal_id = deal_id_for_lead(lead_id)
        await self.doors.call("deals", "GET", f"/v1/deals/{deal_id}", ok=(200,))
        return deal_id

    async def _to_invoice(self, deal_id: str, client_id: str) -> str:
        today = self.clock.now().date().isoformat()
        patch = {"client_id": client_id, "proposal_sent_on": today}
        await self.doors.call("deals", "PATCH", f"/v1/deals/{deal_id}", body=patch)
        for stage in ("qualification", "proposal", "negotiation"):
            await self._move(deal_id, stage)
        contract = {
            "number": f"Д-{deal_id[-4:]}",
            "type": "supply",
            "payment_form": "bank_transfer",
            "signed_on": today,
        }
        await self.doors.call("deals", "PUT", f"/v1/deals/{deal_id}/contract", body=contract)
        for stage in ("contract", "invoice"):
            await self._move(deal_id, stage)
        due = [self.clock.now().date() + timedelta(days=days) for days in (10, 40, 70)]
        plan = {"installments": [{"due_on": day.isoformat()} for day in due]}
        path = f"/v1/deals/{deal_id}/invoices"
        answer = await self.doors.call("deals", "POST", path, body=plan, key=f"inv-{deal_id}")
        await self._move(deal_id, "payment")
        return str(answer.json()["id"])

    async def _move(self, deal_id: str, stage: str) -> None:
        body = {"to_stage": stage, "by": "m-1"}
        path = f"/v1/deals/{deal_id}/stage"
        await self.doors.call("deals", "POST", path, body=body, settled=(409,))

    async def payments(self) -> None:
        """The first deal is paid in full by HTTP and won; the second gets one trusted payment
        by Kafka and one forged payment of the whole sum, which must change nothing."""
        (first, first_invoice), (second, second_invoice) = list(self.ledger.deals.items())
        third = DEAL_AMOUNT / 3
        for n in range(3):
            body = {"amount": {"amount": f"{third:.2f}", "currency": RUB}}
            path = f"/v1/invoices/{first_invoice}/payments"
            await self.doors.call("deals", "POST", path, body=body, key=f"pay-{first}-{n}")
        self.ledger.paid[first_invoice] = DEAL_AMOUNT
        await self._move(first, "shipment")
        shipment = {"shipment_id": "s1", "planned_on": self.clock.now().date().isoformat()}
        path = f"/v1/deals/{first}/shipments"
        await self.doors.call("deals", "POST", path, body=shipment, settled=(409,))
        for status in ("shipped", "delivered"):
            body = {"status": status, "on": self.clock.now().date().isoformat()}
            path = f"/v1/deals/{first}/shipments/s1/status"
            await self.doors.call("deals", "POST", path, body=body, settled=(409,))
        await self._move(first, "won")
        self.ledger.won.add(first)
        await self._kafka_payment(second, second_invoice, third, TRUSTED, "bank-1")
        self.ledger.paid[second_invoice] = third.quantize(Decimal("0.01"))
        await self._kafka_payment(second, second_invoice, DEAL_AMOUNT, FORGER, "forged-1")
        self.ledger.forged += 1

    async def _kafka_payment(
        self, deal_id: str, invoice_id: str, amount: Decimal, source: str, payment_id: str
    ) -> None:
        event = PaymentReceivedV1.model_validate(
            {
                "payment_id": payment_id,
                "invoice_id": invoice_id,
                "amount": {"amount": f"{amount:.2f}", "currency": RUB},
                "paid_at": self.clock.now(),
                "deal_id": deal_id,
            }
        )
        value, headers = encode(event, source=source)
        await self.publisher.send("payment.received", value, key=invoice_id, headers=headers)
