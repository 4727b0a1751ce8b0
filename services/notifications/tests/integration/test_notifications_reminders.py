"""Payment reminders end to end: exactly once, quiet hours, caps and cancellation by payment."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from notifications_testkit import (
    CLIENT,
    CLIENT_EMAIL,
    MANAGER,
    MANAGER_EMAIL,
    Publisher,
    ServiceFactory,
    delivery,
    delivery_id,
    dispatcher_idle,
    outbox_drained,
    payment_due,
    put_people,
    wait_for_status,
)

from notifications.domain.model import Channel
from notifications.settings import NotificationsSettings
from shared.contracts.events.invoicing import PaymentReceivedV1
from shared.contracts.events.money import Money
from shared.contracts.events.payment_due import ReminderKind
from shared.contracts.topics import Topic
from shared.platform.clock import ManualClock
from shared.testing.kafka import committed, read_topic, wait_until
from shared.testing.servers import Mailbox

pytestmark = pytest.mark.integration

NIGHT_IN_MOSCOW = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)  # 23:00 MSK
MORNING_IN_MOSCOW = datetime(2026, 3, 3, 6, 0, tzinfo=UTC)  # 09:00 MSK, end of quiet hours


async def test_same_payment_due_delivered_twice_sends_one_email_and_publishes_sent(
    notifications_service: ServiceFactory,
    notifications_settings: NotificationsSettings,
    publisher: Publisher,
    mailbox: Mailbox,
) -> None:
    reminder = payment_due()
    async with notifications_service() as (service, http):
        await put_people(http)
        payload, headers = publisher.encode(reminder, key=reminder.invoice_id)
        await publisher.send_raw(Topic.PAYMENT_DUE, reminder.invoice_id, payload, headers)
        await publisher.send_raw(Topic.PAYMENT_DUE, reminder.invoice_id, payload, headers)
        # The producer recomputed its schedule and republished under a new event id.
        await publisher.publish(reminder, key=reminder.invoice_id)

        to_client = delivery_id(reminder.reminder_id, CLIENT, Channel.EMAIL)
        sent = await wait_for_status(service, to_client, "sent", attempts=1)

        async def all_three_consumed() -> bool:
            group = notifications_settings.consumer_group
            return await committed(notifications_settings.kafka, group, Topic.PAYMENT_DUE) == 3

        await wait_until(all_three_consumed, timeout=30)
        await wait_for_status(
            service, delivery_id(reminder.reminder_id, MANAGER, Channel.EMAIL), "sent"
        )
        await outbox_drained(service)

        assert len(mailbox.to(CLIENT_EMAIL)) == 1
        assert len(mailbox.to(MANAGER_EMAIL)) == 1
        message = mailbox.to(CLIENT_EMAIL)[0]
        assert message["Message-ID"] == f"<{to_client}@voronka.local>"
        assert reminder.invoice_id in message["Subject"]
        assert await service.deliveries.collection.count_documents({}) == 2
        assert sent["provider"]["status"] == "250"

        records = await read_topic(
            notifications_settings.kafka.bootstrap_servers,
            notifications_settings.kafka.topic_prefix + Topic.NOTIFICATION_SENT,
            count=2,
            timeout=20,
        )
        events = [json.loads(r.value) for r in records]
        assert len(events) == 2
        to_the_client = [e for e in events if e["recipient_id"] == CLIENT]
        assert len(to_the_client) == 1
        assert to_the_client[0]["delivery_id"] == to_client
        assert to_the_client[0]["event_kind"] == "payment.due:on_issue"
        assert to_the_client[0]["channel"] == "email"
        assert {r.key.decode() for r in records} == {e["delivery_id"] for e in events}


async def test_reminder_inside_quiet_hours_is_sent_when_they_end(
    notifications_service: ServiceFactory,
    publisher: Publisher,
    mailbox: Mailbox,
    clock: ManualClock,
) -> None:
    clock.set(NIGHT_IN_MOSCOW)
    reminder = payment_due()
    to_client = delivery_id(reminder.reminder_id, CLIENT, Channel.EMAIL)
    async with notifications_service() as (service, http):
        await put_people(http)
        await publisher.publish(reminder, key=reminder.invoice_id)

        deferred = await wait_for_status(service, to_client, "deferred")
        assert deferred["reason"] == "quiet_hours"
        assert deferred["next_attempt_at"] == MORNING_IN_MOSCOW
        assert deferred["attempts"] == 0

        await dispatcher_idle(clock)
        clock.set(MORNING_IN_MOSCOW - timedelta(minutes=1))
        await dispatcher_idle(clock)
        assert (await delivery(service, to_client))["status"] == "deferred"
        assert mailbox.to(CLIENT_EMAIL) == []

        await dispatcher_idle(clock)
        clock.set(MORNING_IN_MOSCOW)
        sent = await wait_for_status(service, to_client, "sent", attempts=1)
        assert sent["sent_at"] == MORNING_IN_MOSCOW
        assert [entry["event"] for entry in sent["history"]] == [
            "queued",
            "deferred",
            "attempt",
            "sent",
        ]
        assert len(mailbox.to(CLIENT_EMAIL)) == 1


async def test_cap_suppresses_the_fourth_reminder_of_a_day_and_the_log_says_why(
    notifications_service: ServiceFactory,
    publisher: Publisher,
    mailbox: Mailbox,
) -> None:
    reminders = [payment_due(number) for number in (1, 2, 3, 4)]
    keys = [delivery_id(r.reminder_id, CLIENT, Channel.EMAIL) for r in reminders]
    async with notifications_service() as (service, http):
        await put_people(http)
        for reminder in reminders:
            await publisher.publish(reminder, key=reminder.invoice_id)

        async def all_decided() -> bool:
            docs = service.deliveries.collection.find({"_id": {"$in": keys}})
            statuses = [doc["status"] async for doc in docs]
            return len(statuses) == 4 and all(s in ("sent", "suppressed") for s in statuses)

        await wait_until(all_decided, timeout=30)
        docs = [await delivery(service, key) for key in keys]
        assert [doc["status"] for doc in docs] == ["sent", "sent", "sent", "suppressed"]
        assert docs[3]["reason"] == "daily_cap"
        assert docs[3]["history"][-1]["event"] == "suppressed"
        assert docs[3]["history"][-1]["reason"] == "daily_cap"
        assert docs[3]["attempts"] == 0
        assert len(mailbox.to(CLIENT_EMAIL)) == 3

        page = await http.get(
            "/v1/deliveries", params={"recipient_id": CLIENT, "status": "suppressed"}
        )
        assert page.status_code == 200
        assert [(d["id"], d["reason"]) for d in page.json()["items"]] == [(keys[3], "daily_cap")]
        # Staff copies are work notifications, not rationed: the manager got all four.
        await wait_until(lambda: _count(mailbox, MANAGER_EMAIL, 4), timeout=30)


async def _count(mailbox: Mailbox, address: str, expected: int) -> bool:
    return len(mailbox.to(address)) == expected


async def test_payment_received_cancels_a_deferred_reminder(
    notifications_service: ServiceFactory,
    publisher: Publisher,
    mailbox: Mailbox,
    clock: ManualClock,
) -> None:
    clock.set(NIGHT_IN_MOSCOW)
    reminder = payment_due()
    to_client = delivery_id(reminder.reminder_id, CLIENT, Channel.EMAIL)
    to_manager = delivery_id(reminder.reminder_id, MANAGER, Channel.EMAIL)
    async with notifications_service() as (service, http):
        await put_people(http)
        await publisher.publish(reminder, key=reminder.invoice_id)
        await wait_for_status(service, to_client, "deferred")
        await wait_for_status(service, to_manager, "deferred")

        paid = PaymentReceivedV1(
            payment_id="pp-981",
            invoice_id=reminder.invoice_id,
            installment_id=reminder.installment_id,
            amount=Money(amount=Decimal("250000.00"), currency="RUB"),
            paid_at=clock.now(),
            client_id=CLIENT,
        )
        await publisher.publish(paid, key=paid.invoice_id)
        cancelled = await wait_for_status(service, to_client, "cancelled")
        assert cancelled["reason"] == "paid"
        assert (await delivery(service, to_manager))["status"] == "cancelled"

        await dispatcher_idle(clock)
        clock.set(MORNING_IN_MOSCOW + timedelta(hours=1))
        await dispatcher_idle(clock)
        assert (await delivery(service, to_client))["status"] == "cancelled"
        assert mailbox.to(CLIENT_EMAIL) == []
        assert mailbox.to(MANAGER_EMAIL) == []

        # A reminder of the paid installment that arrives after the payment stops on arrival.
        later = payment_due(kind=ReminderKind.MID_TERM)
        await publisher.publish(later, key=later.invoice_id)
        late = await wait_for_status(
            service, delivery_id(later.reminder_id, CLIENT, Channel.EMAIL), "cancelled"
        )
        assert late["attempts"] == 0
        await dispatcher_idle(clock)
        assert mailbox.to(CLIENT_EMAIL) == []
