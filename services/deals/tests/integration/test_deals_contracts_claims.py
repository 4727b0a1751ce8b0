"""Contract renewals come due like payments; claims are recorded, closed and published."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from deals_testkit import ServiceFactory, create_client, events, outbox_drained, timers_idle

from deals.settings import DealsSettings
from shared.contracts.topics import Topic
from shared.platform.clock import ManualClock

pytestmark = pytest.mark.integration


async def test_contract_renewal_reminders_fire_once_each_in_the_client_zone(
    deals_service: ServiceFactory, deals_settings: DealsSettings, clock: ManualClock
) -> None:
    async with deals_service() as (service, http):
        client_id = await create_client(http, time_zone="Asia/Yekaterinburg")
        deal = await http.post(
            "/v1/deals", json={"title": "Поставка", "manager_id": "mgr-a", "client_id": client_id}
        )
        deal_id = deal.json()["id"]
        contract = {
            "number": "Д-2026/7",
            "type": "supply",
            "payment_form": "bank_transfer",
            "signed_on": "2026-03-02",
            "renewal_on": "2026-05-31",
        }
        attached = await http.put(f"/v1/deals/{deal_id}/contract", json=contract)
        assert attached.status_code == 200, attached.text
        fire_at = {r["days_before"]: r["fire_at"] for r in attached.json()["reminders"].values()}
        # 30 and 7 days before 31 May, at 10:00 in Yekaterinburg (UTC+5).
        assert fire_at == {30: "2026-05-01T05:00:00Z", 7: "2026-05-24T05:00:00Z"}
        again = await http.put(f"/v1/deals/{deal_id}/contract", json=contract)
        assert again.json()["reminders"] == attached.json()["reminders"]
        for instant in (datetime(2026, 5, 1, 5, tzinfo=UTC), datetime(2026, 5, 24, 5, tzinfo=UTC)):
            clock.set(instant)
            await timers_idle(clock)
        clock.advance(timedelta(days=10))
        await timers_idle(clock)
        await outbox_drained(service)
        due = await events(deals_settings.kafka, Topic.CONTRACT_RENEWAL_DUE, 2)
        assert [(d["days_before"], d["renewal_date"]) for d in due] == [
            (30, "2026-05-31"),
            (7, "2026-05-31"),
        ]
        shown = (await http.get(f"/v1/deals/{deal_id}")).json()
        assert shown["contract"]["number"] == "Д-2026/7"
        assert shown["payment_form"] == "bank_transfer"


async def test_claim_is_investigated_and_resolved_with_a_resolution(
    deals_service: ServiceFactory, deals_settings: DealsSettings
) -> None:
    async with deals_service() as (service, http):
        deal = await http.post("/v1/deals", json={"title": "Поставка", "manager_id": "mgr-a"})
        deal_id = deal.json()["id"]
        opened = await http.post(
            f"/v1/deals/{deal_id}/claims",
            json={"category": "quality", "description": "Трещина в корпусе насоса"},
        )
        assert opened.status_code == 201, opened.text
        claim_id = next(iter(opened.json()["claims"]))
        url = f"/v1/deals/{deal_id}/claims/{claim_id}/status"
        skipped = await http.post(url, json={"status": "resolved", "resolution": "Замена"})
        assert skipped.status_code == 409
        assert (await http.post(url, json={"status": "investigating"})).status_code == 200
        no_text = await http.post(url, json={"status": "resolved"})
        assert no_text.status_code == 409 and no_text.json()["problems"] == ["resolution"]
        done = await http.post(url, json={"status": "resolved", "resolution": "Замена корпуса"})
        assert done.json()["claims"][claim_id]["status"] == "resolved"
        await outbox_drained(service)
        changes = await events(deals_settings.kafka, Topic.CLAIM_STATUS_CHANGED, 3)
        assert [c["status"] for c in changes] == ["open", "investigating", "resolved"]
        assert all(c["category"] == "quality" for c in changes)
