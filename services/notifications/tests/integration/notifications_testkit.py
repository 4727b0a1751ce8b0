"""Helpers of the notifications integration tests: real local providers, publishing, waiting."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import uvicorn
from aiokafka import AIOKafkaProducer

from notifications.bootstrap import NotificationsService
from notifications.domain.model import PERSON, Channel, idempotency_key
from notifications.domain.signing import verify
from shared.contracts.codec import encode
from shared.contracts.events.base import EventModel
from shared.contracts.events.money import Money
from shared.contracts.events.payment_due import PaymentDueV1, ReminderKind, payment_reminder_id
from shared.platform.clock import ManualClock
from shared.platform.settings import KafkaSettings
from shared.testing.kafka import wait_until

Running = tuple[NotificationsService, httpx.AsyncClient]
ServiceFactory = Callable[..., AbstractAsyncContextManager[Running]]

CLIENT = "client-1"
MANAGER = "mgr-1"
CLIENT_EMAIL = "buyer@romashka.example"
MANAGER_EMAIL = "anna@voronka.example"
BOT_TOKEN = "123456:test-token"


# --- SMTP ------------------------------------------------------------------------------


# --- HTTP providers: SMS gateway, bot API, webhook receivers ----------------------------


@dataclass
class Recorded:
    """One request the fake providers received."""

    route: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    signature_valid: bool | None = None

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


class Providers:
    """A tiny ASGI app standing in for the SMS gateway, the bot API and webhook receivers.

    `plans[route]` lists the statuses to answer first (then 200); webhook signatures are
    checked against `webhook_secrets[<name>]` at the test clock's time.
    """

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.requests: list[Recorded] = []
        self.plans: dict[str, list[int]] = {}
        self.webhook_secrets: dict[str, str] = {}

    def on(self, route: str) -> list[Recorded]:
        """Requests received on `route` (sms, messenger or webhook)."""
        return [r for r in list(self.requests) if r.route == route]

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        path: str = scope["path"]
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        route, valid = "unknown", None
        if path == "/sms":
            route = "sms"
        elif path.endswith("/sendMessage"):
            route = "messenger"
        elif path.startswith("/hooks/"):
            route = "webhook"
            secret = self.webhook_secrets.get(path.rsplit("/", 1)[-1], "")
            valid = bool(secret) and verify(
                secret.encode(), headers.get("voronka-signature", ""), body, self.clock.now()
            )
        plan = self.plans.get(route) or []
        status = plan.pop(0) if plan else 200
        self.requests.append(Recorded(route, path, headers, body, status, valid))
        answer: Any = {"error": "unavailable"}
        if status < 400:
            answer = (
                {"ok": True, "result": {"message_id": len(self.requests)}}
                if route == "messenger"
                else {"id": f"gw-{len(self.requests)}"}
            )
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": json.dumps(answer).encode()})


class ProviderServer:
    """Serves `Providers` with uvicorn on a free port, in a thread with its own event loop."""

    def __init__(self, app: Providers) -> None:
        self.app = app
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        config = uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:<port>"""
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        """Start serving and wait until the socket accepts requests."""
        self._thread.start()

        async def started() -> bool:
            return bool(self._server.started)

        await wait_until(started, timeout=10, interval=0.02)

    def stop(self) -> None:
        """Ask uvicorn to exit and wait for its thread."""
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()


# --- Kafka ------------------------------------------------------------------------------


class Publisher:
    """Publishes contract events the way producers do: CloudEvents headers, aggregate key."""

    def __init__(self, kafka: KafkaSettings) -> None:
        self._kafka = kafka
        self._producer = AIOKafkaProducer(
            bootstrap_servers=kafka.bootstrap_servers, acks="all", enable_idempotence=True
        )

    async def start(self) -> None:
        """Connect the producer."""
        await self._producer.start()

    async def stop(self) -> None:
        """Flush and disconnect."""
        await self._producer.stop()

    def encode(
        self, event: EventModel, *, key: str, event_id: str | None = None
    ) -> tuple[bytes, list[tuple[str, bytes]]]:
        """Payload and headers, so a test can send the very same message twice."""
        return encode(event, source="urn:test:producer", subject=key, event_id=event_id)

    async def send_raw(
        self, topic: str, key: str, payload: bytes, headers: list[tuple[str, bytes]]
    ) -> None:
        """Send bytes as they are to the test's physical topic."""
        await self._producer.send_and_wait(
            self._kafka.topic_prefix + topic, payload, key=key.encode(), headers=headers
        )

    async def publish(self, event: EventModel, *, key: str, event_id: str | None = None) -> str:
        """Encode and send one event; return its event id."""
        payload, headers = self.encode(event, key=key, event_id=event_id)
        await self.send_raw(event.event_type, key, payload, headers)
        return dict(headers)["ce_id"].decode()


