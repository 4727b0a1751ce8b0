"""Invoices and reminders on the real broker and database, with an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from deals_testkit import (
    ServiceFactory,
    create_client,
    events,
    outbox_drained,
    publish,
    timers_idle,
)

from deals.settings import DealsSettings
from shared.contracts.events.invoicing import PaymentReceivedV1
from shared.contracts.events.money import Money
from shared.contracts.topics import Topic
from shared.platform.clock import ManualClock
from shared.testing.kafka import read_topic, wait_until

pytestmark = pytest.mark.integration

RUB = "RUB"


async def invoiced_deal(http: httpx.AsyncClient, installments: list[dict[str, Any]]) -> str:
    client_id = await create_client(http, time_zone="Asia/Yekaterinburg")
    deal = await http.post(
        "/v1/deals",
        json={"title": "Станки", "manager_id": "mgr-a", "client_id": client_id, "currency": RUB},
    )
    deal_id = deal.json()["id"]
    response = await http.post(
        f"/v1/deals/{deal_id}/invoices",
        json={
            "invoice_id": "inv-1",
            "total": {"amount": "300000.00", "currency": RUB},
            "installments": installments,
        },
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_three_installments_emit_exactly_the_planned_reminders_once_across_a_restart(
    deals_service: ServiceFactory, deals_settings: DealsSettings, clock: ManualClock
) -> None:
    plan = [
        {"due_on": "2026-03-16", "amount": {"amount": "100000.00", "currency": RUB}},
        {"due_on": "2026-04-15", "amount": {"amount": "100000.00", "currency": RUB}},
        {"due_on": "2026-05-29", "amount": {"amount": "100000.00", "currency": RUB}},
    ]
    async with deals_service() as (service, http):
        invoice_id = await invoiced_deal(http, plan)
        invoice = (await http.get(f"/v1/invoices/{invoice_id}")).json()
        planned = {
            f"{r['installment_id']}:{r['kind']}": r["fire_at"]
            for r in invoice["reminders"].values()
        }
        # Worked out by hand (client in Yekaterinburg, UTC+5; reminders at 10:00 local = 05:00 UTC):
        # installment 1, due 16 March: on issue, mid-term 9 March, day before 15 March,
        # overdue 17 March.
        assert planned["inv-1/1:day_before"] == "2026-03-15T05:00:00Z"
        assert planned["inv-1/1:mid_term"] == "2026-03-09T05:00:00Z"
        assert planned["inv-1/1:overdue"] == "2026-03-17T05:00:00Z"
        assert planned["inv-1/3:day_before"] == "2026-05-28T05:00:00Z"
        assert len(planned) == 12
        instants = sorted({datetime.fromisoformat(t) for t in planned.values()})
        halfway = len(instants) // 2
        for instant in instants[:halfway]:
            # The timer polls every second of the clock: step at least that far each time.
            clock.set(max(instant, clock.now() + timedelta(seconds=1)))
            await timers_idle(clock)
        await outbox_drained(service)
    async with deals_service() as (after_restart, _):
        await timers_idle(clock)
        for instant in instants[halfway:]:
            clock.set(max(instant, clock.now() + timedelta(seconds=1)))
            await timers_idle(clock)
        clock.advance(timedelta(days=30))
        await timers_idle(clock)
        await outbox_drained(after_restart)
    reminders = await events(deals_settings.kafka, Topic.PAYMENT_DUE, len(planned))
    ids = [r["reminder_id"] for r in reminders]
    assert sorted(ids) == sorted(planned)
    assert len(ids) == len(set(ids))
    first = next(r for r in reminders if r["reminder_id"] == "inv-1/1:day_before")
    assert first["amount"] == {"amount": "100000.00", "currency": RUB}
    assert first["client_time_zone"] == "Asia/Yekaterinburg"
    assert first["due_date"] == "2026-03-16"


async def test_payment_before_the_day_before_reminder_cancels_it(
    deals_service: ServiceFactory, deals_settings: DealsSettings, clock: ManualClock
) -> None:
    async with deals_service() as (service, http):
        invoice_id = await invoiced_deal(http, [{"due_on": "2026-03-16"}])
        clock.advance(timedelta(seconds=1))
        await timers_idle(clock)
        clock.set(datetime(2026, 3, 10, 6, 0, tzinfo=UTC))
        await timers_idle(clock)
        paid = await http.post(
            f"/v1/invoices/{invoice_id}/payments",
            json={"payment_id": "pp-1", "amount": {"amount": "300000.00", "currency": RUB}},
        )
        assert paid.status_code == 201, paid.text
        reminders = paid.json()["reminders"]
        assert reminders["1_day_before"]["status"] == "cancelled"
        assert reminders["1_overdue"]["status"] == "cancelled"
        clock.advance(timedelta(days=10))
        await timers_idle(clock)
        await outbox_drained(service)
        sent = await events(deals_settings.kafka, Topic.PAYMENT_DUE, 2)
        assert [r["kind"] for r in sent] == ["on_issue", "mid_term"]
        received = await events(deals_settings.kafka, Topic.PAYMENT_RECEIVED, 1)
        assert len(received) == 1 and received[0]["payment_id"] == "pp-1"


async def test_overpayment_and_wrong_currency_are_refused_and_partial_payments_add_up(
    deals_service: ServiceFactory,
) -> None:
    async with deals_service() as (_, http):
        invoice_id = await invoiced_deal(http, [{"due_on": "2026-03-16"}, {"due_on": "2026-04-16"}])
        url = f"/v1/invoices/{invoice_id}/payments"
        dollars = await http.post(url, json={"amount": {"amount": "10.00", "currency": "USD"}})
        assert dollars.status_code == 409
        assert dollars.json()["problems"] == ["amount.currency"]
        partial = await http.post(
            url, json={"payment_id": "p1", "amount": {"amount": "200000.00", "currency": RUB}}
        )
        installments = partial.json()["installments"]
        assert [i["paid"]["amount"] for i in installments] == ["150000.00", "50000.00"]
        again = await http.post(
            url, json={"payment_id": "p1", "amount": {"amount": "200000.00", "currency": RUB}}
        )
        assert again.status_code == 200
        too_much = await http.post(url, json={"amount": {"amount": "100000.01", "currency": RUB}})
        assert too_much.status_code == 409
        assert "more than is still due" in too_much.json()["problems"][0]
        floats = await http.post(url, json={"amount": {"amount": 1.5, "currency": RUB}})
        assert floats.status_code == 422


async def test_payment_from_accounting_settles_and_a_bad_or_forged_one_is_dead_lettered(
    deals_service: ServiceFactory, deals_settings: DealsSettings
) -> None:
    async with deals_service(payment_sources=["urn:acme:accounting"]) as (service, http):
        invoice_id = await invoiced_deal(http, [{"due_on": "2026-03-16"}])
        good = PaymentReceivedV1(
            payment_id="acc-1",
            invoice_id=invoice_id,
            amount=Money(amount=Decimal("300000.00"), currency=RUB),
            paid_at=datetime(2026, 3, 3, 7, 0, tzinfo=UTC),
        )
        unknown = good.model_copy(update={"payment_id": "acc-2", "invoice_id": "inv-nope"})
        forged = good.model_copy(update={"payment_id": "acc-3"})
        sent = (
            (forged, "e-3", "urn:someone:else"),
            (unknown, "e-2", "urn:acme:accounting"),
            (good, "e-1", "urn:acme:accounting"),
        )
        for event, event_id, source in sent:
            await publish(
                deals_settings.kafka,
                Topic.PAYMENT_RECEIVED,
                event,
                key=event.invoice_id,
                source=source,
                event_id=event_id,
            )

        async def settled() -> bool:
            doc = await service.store.invoices.find_one({"_id": invoice_id})
            return doc is not None and doc["status"] == "paid"

        await wait_until(settled, timeout=30)
        dead = await read_topic(
            deals_settings.kafka.bootstrap_servers,
            deals_settings.kafka.topic_prefix + Topic.PAYMENT_RECEIVED + ".dlq",
            count=2,
            timeout=30,
        )
        assert sorted(dict(d.headers)["ce_id"] for d in dead) == [b"e-2", b"e-3"]
        doc = await service.store.invoices.find_one({"_id": invoice_id})
        assert doc is not None and doc["payment_ids"] == ["acc-1"]


async def test_client_requisites_are_checked_and_inn_is_unique(
    deals_service: ServiceFactory,
) -> None:
    async with deals_service() as (_, http):
        first = await create_client(http)
        again = await http.post(
            "/v1/clients",
            json={
                "legal_form": "ПАО",
                "name": "Другое имя",
                "requisites": {"inn": "7707083893", "kpp": "773601001", "ogrn": "1027700132195"},
            },
        )
        assert again.status_code == 409 and first in again.json()["detail"]
        broken = await http.post(
            "/v1/clients",
            json={
                "legal_form": "ООО",
                "name": "Рога и копыта",
                "requisites": {"inn": "7707083894", "kpp": "773601001", "ogrn": "1027700132196"},
            },
        )
        assert broken.status_code == 422
        locs = [tuple(d["loc"]) for d in broken.json()["detail"]]
        assert ("body", "requisites", "inn") in locs and ("body", "requisites", "ogrn") in locs
        assert "7707083894" not in broken.text


async def test_discount_above_the_manager_limit_waits_for_the_head_of_sales(
    deals_service: ServiceFactory,
) -> None:
    async with deals_service() as (_, http):
        client_id = await create_client(http)
        deal_id = (
            await http.post(
                "/v1/deals", json={"title": "X", "manager_id": "mgr-a", "client_id": client_id}
            )
        ).json()["id"]
        await http.put(
            "/v1/discount-rules",
            json=[{"id": "vol-10", "kind": "volume", "percent": "3", "min_quantity": "10"}],
        )
        price = {"amount": "1000.00", "currency": RUB}
        lines = {
            "items": [
                {"product": "Болт", "quantity": "10", "unit_price": price},
                {
                    "product": "Гайка",
                    "quantity": "1",
                    "unit_price": price,
                    "requested_discount_percent": "12",
                },
            ]
        }
        priced = (await http.put(f"/v1/deals/{deal_id}/line-items", json=lines)).json()
        # 10 × 1000 − 3 % = 9700.00; 1000 − 12 % = 880.00; total 10580.00.
        assert [line["net"]["amount"] for line in priced["line_items"]] == ["9700.00", "880.00"]
        assert priced["line_items"][0]["discount"]["rule_id"] == "vol-10"
        assert priced["amount"] == {"amount": "10580.00", "currency": RUB}
        assert priced["approval"]["status"] == "pending"
        blocked = await http.post(
            f"/v1/deals/{deal_id}/stage", json={"to_stage": "qualification", "by": "mgr-a"}
        )
        assert blocked.status_code == 409 and blocked.json()["problems"] == ["approval: pending"]
        approved = await http.post(
            f"/v1/deals/{deal_id}/discount-approval", json={"approved": True, "by": "head"}
        )
        assert approved.json()["approval"]["status"] == "approved"
        moved = await http.post(
            f"/v1/deals/{deal_id}/stage", json={"to_stage": "qualification", "by": "mgr-a"}
        )
        assert moved.status_code == 200


async def test_an_unreadable_invoice_is_set_aside_and_the_others_still_remind(
    deals_service: ServiceFactory, deals_settings: DealsSettings, clock: ManualClock
) -> None:
    async with deals_service() as (service, http):
        # Stored by an older release, say: due before every other, and no mapper can read it.
        broken_due = clock.now() - timedelta(days=1)
        await service.store.invoices.insert_one(
            {"_id": "inv-broken", "next_reminder_at": broken_due, "rev": 0}
        )
        await invoiced_deal(http, [{"due_on": "2026-03-16"}])
        clock.advance(timedelta(seconds=1))
        await timers_idle(clock)
        await outbox_drained(service)
        reminded = await events(deals_settings.kafka, Topic.PAYMENT_DUE, 1)
        assert [r["reminder_id"] for r in reminded] == ["inv-1/1:on_issue"]
        broken = await service.store.invoices.find_one({"_id": "inv-broken"})
        assert broken is not None and broken["next_reminder_at"] > clock.now()
