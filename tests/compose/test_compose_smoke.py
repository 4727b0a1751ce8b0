"""Smoke test of the compose stack under Podman (deploy/compose/podman.yml, ADR 0038).

Runs under `make compose-smoke`, which starts the stack, runs this folder by path and tears
the stack down. Plain `make test` does not collect it (`norecursedirs`): it needs the images
`make images` builds. Marked e2e: several services as separate processes, here in containers.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

pytestmark = pytest.mark.e2e

BASE = int(os.environ.get("VORONKA_COMPOSE_PORT_BASE", "8000"))
SERVICES = {"leads": BASE + 1, "deals": BASE + 2, "notifications": BASE + 3, "reporting": BASE + 4}
KAFKA = f"127.0.0.1:{os.environ.get('VORONKA_COMPOSE_KAFKA_PORT', '29092')}"


def url(service: str, path: str) -> str:
    """A service's URL as the stack publishes it on loopback."""
    return f"http://127.0.0.1:{SERVICES[service]}{path}"


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_service_is_ready(service: str) -> None:
    answer = httpx.get(url(service, "/readyz"), timeout=10)
    assert answer.status_code == 200, answer.text


async def test_a_posted_lead_is_assigned_and_reported() -> None:
    external_id = f"compose-smoke-{uuid.uuid4().hex[:12]}"
    body = {
        "source": "website",
        "external_id": external_id,
        "channel": "web_form",
        "contact": {"name": "Иван Петров", "phone": "8 (912) 345-67-89"},
        "request_text": "Нужны 20 станков ЧПУ до конца квартала",
    }
    async with httpx.AsyncClient(timeout=15) as http:
        posted = await http.post(url("leads", "/v1/leads"), json=body)
        assert posted.status_code == 202, posted.text
        lead_id = posted.json()["lead_id"]

        consumer = AIOKafkaConsumer(
            "lead.assigned",
            bootstrap_servers=KAFKA,
            group_id=f"compose-smoke-{uuid.uuid4().hex[:8]}",
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await consumer.start()
        try:
            assigned = await asyncio.wait_for(_first_with_key(consumer, lead_id), timeout=90)
        finally:
            await consumer.stop()
        assert assigned["lead_id"] == lead_id
        assert assigned["channel"] == "web_form", assigned

        lead = await http.get(url("leads", f"/v1/leads/{lead_id}"))
        assert lead.status_code == 200, lead.text

        report = await http.get(url("reporting", "/v1/reports/funnel"))
        assert report.status_code == 200, report.text
        assert isinstance(report.json(), dict)


async def _first_with_key(consumer: AIOKafkaConsumer, key: str) -> dict[str, object]:
    async for message in consumer:
        if message.key is not None and message.key.decode() == key:
            value: dict[str, object] = json.loads(message.value or b"{}")
            return value
    raise AssertionError("the consumer stopped")