# --- domain data -------------------------------------------------------------------------


def payment_due(
    number: int = 1,
    *,
    kind: ReminderKind = ReminderKind.ON_ISSUE,
    invoice: str = "inv-1",
    client: str = CLIENT,
    manager: str = MANAGER,
) -> PaymentDueV1:
    """A reminder about installment `number` of `invoice`."""
    installment = f"{invoice}/{number}"
    return PaymentDueV1(
        reminder_id=payment_reminder_id(installment, kind),
        invoice_id=invoice,
        installment_id=installment,
        kind=kind,
        due_date=date(2026, 3, 16),
        amount=Money(amount=Decimal("250000.00"), currency="RUB"),
        client_id=client,
        deal_id="deal-1",
        manager_id=manager,
    )


def delivery_id(source_id: str, recipient_id: str, channel: Channel) -> str:
    """The idempotency key the service gives a delivery (a person's is the same on any channel)."""
    return idempotency_key(
        source_id, recipient_id, channel if channel is Channel.WEBHOOK else PERSON
    )


async def put_recipient(http: httpx.AsyncClient, recipient_id: str, **fields: Any) -> None:
    """Register a recipient through the API."""
    response = await http.put(f"/v1/recipients/{recipient_id}", json=fields)
    assert response.status_code == 200, response.text


async def put_people(
    http: httpx.AsyncClient, *, client_zone: str = "Europe/Moscow", **client: Any
) -> None:
    """The client (e-mail first) and their manager (e-mail only)."""
    await put_recipient(
        http,
        CLIENT,
        kind="client",
        name="ООО «Ромашка»",
        email=CLIENT_EMAIL,
        time_zone=client_zone,
        preferred_channels=["email"],
        **client,
    )
    await put_recipient(http, MANAGER, kind="manager", name="Анна Иванова", email=MANAGER_EMAIL)


async def delivery(service: NotificationsService, delivery_key: str) -> dict[str, Any]:
    """The stored delivery (it must exist)."""
    doc = await service.deliveries.collection.find_one({"_id": delivery_key})
    assert doc is not None, "delivery not created"
    return dict(doc)


async def wait_for_status(
    service: NotificationsService, delivery_key: str, status: str, *, attempts: int | None = None
) -> dict[str, Any]:
    """Wait until the delivery has `status` (and `attempts`) with no attempt in flight.

    The dispatcher counts an attempt before calling the provider; until the outcome is
    stored the document still shows the previous retry time.
    """

    async def reached() -> bool:
        doc = await service.deliveries.collection.find_one({"_id": delivery_key})
        if doc is None or doc["status"] != status or doc.get("in_flight"):
            return False
        return attempts is None or doc["attempts"] == attempts

    await wait_until(reached, timeout=30, interval=0.05)
    return await delivery(service, delivery_key)


async def dispatcher_idle(clock: ManualClock) -> None:
    """The dispatcher finished its pass and sleeps on the clock again."""

    async def idle() -> bool:
        return clock.pending_sleepers >= 1

    await wait_until(idle, timeout=15, interval=0.02)
    # One more turn of the loop, so a pass woken just now has begun, not only been scheduled.
    await asyncio.sleep(0)
    await wait_until(idle, timeout=15, interval=0.02)


async def outbox_drained(service: NotificationsService) -> None:
    """Every outcome and dead letter written so far has reached Kafka."""

    async def drained() -> bool:
        pending = await service.deliveries.collection.count_documents({"_outbox_pending": True})
        return pending == 0

    await wait_until(drained, timeout=15)
