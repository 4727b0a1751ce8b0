"""Two managers, a team lead and the head of sales, signed in: each sees exactly their scope.

The four services run as processes with people's tokens checked against a local issuer. The
roster in leads is the one directory: deals and reporting learn the people from
`person.changed`. The head approves the discount the manager may not; the audit names who did
each step.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from e2e_harness import Fleet

from shared.platform.auth import digest
from shared.testing.kafka import wait_until
from shared.testing.oidc import AUDIENCE, LocalIssuer, local_issuer

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

OPS_KEY = "o-" + "e" * 40
KEYS = [{"id": "ops", "sha256": digest(OPS_KEY), "scopes": ["*"]}]
OPS = {"Authorization": f"Bearer {OPS_KEY}"}
TEAMS = {"north": "Север", "south": "Юг"}
# person → (team, role).
PEOPLE = {
    "m-anna": ("north", "manager"),
    "m-boris": ("north", "manager"),
    "l-north": ("north", "team_lead"),
    "m-vera": ("south", "manager"),
    "h-irina": ("north", "head_of_sales"),
}
CLIENT = {
    "legal_form": "ПАО",
    "name": "ПАО Сбербанк",
    "requisites": {"inn": "7707083893", "kpp": "773601001", "ogrn": "1027700132195"},
    "time_zone": "Europe/Moscow",
}
PRICE = {"amount": "100000.00", "currency": "RUB"}
LINES = {
    "items": [
        {
            "product": "Насос Н-50",
            "quantity": "1",
            "unit_price": PRICE,
            "requested_discount_percent": "12",
        }
    ]
}


@pytest.fixture
def issuer() -> Iterator[LocalIssuer]:
    with local_issuer() as running:
        yield running


@pytest.fixture
def fleet_extra_env(issuer: LocalIssuer) -> dict[str, str]:
    return {
        "OIDC_ISSUER": issuer.url,
        "OIDC_AUDIENCE": AUDIENCE,
        "API_KEYS": json.dumps(KEYS),
        "LEADS_DEFAULT_TEAM": "north",
    }


async def eventually(check: Any, timeout: float = 60) -> None:
    await wait_until(check, timeout=timeout, interval=0.3)


def signed_in(issuer: LocalIssuer, person: str) -> dict[str, str]:
    role = PEOPLE[person][1] if person in PEOPLE else "admin"
    return {"Authorization": f"Bearer {issuer.token(person, roles=[role], lifetime=600)}"}


async def put_ok(http: httpx.AsyncClient, url: str, body: Any, headers: dict[str, str]) -> None:
    response = await http.put(url, json=body, headers=headers)
    assert response.status_code == 200, f"PUT {url}: {response.status_code} {response.text}"


async def test_each_person_sees_their_scope_the_head_approves_and_the_audit_names_them(
    fleet: Fleet, issuer: LocalIssuer
) -> None:
    leads, deals, reporting = fleet.url("leads"), fleet.url("deals"), fleet.url("reporting")
    who = {person: signed_in(issuer, person) for person in [*PEOPLE, "root"]}
    anna, boris, lead, vera, head = (who[p] for p in PEOPLE)
    async with httpx.AsyncClient(timeout=10) as http:
        # The roster, by the ops key: it is the directory every service learns people from.
        for team, name in TEAMS.items():
            await put_ok(http, f"{leads}/v1/teams/{team}", {"name": name}, OPS)
        for person, (team, role) in PEOPLE.items():
            # The north's managers take the web leads: the team lead and Vera take none.
            capacity = 30 if team == "north" and role == "manager" else 0
            body = {"name": person, "team": team, "role": role, "capacity": capacity}
            await put_ok(http, f"{leads}/v1/managers/{person}", body, OPS)

        async def reporting_knows_anna() -> bool:
            funnel = await http.get(f"{reporting}/v1/reports/funnel", headers=anna)
            return funnel.status_code == 200  # 404 while she is a stranger to reporting

        await eventually(reporting_knows_anna)

        # Four web leads.
        for n in range(4):
            lead_body = {
                "source": "website",
                "external_id": f"form-{n}",
                "channel": "web_form",
                "contact": {"name": f"Клиент {n}", "phone": f"+7 912 555 01 1{n}"},
            }
            assert (await http.post(f"{leads}/v1/leads", json=lead_body, headers=OPS)).is_success

        async def all_assigned() -> bool:
            page = await get_json_as(http, f"{leads}/v1/leads", head)
            return page["total"] == 4 and all(i["manager_id"] for i in page["items"])

        await eventually(all_assigned)
        every_lead = (await get_json_as(http, f"{leads}/v1/leads", head))["items"]
        owner_of = {item["id"]: item["manager_id"] for item in every_lead}
        assert set(owner_of.values()) <= {"m-anna", "m-boris"}
        for person, sees in (
            (anna, {i for i, m in owner_of.items() if m == "m-anna"}),
            (boris, {i for i, m in owner_of.items() if m == "m-boris"}),
            (lead, set(owner_of)),
            (vera, set()),
        ):
            listed = await get_json_as(http, f"{leads}/v1/leads", person)
            assert {item["id"] for item in listed["items"]} == sees
            for lead_id in owner_of:
                one = await http.get(f"{leads}/v1/leads/{lead_id}", headers=person)
                assert one.status_code == (200 if lead_id in sees else 404)

        # Deals: each manager opens their own; ops opens Vera's.
        client_id = (await http.post(f"{deals}/v1/clients", json=CLIENT, headers=OPS)).json()["id"]
        deal_of: dict[str, str] = {}

        async def anna_opens_hers() -> bool:
            body = {"title": "Насосы", "manager_id": "m-anna", "client_id": client_id}
            opened = await http.post(f"{deals}/v1/deals", json=body, headers=anna)
            if opened.status_code == 201:
                deal_of["m-anna"] = opened.json()["id"]
            return opened.status_code == 201  # 403 while deals does not know her yet

        await eventually(anna_opens_hers)
        for person, headers in (("m-boris", boris), ("m-vera", OPS)):
            body = {"title": "Насосы", "manager_id": person, "client_id": client_id}
            opened = await http.post(f"{deals}/v1/deals", json=body, headers=headers)
            assert opened.status_code == 201, opened.text
            deal_of[person] = opened.json()["id"]
        mine = deal_of["m-anna"]
        assert (
            await http.put(f"{deals}/v1/deals/{mine}/line-items", json=LINES, headers=anna)
        ).status_code == 200
        invoice = {"total": PRICE, "installments": [{"due_on": "2027-12-01"}]}
        issued = await http.post(f"{deals}/v1/deals/{mine}/invoices", json=invoice, headers=anna)
        assert issued.status_code == 201, issued.text
        invoice_url = f"{deals}/v1/invoices/{issued.json()['id']}"
        approval = f"{deals}/v1/deals/{mine}/discount-approval"
        refused = await http.post(approval, json={"approved": True}, headers=anna)
        assert refused.status_code == 403
        approved = await http.post(approval, json={"approved": True}, headers=head)
        assert approved.status_code == 200, approved.text
        assert approved.json()["approval"]["decided_by"] == "h-irina"

        for person, sees in (
            (anna, {"m-anna"}),
            (lead, {"m-anna", "m-boris"}),
            (vera, {"m-vera"}),
            (head, {"m-anna", "m-boris", "m-vera"}),
        ):
            listed = await get_json_as(http, f"{deals}/v1/deals", person)
            assert {item["manager_id"] for item in listed["items"]} == sees
            for manager, deal_id in deal_of.items():
                one = await http.get(f"{deals}/v1/deals/{deal_id}", headers=person)
                assert one.status_code == (200 if manager in sees else 404), (manager, sees)

        # Reports: each sees their own figures; department-wide reports are the head's.
        async def reporting_has_the_deals() -> bool:
            rows = await get_json_as(http, f"{reporting}/v1/reports/sales/by-manager", head)
            return {"m-anna", "m-boris", "m-vera"} <= set(rows)

        await eventually(reporting_has_the_deals)
        for person, sees in (
            (anna, {"m-anna"}),
            (lead, {"m-anna", "m-boris"}),
            (head, {"m-anna", "m-boris", "m-vera"}),
        ):
            rows = await get_json_as(http, f"{reporting}/v1/reports/sales/by-manager", person)
            assert set(rows) == sees

        async def received(headers: dict[str, str]) -> int:
            funnel = await get_json_as(http, f"{reporting}/v1/reports/funnel", headers)
            return int(next(s["count"] for s in funnel["steps"] if s["step"] == "received"))

        async def reporting_has_the_leads() -> bool:
            return await received(head) == 4

        await eventually(reporting_has_the_leads)
        counted = {p: await received(h) for p, h in (("m-anna", anna), ("l-north", lead))}
        anna_leads = sum(1 for m in owner_of.values() if m == "m-anna")
        assert counted == {"m-anna": anna_leads, "l-north": 4}
        other = await http.get(f"{reporting}/v1/reports/funnel?manager_id=m-vera", headers=anna)
        assert other.status_code == 404
        segments = await http.get(f"{reporting}/v1/reports/segments", headers=anna)
        assert segments.status_code == 403

        # The audit: every change of Anna's deal, by whom, through which route.
        assert (await http.get(f"{deals}/v1/audit", headers=anna)).status_code == 403
        trail = await get_json_as(http, f"{deals}/v1/audit", who["root"], record_id=mine)
        steps = [(e["actor"], e["action"]) for e in reversed(trail["entries"])]
        assert steps == [
            ("m-anna", "POST /v1/deals"),
            ("m-anna", "PUT /v1/deals/{deal_id}/line-items"),
            ("h-irina", "POST /v1/deals/{deal_id}/discount-approval"),
        ]
        roster = await get_json_as(http, f"{leads}/v1/audit", who["root"], kind="managers")
        assert {(e["actor"], e["record_id"]) for e in roster["entries"]} == {
            ("ops", person) for person in PEOPLE
        }

        # Anna is away for a week: the team lead names Boris her deputy, in one command.
        absence = {"until": "2026-12-14", "deputy_id": "m-boris"}
        outside = {"until": "2026-12-14", "deputy_id": "m-vera"}
        away_url = f"{leads}/v1/managers/m-anna/absence"
        assert (await http.put(away_url, json=absence, headers=anna)).status_code == 403
        assert (await http.put(away_url, json=outside, headers=lead)).status_code == 403
        handed = await http.put(away_url, json=absence, headers=lead)
        assert handed.status_code == 200, handed.text
        assert handed.json()["leads_handed_over"] == anna_leads
        listed = await get_json_as(http, f"{leads}/v1/leads", boris)
        assert {item["id"] for item in listed["items"]} == set(owner_of)

        async def deal_with_boris() -> bool:
            deal = await get_json_as(http, f"{deals}/v1/deals/{mine}", head)
            return bool(deal["manager_id"] == "m-boris")

        await eventually(deal_with_boris)
        assert (await http.get(f"{deals}/v1/deals/{mine}", headers=boris)).status_code == 200
        assert (await http.get(f"{deals}/v1/deals/{mine}", headers=anna)).status_code == 404

        async def invoice_with_boris() -> bool:  # he chases the payment meanwhile
            return (await http.get(invoice_url, headers=boris)).status_code == 200

        await eventually(invoice_with_boris)
        assert (await http.get(invoice_url, headers=anna)).status_code == 404
        moved = await get_json_as(http, f"{leads}/v1/audit", who["root"], actor="l-north")
        actions = {(e["action"], e["kind"]) for e in moved["entries"]}
        assert ("PUT /v1/managers/{manager_id}/absence", "managers") in actions
        assert ("PUT /v1/managers/{manager_id}/absence", "leads") in actions


async def get_json_as(
    http: httpx.AsyncClient, url: str, headers: dict[str, str], **params: Any
) -> Any:
    response = await http.get(url, params=params, headers=headers)
    assert response.status_code == 200, f"GET {url}: {response.status_code} {response.text}"
    return response.json()
