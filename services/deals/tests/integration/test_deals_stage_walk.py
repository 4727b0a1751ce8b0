"""Deals on the real broker and database: conversion once, gates, every move published."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from deals_testkit import ServiceFactory, create_client, events, outbox_drained, publish

from deals.service_layer.deals import deal_id_for_lead
from deals.settings import DealsSettings
from shared.contracts.events.lead_lifecycle import (
    ConvertedContact,
    LeadConvertedV1,
    ProductInterest,
)
from shared.contracts.events.lead_received import LeadChannel
from shared.contracts.events.money import Money
from shared.contracts.topics import Topic
from shared.testing.kafka import wait_until

pytestmark = pytest.mark.integration

CONVERTED = LeadConvertedV1(
    lead_id="lead-42",
    manager_id="mgr-a",
    team="sales",
    channel=LeadChannel.PHONE,
    source="telephony",
    received_at=datetime(2026, 3, 1, 8, 0, tzinfo=UTC),
    converted_at=datetime(2026, 3, 2, 8, 0, tzinfo=UTC),
    contact=ConvertedContact(name="Иван Петров", phone="+79123456789", company="ООО «Вектор»"),
    products=(
        ProductInterest(
            product="Насос Н-50",
            quantity=Decimal(3),
            unit_price=Money(amount=Decimal("150000.00"), currency="RUB"),
        ),
    ),
)


async def test_lead_converted_delivered_twice_makes_one_deal(
    deals_service: ServiceFactory, deals_settings: DealsSettings
) -> None:
    async with deals_service() as (service, http):
        for _ in range(2):
            await publish(
                deals_settings.kafka,
                Topic.LEAD_CONVERTED,
                CONVERTED,
                key="lead-42",
                source="urn:voronka:leads",
                event_id="evt-conv-42",
            )
        deal_id = deal_id_for_lead("lead-42")

        async def opened() -> bool:
            return await service.store.deals.find_one({"_id": deal_id}) is not None

        await wait_until(opened, timeout=30)
        await outbox_drained(service)
        created = await events(deals_settings.kafka, Topic.DEAL_STAGE_CHANGED, 1)
        assert len(created) == 1
        assert created[0]["from_stage"] is None and created[0]["to_stage"] == "new"
        assert created[0]["lead_id"] == "lead-42" and created[0]["channel"] == "phone"
        deal = (await http.get(f"/v1/deals/{deal_id}")).json()
        assert deal["amount"] == {"amount": "450000.00", "currency": "RUB"}
        assert deal["manager_id"] == "mgr-a"
        assert await service.store.deals.count_documents({}) == 1


async def test_walk_through_every_stage_publishes_one_event_per_move(
    deals_service: ServiceFactory, deals_settings: DealsSettings
) -> None:
    async with deals_service() as (service, http):
        opened = await http.post("/v1/deals", json={"title": "Насосы", "manager_id": "mgr-a"})
        assert opened.status_code == 201, opened.text
        deal_id = opened.json()["id"]

        async def move(stage: str) -> dict[str, object]:
            response = await http.post(
                f"/v1/deals/{deal_id}/stage", json={"to_stage": stage, "by": "mgr-a"}
            )
            return {"status": response.status_code, **response.json()}

        refused = await move("qualification")
        assert refused["status"] == 409 and refused["missing"] == ["client_id"]
        skipping = await move("contract")
        assert skipping["status"] == 409
        assert "skips stages" in str(skipping["problems"])
        client_id = await create_client(http)
        await http.patch(f"/v1/deals/{deal_id}", json={"client_id": client_id})
        assert (await move("qualification"))["status"] == 200
        lines = {
            "items": [
                {
                    "product": "Насос",
                    "quantity": "2",
                    "unit_price": {"amount": "100000.00", "currency": "RUB"},
                }
            ]
        }
        assert (await http.put(f"/v1/deals/{deal_id}/line-items", json=lines)).status_code == 200
        assert (await move("proposal"))["status"] == 200
        await http.patch(f"/v1/deals/{deal_id}", json={"proposal_sent_on": "2026-03-02"})
        assert (await move("negotiation"))["status"] == 200
        contract = {"number": "Д-1", "type": "supply", "payment_form": "bank_transfer"}
        assert (await http.put(f"/v1/deals/{deal_id}/contract", json=contract)).status_code == 200
        assert (await move("contract"))["status"] == 200
        unsigned = await move("invoice")
        assert unsigned["missing"] == ["contract.signed_on"]
        contract["signed_on"] = "2026-03-02"
        await http.put(f"/v1/deals/{deal_id}/contract", json=contract)
        assert (await move("invoice"))["status"] == 200
        invoice = await http.post(
            f"/v1/deals/{deal_id}/invoices", json={"installments": [{"due_on": "2026-03-05"}]}
        )
        assert invoice.status_code == 201, invoice.text
        assert (await move("payment"))["status"] == 200
        paid = await http.post(
            f"/v1/invoices/{invoice.json()['id']}/payments",
            json={"amount": {"amount": "200000.00", "currency": "RUB"}},
        )
        assert paid.status_code == 201, paid.text
        assert (await move("shipment"))["status"] == 200
        shipment = await http.post(
            f"/v1/deals/{deal_id}/shipments", json={"shipment_id": "s1", "planned_on": "2026-03-03"}
        )
        assert shipment.status_code == 201
        for status in ("shipped", "delivered"):
            step = await http.post(
                f"/v1/deals/{deal_id}/shipments/s1/status",
                json={"status": status, "on": "2026-03-03"},
            )
            assert step.status_code == 200, step.text
        won = await move("won")
        assert won["status"] == 200 and won["stage_kind"] == "won"
        closed = await move("lost")
        assert closed["status"] == 409
        await outbox_drained(service)
        changes = await events(deals_settings.kafka, Topic.DEAL_STAGE_CHANGED, 9)
        # Refused moves publish nothing: one event for the creation, one per accepted move.
        assert [c["to_stage"] for c in changes] == [
            "new",
            "qualification",
            "proposal",
            "negotiation",
            "contract",
            "invoice",
            "payment",
            "shipment",
            "won",
        ]
        assert changes[-1]["to_stage_kind"] == "won"
        assert changes[-1]["amount"] == {"amount": "200000.00", "currency": "RUB"}
        shipped = await events(deals_settings.kafka, Topic.SHIPMENT_STATUS_CHANGED, 3)
        assert [s["status"] for s in shipped] == ["planned", "shipped", "delivered"]
