"""The HTTP API: templates validated on save, recipients, webhooks and the delivery log."""

from __future__ import annotations

import pytest
from notifications_testkit import (
    CLIENT,
    CLIENT_EMAIL,
    Publisher,
    ServiceFactory,
    delivery_id,
    payment_due,
    put_people,
    wait_for_status,
)

from notifications.domain.model import Channel
from shared.testing.servers import Mailbox

pytestmark = pytest.mark.integration

REMINDER_EMAIL = "/v1/templates/payment.due:on_issue/email/ru"


async def test_template_with_a_syntax_error_is_refused_by_the_api(
    notifications_service: ServiceFactory,
) -> None:
    async with notifications_service() as (_, http):
        broken = await http.put(
            REMINDER_EMAIL,
            json={"subject": "Счёт {{ invoice_number }}", "body": "<p>{{ amount | money(</p>"},
        )
        assert broken.status_code == 422
        problems = broken.json()["problems"]
        assert len(problems) == 1 and problems[0].startswith("body: line 1: syntax error")

        undefined = await http.put(
            REMINDER_EMAIL, json={"subject": "Счёт", "body": "<p>{{ client_phone }}</p>"}
        )
        assert undefined.status_code == 422
        assert undefined.json()["problems"] == ["body: undefined variable 'client_phone'"]

        sandboxed = await http.put(
            "/v1/templates/payment.due:on_issue/sms/ru",
            json={"body": "{{ ''.__class__.__mro__ }}"},
        )
        assert sandboxed.status_code == 422

        listed = await http.get("/v1/templates")
        reminder = [
            t
            for t in listed.json()
            if (t["event_kind"], t["channel"], t["locale"])
            == ("payment.due:on_issue", "email", "ru")
        ]
        assert [t["origin"] for t in reminder] == ["builtin"]


async def test_template_override_is_used_for_sending_and_delete_restores_the_builtin(
    notifications_service: ServiceFactory, publisher: Publisher, mailbox: Mailbox
) -> None:
    async with notifications_service() as (service, http):
        await put_people(http)
        saved = await http.put(
            REMINDER_EMAIL,
            json={
                "subject": "Напоминание: счёт {{ invoice_number }}",
                "body": "<p>{{ recipient_name }}, к оплате {{ amount | money(currency, 'ru') }}"
                " до {{ due_date | date('ru') }}.</p>",
            },
        )
        assert saved.status_code == 200, saved.text
        assert saved.json()["origin"] == "custom"
        reminder = payment_due()
        await publisher.publish(reminder, key=reminder.invoice_id)
        await wait_for_status(
            service, delivery_id(reminder.reminder_id, CLIENT, Channel.EMAIL), "sent"
        )
        message = mailbox.to(CLIENT_EMAIL)[0]
        assert message["Subject"] == "Напоминание: счёт inv-1"
        html = message.get_body(("html",))
        assert html is not None
        assert "ООО «Ромашка», к оплате 250\u00a0000,00\u00a0₽ до 16 марта 2026." in (
            html.get_content()
        )

        assert (await http.delete(REMINDER_EMAIL)).status_code == 204
        assert (await http.delete(REMINDER_EMAIL)).status_code == 404
        listed = (await http.get("/v1/templates")).json()
        origins = {
            t["origin"]
            for t in listed
            if (t["event_kind"], t["channel"], t["locale"])
            == ("payment.due:on_issue", "email", "ru")
        }
        assert origins == {"builtin"}
        assert (
            await http.put("/v1/templates/no.such:kind/email/ru", json={"body": "x"})
        ).status_code == 422


async def test_recipients_are_validated_without_echo_and_unknown_ids_are_404(
    notifications_service: ServiceFactory,
) -> None:
    async with notifications_service() as (_, http):
        bad = await http.put(
            "/v1/recipients/client-9",
            json={
                "kind": "client",
                "email": "not-an-address",
                "phone": "8 912 345 67 89",
                "time_zone": "Mars/Olympus",
            },
        )
        assert bad.status_code == 422
        assert "not-an-address" not in bad.text and "912" not in bad.text
        paths = {tuple(e["loc"]) for e in bad.json()["detail"]}
        assert paths == {("body", "email"), ("body", "phone"), ("body", "time_zone")}

        good = await http.put(
            "/v1/recipients/client-9",
            json={
                "kind": "client",
                "email": "a@b.example",
                "opted_out": ["sms", "sms"],
                "preferred_channels": ["messenger", "email"],
            },
        )
        assert good.status_code == 200
        fetched = (await http.get("/v1/recipients/client-9")).json()
        assert fetched["opted_out"] == ["sms"]
        assert fetched["preferred_channels"] == ["messenger", "email"]
        assert (await http.get("/v1/recipients/client-0")).status_code == 404
        assert (await http.delete("/v1/recipients/client-9")).status_code == 204
        assert (await http.get("/v1/recipients/client-9")).status_code == 404


