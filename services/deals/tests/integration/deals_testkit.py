"""Helpers of the deals integration tests: a valid client, events on topics, idle timers."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer

from deals.bootstrap import DealsService
from shared.contracts.codec import encode
from shared.contracts.events.base import EventModel
from shared.platform.clock import ManualClock
from shared.platform.settings import KafkaSettings
from shared.testing.kafka import read_topic, wait_until

Running = tuple[DealsService, httpx.AsyncClient]
ServiceFactory = Callable[..., AbstractAsyncContextManager[Running]]

# Sberbank's published requisites: every checksum holds.
CLIENT = {
    "legal_form": "ПАО",
    "name": "ПАО Сбербанк",
    "type": "wholesale",
    "requisites": {
        "inn": "7707083893",
        "kpp": "773601001",
        "ogrn": "1027700132195",
        "bik": "044525225",
        "bank_account": "40702810938000000001",
        "correspondent_account": "30101810400000000225",
    },
    "time_zone": "Europe/Moscow",
}


async def create_client(http: httpx.AsyncClient, **overrides: Any) -> str:
    response = await http.post("/v1/clients", json={**CLIENT, **overrides})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def publish(
    kafka: KafkaSettings, topic: str, event: EventModel, *, key: str, source: str, event_id: str
) -> None:
    payload, headers = encode(event, source=source, event_id=event_id)
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers)
    await producer.start()
    try:
        await producer.send_and_wait(
            kafka.topic_prefix + topic, payload, key=key.encode(), headers=headers
        )
    finally:
        await producer.stop()


async def events(kafka: KafkaSettings, topic: str, expected: int) -> list[dict[str, Any]]:
    records = await read_topic(
        kafka.bootstrap_servers, kafka.topic_prefix + topic, count=expected, timeout=15
    )
    return [json.loads(r.value) for r in records]


CLOCK_LOOPS = 3
"""Loops of one replica that sleep on the clock: reminders, the task timer, the stuck scan."""


async def timers_idle(clock: ManualClock, replicas: int = 1) -> None:
    """Each replica's timers finished a pass and sleep on the clock again."""

    async def idle() -> bool:
        return clock.pending_sleepers >= replicas * CLOCK_LOOPS

    await wait_until(idle, timeout=15, interval=0.02)


async def outbox_drained(service: DealsService) -> None:
    async def drained() -> bool:
        for collection in service.store.with_outbox:
            if await collection.count_documents({"_outbox_pending": True}):
                return False
        return True

    await wait_until(drained, timeout=15)
