"""People through the leads API: each role sees and works exactly its own, team's or all leads."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from leads_testkit import ServiceFactory, stored_lead
from prometheus_client import REGISTRY
from pydantic import SecretStr

from shared.platform.auth import digest
from shared.platform.clock import ManualClock
from shared.platform.identity import OidcSettings
from shared.platform.settings import ApiSettings
from shared.testing.kafka import wait_until
from shared.testing.oidc import AUDIENCE, local_issuer

pytestmark = pytest.mark.integration

OPS_KEY = "o-" + "x" * 40
ROSTER = {
    "m-anna": {"name": "Anna", "team": "north"},
    "m-boris": {"name": "Boris", "team": "north"},
    "tl-vera": {"name": "Vera", "team": "north"},
    "m-gleb": {"name": "Gleb", "team": "south"},
}
OWNERS = {"own": "m-anna", "team": "m-boris", "other": "m-gleb"}
# Who asks (their id on the roster, their role) and what they get for Anna's, Boris's
# and Gleb's lead: Anna's is "own" for Anna, "team" for Vera, "other" for Gleb.
PEOPLE = {
    "anna": ("m-anna", "manager"),
    "vera": ("tl-vera", "team_lead"),
    "gleb": ("m-gleb", "manager"),
    "head": ("h-irina", "head_of_sales"),
}
READS = {  # GET /v1/leads/{id} → status, per person and lead
    "anna": {"own": 200, "team": 404, "other": 404},
    "vera": {"own": 200, "team": 200, "other": 404},
    "gleb": {"own": 404, "team": 404, "other": 200},
    "head": {"own": 200, "team": 200, "other": 200},
}
LOGS = {  # POST /v1/leads/{id}/activities (a call) → status
    "anna": {"own": 201, "team": 404, "other": 404},
    "vera": {"own": 201, "team": 201, "other": 404},
    "gleb": {"own": 404, "team": 404, "other": 201},
    "head": {"own": 201, "team": 201, "other": 201},
}


def lead_body(i: int) -> dict[str, Any]:
    return {
        "source": "website",
        "external_id": f"scope-{i}",
        "channel": "web_form",
        "contact": {"name": f"Client {i}", "phone": f"+7 912 000 00 0{i}"},
    }


async def test_each_role_sees_and_works_exactly_its_scope(
    leads_service: ServiceFactory, clock: ManualClock
) -> None:
    keys = [{"id": "ops", "sha256": digest(OPS_KEY), "scopes": ["*"]}]
    api = ApiSettings(keys=SecretStr(json.dumps(keys)))
    with local_issuer() as issuer:
        oidc = OidcSettings(issuer=issuer.url, audience=AUDIENCE)
        async with leads_service(api=api, oidc=oidc) as (service, http):
            ops = {"X-API-Key": OPS_KEY}
            for manager_id, body in ROSTER.items():
                answer = await http.put(f"/v1/managers/{manager_id}", json=body, headers=ops)
                assert answer.status_code == 200, answer.text
            leads: dict[str, str] = {}
            for i, which in enumerate(OWNERS):
                answer = await http.post("/v1/leads", json=lead_body(i), headers=ops)
                assert answer.status_code == 202, answer.text
                leads[which] = answer.json()["lead_id"]

            async def all_stored() -> bool:
                return all([await stored_lead(service, lead) for lead in leads.values()])

            await wait_until(all_stored, timeout=30)
            for which, owner in OWNERS.items():
                moved = await http.post(
                    f"/v1/leads/{leads[which]}/assign", json={"manager_id": owner}, headers=ops
                )
                assert moved.status_code == 200, moved.text

            tokens = {
                who: {"Authorization": f"Bearer {issuer.token(person, roles=[role])}"}
                for who, (person, role) in PEOPLE.items()
            }
            await check_table(http, tokens, leads)
            await check_lists(http, tokens, leads)
            await check_actor(http, tokens, ops, leads["own"], clock)
            await check_reassignment(http, tokens, leads)


async def check_table(
    http: httpx.AsyncClient, tokens: dict[str, dict[str, str]], leads: dict[str, str]
) -> None:
    unseen_before = out_of_sight_count()
    got_reads: dict[str, dict[str, int]] = {}
    got_logs: dict[str, dict[str, int]] = {}
    for who, headers in tokens.items():
        got_reads[who] = {}
        got_logs[who] = {}
        for which, lead_id in leads.items():
            read = await http.get(f"/v1/leads/{lead_id}", headers=headers)
            got_reads[who][which] = read.status_code
            call = {"manager_id": PEOPLE[who][0], "kind": "call", "direction": "outbound"}
            logged = await http.post(f"/v1/leads/{lead_id}/activities", json=call, headers=headers)
            got_logs[who][which] = logged.status_code
            if read.status_code == 404:
                assert "Client" not in read.text  # nothing of the lead leaks
    assert got_reads == READS
    assert got_logs == LOGS
    answered_404 = sum(
        status == 404
        for table in (got_reads, got_logs)
        for row in table.values()
        for status in row.values()
    )
    assert out_of_sight_count() - unseen_before == answered_404 == 10  # each counted


def out_of_sight_count() -> float:
    labels = {"status": "404", "reason": "out_of_sight"}
    return REGISTRY.get_sample_value("voronka_access_refused_total", labels) or 0.0


async def check_lists(
    http: httpx.AsyncClient, tokens: dict[str, dict[str, str]], leads: dict[str, str]
) -> None:
    seen = {}
    for who, headers in tokens.items():
        page = (await http.get("/v1/leads", headers=headers)).json()
        seen[who] = ({item["id"] for item in page["items"]}, page["total"])
    own, team, other = leads["own"], leads["team"], leads["other"]
    assert seen == {
        "anna": ({own}, 1),
        "vera": ({own, team}, 2),
        "gleb": ({other}, 1),
        "head": ({own, team, other}, 3),
    }
    boris_queue = await http.get("/v1/managers/m-boris/queue", headers=tokens["anna"])
    assert boris_queue.json()["total"] == 0


async def check_actor(
    http: httpx.AsyncClient,
    tokens: dict[str, dict[str, str]],
    ops: dict[str, str],
    lead_id: str,
    clock: ManualClock,
) -> None:
    path = f"/v1/leads/{lead_id}/activities"
    call: dict[str, Any] = {"kind": "call", "direction": "outbound"}
    posing = await http.post(path, json={**call, "manager_id": "m-boris"}, headers=tokens["anna"])
    assert posing.status_code == 403  # the author is the token's person
    assert posing.json()["detail"] == "`manager_id` may only repeat who you are"
    unnamed = await http.post(path, json={**call, "activity_id": "a-anna"}, headers=tokens["anna"])
    assert unnamed.status_code == 201
    logged = [a for a in unnamed.json()["activities"] if a["id"] == "a-anna"]
    assert [a["manager_id"] for a in logged] == ["m-anna"]
    anonymous = await http.post(path, json=call, headers=ops)
    assert anonymous.status_code == 422  # a system must say who did it
    assert [e["loc"] for e in anonymous.json()["detail"]] == [["body", "manager_id"]]
    an_hour_ago = (clock.now() - timedelta(hours=1)).isoformat()
    late = {**call, "occurred_at": an_hour_ago}
    backdated = await http.post(path, json=late, headers=tokens["anna"])
    assert backdated.status_code == 422
    assert [e["loc"] for e in backdated.json()["detail"]] == [["body", "occurred_at"]]
    from_a_system = {**late, "manager_id": "m-anna", "activity_id": "a-pbx"}
    assert (await http.post(path, json=from_a_system, headers=ops)).status_code == 201


async def check_reassignment(
    http: httpx.AsyncClient, tokens: dict[str, dict[str, str]], leads: dict[str, str]
) -> None:
    to_boris = {"manager_id": "m-boris"}
    by_manager = await http.post(
        f"/v1/leads/{leads['own']}/assign", json=to_boris, headers=tokens["anna"]
    )
    assert by_manager.status_code == 403  # a manager does not reassign
    out_of_team = await http.post(
        f"/v1/leads/{leads['team']}/assign", json={"manager_id": "m-gleb"}, headers=tokens["vera"]
    )
    assert out_of_team.status_code == 403  # a team lead keeps leads in the team
    within = await http.post(
        f"/v1/leads/{leads['own']}/assign", json=to_boris, headers=tokens["vera"]
    )
    assert within.status_code == 200
    assert within.json()["manager_id"] == "m-boris"
    by_head = await http.post(
        f"/v1/leads/{leads['other']}/assign", json={"manager_id": "m-anna"}, headers=tokens["head"]
    )
    assert by_head.status_code == 200
    roster = await http.put("/v1/teams/east", json={"name": "East"}, headers=tokens["vera"])
    assert roster.status_code == 403  # the roster is the head of sales'