async def test_webhook_subscriptions_never_return_their_secret(
    notifications_service: ServiceFactory,
) -> None:
    async with notifications_service() as (_, http):
        body = {
            "url": "https://crm.example/hooks/voronka",
            "secret": "whsec-0123456789abcdef",
            "event_types": ["payment.due", "deal.stage_changed"],
        }
        assert (await http.put("/v1/webhooks/crm", json=body)).status_code == 200
        fetched = await http.get("/v1/webhooks/crm")
        assert fetched.status_code == 200
        assert "whsec" not in fetched.text
        assert fetched.json()["event_types"] == ["payment.due", "deal.stage_changed"]
        assert [w["id"] for w in (await http.get("/v1/webhooks")).json()] == ["crm"]

        wrong = await http.put(
            "/v1/webhooks/crm2",
            json={**body, "url": "ftp://crm.example", "event_types": ["lead.received"]},
        )
        assert wrong.status_code == 422
        assert {tuple(e["loc"][:2]) for e in wrong.json()["detail"]} == {
            ("body", "url"),
            ("body", "event_types"),
        }
        assert (await http.delete("/v1/webhooks/crm")).status_code == 204
        assert (await http.get("/v1/webhooks/crm")).status_code == 404


async def test_webhooks_to_internal_addresses_are_refused_unless_allowed(
    notifications_service: ServiceFactory,
) -> None:
    body = {"secret": "whsec-0123456789abcdef", "event_types": ["payment.due"]}
    async with notifications_service(webhook_private_targets=False) as (_, http):
        for url in (
            "http://169.254.169.254/latest/meta-data/",
            "http://127.0.0.1:27017/",
            "http://10.0.0.7/hook",
            "http://localhost:8002/v1/deals",
            "http://[::1]/hook",
        ):
            refused = await http.put("/v1/webhooks/probe", json={**body, "url": url})
            assert refused.status_code == 422, url
            assert [e["loc"] for e in refused.json()["detail"]] == [["body", "url"]]
            assert "169.254" not in refused.text and "localhost" not in refused.text
        public = {**body, "url": "https://93.184.216.34/hooks/voronka"}
        assert (await http.put("/v1/webhooks/crm", json=public)).status_code == 200
        assert [w["id"] for w in (await http.get("/v1/webhooks")).json()] == ["crm"]


async def test_delivery_log_filters_by_recipient_status_and_event_and_paginates(
    notifications_service: ServiceFactory, publisher: Publisher
) -> None:
    reminders = [payment_due(number) for number in (1, 2, 3)]
    async with notifications_service() as (service, http):
        await put_people(http)
        for reminder in reminders:
            await publisher.publish(reminder, key=reminder.invoice_id)
        for reminder in reminders:
            await wait_for_status(
                service, delivery_id(reminder.reminder_id, CLIENT, Channel.EMAIL), "sent"
            )

        first = (
            await http.get("/v1/deliveries", params={"recipient_id": CLIENT, "limit": 2})
        ).json()
        assert first["total"] == 3 and len(first["items"]) == 2 and first["next_offset"] == 2
        rest = (
            await http.get("/v1/deliveries", params={"recipient_id": CLIENT, "offset": 2})
        ).json()
        assert len(rest["items"]) == 1 and rest["next_offset"] is None
        ids = {d["id"] for d in first["items"] + rest["items"]}
        assert ids == {delivery_id(r.reminder_id, CLIENT, Channel.EMAIL) for r in reminders}

        by_event = (
            await http.get("/v1/deliveries", params={"source_event_id": reminders[0].reminder_id})
        ).json()
        assert {d["recipient_id"] for d in by_event["items"]} == {CLIENT, "mgr-1"}
        assert (await http.get("/v1/deliveries", params={"status": "failed"})).json()["total"] == 0
        assert (await http.get("/v1/deliveries", params={"status": "lost"})).status_code == 422

        one_id = first["items"][0]["id"]
        one = await http.get(f"/v1/deliveries/{one_id}")
        assert one.status_code == 200
        detail = one.json()
        assert detail["status"] == "sent" and detail["attempts"] == 1
        assert "source" not in detail and "_outbox" not in detail
        assert [h["event"] for h in detail["history"]] == ["queued", "attempt", "sent"]
        assert (await http.get("/v1/deliveries/nope")).status_code == 404
        docs = await http.get("/openapi.json")
        assert "/v1/deliveries" in docs.json()["paths"]
