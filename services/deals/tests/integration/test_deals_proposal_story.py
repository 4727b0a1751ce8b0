"""A proposal on the real broker and database: drafted, refused until the requisites are
complete, sent with its PDF, answered by the client's signed link."""

from __future__ import annotations

import base64
import subprocess
from urllib.parse import urlsplit

import pytest
from deals_testkit import ServiceFactory, create_client, events, outbox_drained
from pydantic import SecretStr

from deals.settings import DealsSettings
from shared.contracts.topics import Topic

pytestmark = pytest.mark.integration

SELLER = {
    "name": "Воронка",
    "legal_form": "ООО",
    "requisites": {"inn": "7707083893", "kpp": "773601001"},
    "addresses": {"legal": "Москва, ул. Вавилова, 19"},
}
BANK = {
    "bank_name": "ПАО Сбербанк",
    "bank_account": "40702810938000000001",
    "bik": "044525225",
    "correspondent_account": "30101810400000000225",
}


async def test_a_proposal_goes_out_as_a_pdf_and_the_clients_link_moves_the_deal(
    deals_service: ServiceFactory, deals_settings: DealsSettings
) -> None:
    kafka = deals_settings.kafka
    overrides = {
        "company": SELLER,
        "link_secret": SecretStr("s" * 32),
        "public_url": "https://crm.example",
    }
    async with deals_service(**overrides) as (service, http):
        product = {"name": "Насос Н-50", "unit": "шт", "vat_rate": "20"}
        await http.put("/v1/products/PUMP-50", json=product)
        price = {"price": {"amount": "150000.00", "currency": "RUB"}, "valid_from": "2026-01-01"}
        await http.post("/v1/products/PUMP-50/prices", json=price)
        client_id = await create_client(http, manager_id="m-anna")  # no legal address yet
        opened = await http.post(
            "/v1/deals",
            json={"title": "Насосы", "manager_id": "m-anna", "client_id": client_id},
        )
        deal_id = opened.json()["id"]
        items = {"items": [{"sku": "PUMP-50", "quantity": "2"}]}
        assert (await http.put(f"/v1/deals/{deal_id}/line-items", json=items)).status_code == 200
        for stage in ("qualification", "proposal"):
            moved = await http.post(
                f"/v1/deals/{deal_id}/stage", json={"to_stage": stage, "by": "m-anna"}
            )
            assert moved.status_code == 200, moved.text

        body = {"valid_until": "2026-03-16", "terms": "Поставка 10 дней"}
        drafted = await http.post(f"/v1/deals/{deal_id}/proposal/versions", json=body)
        assert drafted.status_code == 201, drafted.text
        assert drafted.json()["versions"][0]["total"] == {"amount": "300000.00", "currency": "RUB"}

        refused = await http.post(f"/v1/deals/{deal_id}/proposal/send", json={})
        assert refused.status_code == 409
        assert refused.json()["missing"] == ["buyer.legal_address"]
        client = (await http.get(f"/v1/clients/{client_id}")).json()
        fixed = {
            k: client[k] for k in ("legal_form", "name", "type", "requisites", "time_zone")
        } | {"addresses": {"legal": "Москва, ул. Вавилова, 19"}}
        assert (await http.put(f"/v1/clients/{client_id}", json=fixed)).status_code == 200

        sent = await http.post(f"/v1/deals/{deal_id}/proposal/send", json={})
        assert sent.status_code == 200, sent.text
        await outbox_drained(service)
        [event] = await events(kafka, Topic.PROPOSAL_SENT, 1)
        pdf = base64.b64decode(event["document"]["content_base64"])
        assert pdf.startswith(b"%PDF")
        assert (event["version"], event["total"]) == (1, {"amount": "300000.00", "currency": "RUB"})
        deal = (await http.get(f"/v1/deals/{deal_id}")).json()
        assert deal["proposal"]["sent_on"] == "2026-03-02"

        accept = urlsplit(event["accept_url"])
        assert accept.netloc == "crm.example"
        link = f"{accept.path}?{accept.query}"
        assert (await http.get(link)).status_code == 200  # a page that asks to confirm
        forged = link[:-4] + "0000"
        assert (await http.post(forged)).status_code == 404
        assert (await http.post(link)).status_code == 200
        assert (await http.post(link)).status_code == 200  # a second click changes nothing

        await outbox_drained(service)
        [accepted] = await events(kafka, Topic.PROPOSAL_ACCEPTED, 1)
        assert (accepted["version"], accepted["via"]) == (1, "link")
        deal = (await http.get(f"/v1/deals/{deal_id}")).json()
        assert deal["stage"] == "negotiation"
        tasks = (await http.get("/v1/tasks", params={"assignee_id": "m-anna"})).json()["items"]
        assert sorted(t["origin"] for t in tasks) == [
            "rule:proposal_accepted",
            "rule:proposal_follow_up",
        ]


def pdf_text(pdf: bytes) -> str:
    """The PDF's text by pdftotext (poppler-utils)."""
    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    )
    return done.stdout.decode()


async def test_an_invoice_prints_as_a_pdf_with_the_sellers_bank_details(
    deals_service: ServiceFactory,
) -> None:
    unbanked = {"company": SELLER}
    banked = {"company": {**SELLER, "requisites": {**SELLER["requisites"], **BANK}}}
    async with deals_service(**unbanked) as (_service, http):
        client_id = await create_client(
            http, manager_id="m-anna", addresses={"legal": "Москва, ул. Вавилова, 19"}
        )
        opened = await http.post(
            "/v1/deals",
            json={"title": "Насосы", "manager_id": "m-anna", "client_id": client_id},
        )
        deal_id = opened.json()["id"]
        line = {
            "product": "Насос",
            "quantity": "2",
            "unit_price": {"amount": "61728.39", "currency": "RUB"},
        }
        await http.put(f"/v1/deals/{deal_id}/line-items", json={"items": [line]})
        issued = await http.post(
            f"/v1/deals/{deal_id}/invoices", json={"installments": [{"due_on": "2026-03-20"}]}
        )
        assert issued.status_code == 201, issued.text
        invoice_id = issued.json()["id"]
        refused = await http.get(f"/v1/invoices/{invoice_id}/document")
        assert refused.status_code == 409
        assert refused.json()["missing"] == [
            "seller.bank_name",
            "seller.bank_account",
            "seller.bik",
            "seller.correspondent_account",
        ]
    async with deals_service(**banked) as (_service, http):
        printed = await http.get(f"/v1/invoices/{invoice_id}/document")
        assert printed.status_code == 200, printed.text
        assert printed.headers["content-type"] == "application/pdf"
        text = pdf_text(printed.content)
        # 2 × 61 728,39 = 123 456,78, VAT 20 % inside: 20 576,13.
        assert "123 456,78" in " ".join(text.split()).replace("\u00a0", " ")
        assert "Сто двадцать три тысячи четыреста пятьдесят шесть рублей 78 копеек" in " ".join(
            text.split()
        )
        assert "044525225" in text
