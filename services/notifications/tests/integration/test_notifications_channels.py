"""Channels against real local providers: SMS retries, failure, signed webhooks, the bot API."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
from notifications_testkit import (
    BOT_TOKEN,
    CLIENT,
    MANAGER,
    Providers,
    ProviderServer,
    Publisher,
    ServiceFactory,
    delivery,
    delivery_id,
    dispatcher_idle,
    outbox_drained,
    payment_due,
    put_recipient,
    wait_for_status,
)

from notifications.domain.model import Channel
from notifications.settings import NotificationsSettings
from shared.contracts.events.deal_stage_changed import DealStageChangedV1, StageKind
from shared.contracts.events.lead_lifecycle import LeadAssignedV1
from shared.contracts.events.lead_received import LeadChannel
from shared.contracts.events.money import Money
from shared.contracts.topics import Topic
from shared.platform.clock import ManualClock
from shared.testing.kafka import read_topic, wait_until

pytestmark = pytest.mark.integration

PHONE = "+79123456789"
SECRET = "whsec-0123456789abcdef"


async def put_sms_client(http: httpx.AsyncClient) -> None:
    await put_recipient(
        http,
        CLIENT,
        kind="client",
        name="ООО «Ромашка»",
        phone=PHONE,
        preferred_channels=["sms"],
    )


async def test_sms_gateway_failing_twice_then_succeeding_gives_exactly_one_delivery(
    notifications_service: ServiceFactory,
    notifications_settings: NotificationsSettings,
    publisher: Publisher,
    providers: tuple[Providers, ProviderServer],
    clock: ManualClock,
) -> None:
    gateway, _ = providers
    gateway.plans["sms"] = [503, 503]
    reminder = payment_due()
    key = delivery_id(reminder.reminder_id, CLIENT, Channel.SMS)
    async with notifications_service() as (service, http):
        await put_sms_client(http)
        await publisher.publish(reminder, key=reminder.invoice_id)

        first = await wait_for_status(service, key, "queued", attempts=1)
        assert first["last_error"] == "sms gateway answered 503"
        assert first["next_attempt_at"] == clock.now() + timedelta(seconds=5)
        await dispatcher_idle(clock)
        clock.advance(timedelta(seconds=5))
        second = await wait_for_status(service, key, "queued", attempts=2)
        assert second["next_attempt_at"] == clock.now() + timedelta(seconds=10)
        await dispatcher_idle(clock)
        clock.advance(timedelta(seconds=10))
        sent = await wait_for_status(service, key, "sent", attempts=3)
        await outbox_drained(service)

        calls = gateway.on("sms")
        assert [call.status for call in calls] == [503, 503, 200]
        assert all(call.json() == calls[0].json() for call in calls)
        assert calls[0].json()["to"] == PHONE
        assert calls[0].headers["authorization"] == "Bearer sms-secret-token"
        assert {call.headers["idempotency-key"] for call in calls} == {key}
        assert sent["provider"] == {"status": "200", "id": "gw-3"}
        records = await read_topic(
            notifications_settings.kafka.bootstrap_servers,
            notifications_settings.kafka.topic_prefix + Topic.NOTIFICATION_SENT,
            count=1,
            timeout=20,
        )
        assert [json.loads(r.value)["delivery_id"] for r in records] == [key]
        assert json.loads(records[0].value)["attempts"] == 3
        # Nothing more goes out later: the delivery is done.
        await dispatcher_idle(clock)
        clock.advance(timedelta(hours=1))
        await dispatcher_idle(clock)
        assert len(gateway.on("sms")) == 3


async def test_last_failed_attempt_publishes_notification_failed_and_a_dead_letter(
    notifications_service: ServiceFactory,
    notifications_settings: NotificationsSettings,
    publisher: Publisher,
    providers: tuple[Providers, ProviderServer],
    clock: ManualClock,
) -> None:
    gateway, _ = providers
    gateway.plans["sms"] = [500, 500, 500]
    reminder = payment_due()
    key = delivery_id(reminder.reminder_id, CLIENT, Channel.SMS)
    kafka = notifications_settings.kafka
    async with notifications_service(retry_max_attempts=2) as (service, http):
        await put_sms_client(http)
        await publisher.publish(reminder, key=reminder.invoice_id)
        await wait_for_status(service, key, "queued", attempts=1)
        await dispatcher_idle(clock)
        clock.advance(timedelta(minutes=1))
        failed = await wait_for_status(service, key, "failed", attempts=2)
        assert failed["reason"] == "provider_failed"
        assert failed["last_error"] == "sms gateway answered 500"
        await outbox_drained(service)

        failures = await read_topic(
            kafka.bootstrap_servers,
            kafka.topic_prefix + Topic.NOTIFICATION_FAILED,
            count=1,
            timeout=20,
        )
        assert len(failures) == 1
        event = json.loads(failures[0].value)
        assert (event["delivery_id"], event["attempts"], event["channel"]) == (key, 2, "sms")
        dead = await read_topic(
            kafka.bootstrap_servers,
            kafka.topic_prefix + Topic.PAYMENT_DUE + ".dlq",
            count=1,
            timeout=20,
        )
        assert len(dead) == 1
        headers = {name: value.decode() for name, value in dead[0].headers}
        assert headers["dlq_delivery_id"] == key
        assert headers["dlq_error"] == "DeliveryFailed: sms gateway answered 500"
        assert headers["dlq_origin_topic"] == kafka.topic_prefix + Topic.PAYMENT_DUE
        assert headers["ce_type"] == "payment.due"
        assert json.loads(dead[0].value)["reminder_id"] == reminder.reminder_id
        assert all(PHONE not in value for value in headers.values())
        assert len(gateway.on("sms")) == 2


async def test_webhook_subscription_receives_a_correctly_signed_post(
    notifications_service: ServiceFactory,
    publisher: Publisher,
    providers: tuple[Providers, ProviderServer],
    clock: ManualClock,
) -> None:
    receiver, server = providers
    receiver.webhook_secrets["crm"] = SECRET
    reminder = payment_due()
    deal = DealStageChangedV1(
        deal_id="deal-1",
        pipeline_id="wholesale",
        from_stage="proposal",
        to_stage="negotiation",
        changed_at=clock.now(),
        changed_by="user-42",
        amount=Money(amount=Decimal("1250000.00"), currency="RUB"),
        manager_id=MANAGER,
        to_stage_kind=StageKind.OPEN,
    )
    async with notifications_service() as (service, http):
        put = await http.put(
            "/v1/webhooks/crm",
            json={
                "url": f"{server.base_url}/hooks/crm",
                "secret": SECRET,
                "event_types": ["payment.due"],
            },
        )
        assert put.status_code == 200, put.text
        assert "secret" not in put.json()
        await publisher.publish(deal, key=deal.deal_id)
        event_id = await publisher.publish(reminder, key=reminder.invoice_id)

        key = delivery_id(reminder.reminder_id, "crm", Channel.WEBHOOK)
        await wait_for_status(service, key, "sent", attempts=1)
        calls = receiver.on("webhook")
        assert len(calls) == 1
        call = calls[0]
        assert call.signature_valid is True
        assert call.headers["voronka-timestamp"] == str(int(clock.now().timestamp()))
        assert call.headers["voronka-delivery"] == key
        assert call.headers["voronka-event-type"] == "payment.due"
        assert call.headers["content-type"] == "application/json"
        body = call.json()
        assert (body["id"], body["type"], body["subject"]) == (event_id, "payment.due", "inv-1")
        assert body["data"]["reminder_id"] == reminder.reminder_id
        assert body["data"]["amount"] == {"amount": "250000.00", "currency": "RUB"}
        # The deal event is not in the filter: the log holds no webhook delivery for it.
        deliveries = await http.get("/v1/deliveries", params={"recipient_id": "crm"})
        assert [d["source_type"] for d in deliveries.json()["items"]] == ["payment.due"]


async def test_manager_is_told_of_a_new_lead_through_the_bot_api_even_at_night(
    notifications_service: ServiceFactory,
    publisher: Publisher,
    providers: tuple[Providers, ProviderServer],
    clock: ManualClock,
) -> None:
    bot, _ = providers
    clock.advance(timedelta(hours=12))  # 00:00 in Moscow: leads are urgent
    lead = LeadAssignedV1(
        lead_id="lead-3f9c2a",
        manager_id=MANAGER,
        reason="round_robin",
        channel=LeadChannel.WEB_FORM,
        source="website",
        received_at=clock.now(),
        assigned_at=clock.now(),
        sla_deadline=clock.now() + timedelta(hours=1),
        priority=45,
    )
    async with notifications_service() as (service, http):
        await put_recipient(
            http, MANAGER, kind="manager", name="Анна", locale="en", messenger_chat_id="4242"
        )
        event_id = await publisher.publish(lead, key=lead.lead_id)
        key = delivery_id(event_id, MANAGER, Channel.MESSENGER)
        sent = await wait_for_status(service, key, "sent", attempts=1)
        calls = bot.on("messenger")
        assert [call.path for call in calls] == [f"/bot{BOT_TOKEN}/sendMessage"]
        message = calls[0].json()
        assert message["chat_id"] == "4242"
        assert message["text"].startswith("Hello Анна,")
        assert "lead-3f9c2a" in message["text"] and "3 March 2026, 01:00" in message["text"]
        assert sent["provider"] == {"status": "200", "id": "1"}
        assert sent["urgent"] is True


async def test_unknown_recipient_is_suppressed_and_never_dead_lettered(
    notifications_service: ServiceFactory,
    notifications_settings: NotificationsSettings,
    publisher: Publisher,
    providers: tuple[Providers, ProviderServer],
) -> None:
    gateway, _ = providers
    reminder = payment_due(client="client-nobody-knows")
    kafka = notifications_settings.kafka
    async with notifications_service() as (service, http):
        await put_recipient(http, MANAGER, kind="manager", messenger_chat_id="4242")
        await publisher.publish(reminder, key=reminder.invoice_id)
        key = delivery_id(reminder.reminder_id, "client-nobody-knows", Channel.EMAIL)

        async def exists() -> bool:
            return await service.deliveries.collection.find_one({"_id": key}) is not None

        await wait_until(exists, timeout=30)
        suppressed = await delivery(service, key)
        assert (suppressed["status"], suppressed["reason"]) == ("suppressed", "unknown_recipient")
        await wait_for_status(
            service, delivery_id(reminder.reminder_id, MANAGER, Channel.MESSENGER), "sent"
        )
        assert len(gateway.on("messenger")) == 1
        dead = await read_topic(
            kafka.bootstrap_servers, kafka.topic_prefix + "payment.due.dlq", count=0, timeout=2
        )
        assert dead == []
