"""Whose deals and invoices each person sees: a manager their own, a team lead their team's."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from deals_testkit import ServiceFactory, create_client, publish
from pydantic import SecretStr
from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts.events.person import PersonChangedV1
from shared.platform.auth import digest
from shared.platform.identity import OidcSettings
from shared.platform.people import PeopleDirectory
from shared.platform.settings import ApiSettings, KafkaSettings
from shared.testing.kafka import wait_until
from shared.testing.oidc import AUDIENCE, LocalIssuer, local_issuer

pytestmark = pytest.mark.integration

OPS_KEY = "o-" + "x" * 40
KEYS = [{"id": "ops", "sha256": digest(OPS_KEY), "scopes": ["*"]}]
CHANGED = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
# (person, team, role): Anna and Boris sell in the north, Vera in the south.
PEOPLE = [
    ("m-anna", "north", "manager"),
    ("m-boris", "north", "manager"),
    ("m-vera", "south", "manager"),
    ("l-north", "north", "team_lead"),
    ("h-irina", None, "head_of_sales"),
]
PRICE = {"amount": "1000.00", "currency": "RUB"}
# A client company of each manager: (INN, KPP, OGRN), valid by checksum.
REQUISITES = {
    "m-anna": ("7736207543", "770401001", "1027700229193"),
    "m-boris": ("7736050003", "997250001", "1027700070518"),
    "m-vera": ("7728168971", "770801001", "1027700067328"),
}


def person(person_id: str, team: str | None, role: str) -> PersonChangedV1:
    return PersonChangedV1(
        person_id=person_id,
        name=person_id,
        team=team,
        role=role,
        time_zone="Europe/Moscow",
        capacity=30,
        active=True,
        present=True,
        changed_at=CHANGED,
    )


def bearer(issuer: LocalIssuer, who: str, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issuer.token(who, roles=[role])}"}


async def open_deals(http: httpx.AsyncClient) -> dict[str, tuple[str, str]]:
    """A deal and its invoice for each of Anna, Boris and Vera, opened by the ops key."""
    client_id = await create_client(http)
    made: dict[str, tuple[str, str]] = {}
    for manager in ("m-anna", "m-boris", "m-vera"):
        deal = {"title": manager, "manager_id": manager, "client_id": client_id}
        deal_id = (await http.post("/v1/deals", json=deal)).json()["id"]
        invoice = {"total": PRICE, "installments": [{"due_on": "2026-04-01"}]}
        issued = await http.post(f"/v1/deals/{deal_id}/invoices", json=invoice)
        assert issued.status_code == 201, issued.text
        made[manager] = (deal_id, issued.json()["id"])
    return made


# caller → the managers whose deal and invoice they see (the others answer 404).
SEES = {
    ("m-anna", "manager"): {"m-anna"},
    ("l-north", "team_lead"): {"m-anna", "m-boris"},
    ("h-irina", "head_of_sales"): {"m-anna", "m-boris", "m-vera"},
    ("m-ghost", "manager"): set(),  # signed in, but not in the directory
}


@pytest.mark.parametrize(("who", "role"), list(SEES), ids=[who for who, _ in SEES])
async def test_each_person_sees_and_changes_exactly_their_scope(
    deals_service: ServiceFactory, mongo_db: AsyncDatabase[Any], who: str, role: str
) -> None:
    directory = PeopleDirectory(mongo_db)
    for entry in PEOPLE:
        await directory.apply(person(*entry))
    with local_issuer() as issuer:
        settings = {
            "api": ApiSettings(keys=SecretStr(json.dumps(KEYS))),
            "oidc": OidcSettings(issuer=issuer.url, audience=AUDIENCE),
        }
        async with deals_service(**settings) as (_, http):
            http.headers["Authorization"] = f"Bearer {OPS_KEY}"
            made = await open_deals(http)
            caller = bearer(issuer, who, role)
            seen = SEES[(who, role)]

            for manager, (deal_id, invoice_id) in made.items():
                expected = 200 if manager in seen else 404
                deal = await http.get(f"/v1/deals/{deal_id}", headers=caller)
                edit = await http.patch(
                    f"/v1/deals/{deal_id}", json={"title": "renamed"}, headers=caller
                )
                invoice = await http.get(f"/v1/invoices/{invoice_id}", headers=caller)
                assert (deal.status_code, edit.status_code, invoice.status_code) == (
                    expected,
                    expected,
                    expected,
                ), manager

            deals = (await http.get("/v1/deals", headers=caller)).json()
            assert {d["manager_id"] for d in deals["items"]} == seen
            assert deals["total"] == len(seen)
            invoices = (await http.get("/v1/invoices", headers=caller)).json()
            assert {i["manager_id"] for i in invoices["items"]} == seen
            vera = (await http.get("/v1/deals?manager_id=m-vera", headers=caller)).json()
            assert len(vera["items"]) == (1 if "m-vera" in seen else 0)

            # Clients by their account manager: each of the three has one.
            clients = {}
            for manager, (inn, kpp, ogrn) in REQUISITES.items():
                requisites = {"inn": inn, "kpp": kpp, "ogrn": ogrn}
                body = {
                    "legal_form": "ПАО",
                    "name": f"ПАО «{manager}»",
                    "requisites": requisites,
                    "manager_id": manager,
                }
                added = await http.post("/v1/clients", json=body)
                assert added.status_code == 201, added.text
                clients[manager] = added.json()["id"]
            for manager, client_id in clients.items():
                one = await http.get(f"/v1/clients/{client_id}", headers=caller)
                assert one.status_code == (200 if manager in seen else 404), manager
            listed = (await http.get("/v1/clients", headers=caller)).json()
            unowned = {None} if role == "head_of_sales" else set()  # the deals' client has none
            assert {c.get("manager_id") for c in listed["items"]} == seen | unowned


async def test_a_manager_opens_deals_only_for_people_in_their_scope(
    deals_service: ServiceFactory, mongo_db: AsyncDatabase[Any]
) -> None:
    directory = PeopleDirectory(mongo_db)
    for entry in PEOPLE:
        await directory.apply(person(*entry))
    with local_issuer() as issuer:
        settings = {"oidc": OidcSettings(issuer=issuer.url, audience=AUDIENCE)}
        async with deals_service(**settings) as (_, http):
            http.headers.update(bearer(issuer, "h-irina", "head_of_sales"))
            client_id = await create_client(http)
            anna = bearer(issuer, "m-anna", "manager")
            for manager, status in (("m-anna", 201), ("m-vera", 403)):
                deal = {"title": "X", "manager_id": manager, "client_id": client_id}
                opened = await http.post("/v1/deals", json=deal, headers=anna)
                assert opened.status_code == status, opened.text


async def test_the_directory_follows_person_changed_and_keeps_the_newest(
    deals_service: ServiceFactory, mongo_db: AsyncDatabase[Any], kafka_settings: KafkaSettings
) -> None:
    directory = PeopleDirectory(mongo_db)
    newer = person("m-anna", "south", "manager").model_copy(
        update={
            "changed_at": CHANGED.replace(hour=10),
            "present": False,
            "absent_until": date(2026, 3, 14),
            "deputy_id": "m-boris",
        }
    )
    async with deals_service():
        for n, event in enumerate((newer, person("m-anna", "north", "manager"))):
            await publish(
                kafka_settings,
                "person.changed",
                event,
                key="m-anna",
                source="urn:voronka:leads",
                event_id=f"p-{n}",
            )

        async def arrived() -> bool:
            found = await directory.person("m-anna")
            return found is not None and found.team == "south"

        await wait_until(arrived, timeout=20)
        await directory.apply(person("m-anna", "north", "manager"))  # the older one, again
        found = await directory.person("m-anna")
        assert found is not None
        assert (found.team, found.present, found.deputy_id) == ("south", False, "m-boris")


async def test_a_managers_discount_limit_is_the_one_in_the_directory(
    deals_service: ServiceFactory, mongo_db: AsyncDatabase[Any]
) -> None:
    directory = PeopleDirectory(mongo_db)
    await directory.apply(
        person("m-anna", "north", "manager").model_copy(
            update={"max_discount_percent": Decimal("15")}
        )
    )
    await directory.apply(person("m-boris", "north", "manager"))  # no limit: the default, 5 %
    line = {"product": "Гайка", "quantity": "1", "unit_price": PRICE}
    asked = {"items": [{**line, "requested_discount_percent": "12"}]}
    async with deals_service() as (_, http):
        client_id = await create_client(http)
        for manager, approval in (("m-anna", "not_needed"), ("m-boris", "pending")):
            deal = {"title": "X", "manager_id": manager, "client_id": client_id}
            deal_id = (await http.post("/v1/deals", json=deal)).json()["id"]
            priced = (await http.put(f"/v1/deals/{deal_id}/line-items", json=asked)).json()
            assert priced["approval"]["status"] == approval, manager
