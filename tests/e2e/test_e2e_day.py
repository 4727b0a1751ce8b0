"""A manager's day across the four processes: a lead to call, a task that slips, who is told.

Anna signs in and reads her own queue. A web lead assigned to her is in it (leads → deals).
Her first call takes it off the list. A task she sets for herself slips: she is mailed at its
due time, and her team lead a day later (deals → notifications), once each.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from e2e_harness import Fleet, SharedClock

from shared.platform.auth import digest
from shared.testing.kafka import wait_until
from shared.testing.oidc import AUDIENCE, LocalIssuer, local_issuer
from shared.testing.servers import Mailbox

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

OPS_KEY = "o-" + "d" * 40
OPS = {"Authorization": f"Bearer {OPS_KEY}"}
ROSTER = {
    "m-anna": {"name": "Анна", "team": "north", "email": "m-anna@voronka.example"},
    "l-olga": {
        "name": "Ольга",
        "team": "north",
        "role": "team_lead",
        "capacity": 0,  # leads the team, takes no leads
        "email": "l-olga@voronka.example",
    },
}
WEB_LEAD = {
    "source": "website",
    "external_id": "form-day-1",
    "channel": "web_form",
    "contact": {"name": "Пётр Сидоров", "phone": "8 (912) 555-01-03"},
    "request_text": "Нужны 2 насоса Н-50 до пятницы",
    "product": "Насос Н-50",
    "quantity": "2",
}


@pytest.fixture
def issuer() -> Iterator[LocalIssuer]:
    with local_issuer() as running:
        yield running


@pytest.fixture
def fleet_extra_env(issuer: LocalIssuer) -> dict[str, str]:
    keys = [{"id": "ops", "sha256": digest(OPS_KEY), "scopes": ["*"]}]
    return {
        "OIDC_ISSUER": issuer.url,
        "OIDC_AUDIENCE": AUDIENCE,
        "API_KEYS": json.dumps(keys),
        "LEADS_DEFAULT_TEAM": "north",
    }


async def eventually(check: Any, timeout: float = 60) -> None:
    await wait_until(check, timeout=timeout, interval=0.3)


async def test_a_managers_day_from_the_queue_to_the_team_lead(
    fleet: Fleet, shared_clock: SharedClock, mailbox: Mailbox, issuer: LocalIssuer
) -> None:
    leads, deals = fleet.url("leads"), fleet.url("deals")
    notifications = fleet.url("notifications")
    anna = {"Authorization": f"Bearer {issuer.token('m-anna', roles=['manager'], lifetime=3600)}"}

    def about_the_task(address: str) -> list[str]:
        bodies = [
            mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
            for mail in mailbox.to(address)
        ]
        return [text for text in bodies if "Отправить образцы насоса" in text]

    async with httpx.AsyncClient(timeout=10) as http:
        for person_id, body in ROSTER.items():
            put = await http.put(f"{leads}/v1/managers/{person_id}", json=body, headers=OPS)
            assert put.status_code == 200, put.text

        async def staff_known() -> bool:
            for person_id in ROSTER:
                seen = await http.get(f"{notifications}/v1/recipients/{person_id}", headers=OPS)
                if seen.status_code != 200:
                    return False
            return True

        await eventually(staff_known)
        lead_id = (await http.post(f"{leads}/v1/leads", json=WEB_LEAD, headers=OPS)).json()[
            "lead_id"
        ]

        async def day() -> dict[str, Any]:
            response = await http.get(f"{deals}/v1/my/day", headers=anna)
            assert response.status_code == 200, response.text
            found: dict[str, Any] = response.json()
            return found

        async def lead_to_call() -> bool:
            return [x["lead_id"] for x in (await day())["leads_to_call"]] == [lead_id]

        await eventually(lead_to_call)
        [first] = (await day())["leads_to_call"]
        assert 0 < first["sla_seconds_left"] <= 3600

        # Her first call takes the lead off the list.
        call = {"kind": "call", "outcome": "answered"}
        logged = await http.post(f"{leads}/v1/leads/{lead_id}/activities", json=call, headers=anna)
        assert logged.status_code == 201, logged.text

        async def called() -> bool:
            return (await day())["leads_to_call"] == []

        await eventually(called)

        # A task Anna sets for herself, due in two hours.
        due = shared_clock.now() + timedelta(hours=2)
        body = {"title": "Отправить образцы насоса", "due_at": due.isoformat()}
        task = await http.post(f"{deals}/v1/tasks", json=body, headers=anna)
        assert task.status_code == 201, task.text
        assert task.json()["assignee_id"] == "m-anna"
        assert [t["task_id"] for t in (await day())["tasks_today"]] == [task.json()["id"]]

        shared_clock.advance(timedelta(hours=2, minutes=1))

        async def anna_told() -> bool:
            return len(about_the_task("m-anna@voronka.example")) == 1

        await eventually(anna_told)
        assert about_the_task("l-olga@voronka.example") == []
        assert [t["task_id"] for t in (await day())["tasks_overdue"]] == [task.json()["id"]]

        shared_clock.advance(timedelta(hours=24))

        async def olga_told() -> bool:
            return len(about_the_task("l-olga@voronka.example")) == 1

        await eventually(olga_told)
        [to_olga] = about_the_task("l-olga@voronka.example")
        assert "Анна" in to_olga  # whose task it is

        assert len(about_the_task("m-anna@voronka.example")) == 1  # told once, however long
