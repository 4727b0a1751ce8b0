"""Use cases of the notifications service on in-memory ports: plan, dispatch, retry, cancel."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from notifications_fakes import (
    BUSY_DELAY,
    CONSUMER_GROUP,
    LEASE,
    Notifications,
    another_replica,
    decoded,
    notifications,
)

from notifications.domain.delivery import DeliveryQuery
from notifications.domain.messages import DeliveryError, ProviderReceipt
from notifications.domain.model import (
    PERSON,
    Channel,
    DeliveryStatus,
    RecipientKind,
    idempotency_key,
)
from notifications.domain.pressure import PressurePolicy
from notifications.domain.retry import RetryPolicy
from notifications.domain.rules import RuleConfig
from notifications.domain.webhooks import WebhookSubscription
from notifications.service_layer.delivery_log import DeliveryLog
from notifications.service_layer.sources import source_of
from shared.contracts.events.invoicing import PaymentReceivedV1
from shared.contracts.events.money import Money
from shared.contracts.events.payment_due import PaymentDueV1, ReminderKind, payment_reminder_id
from shared.platform.clock import ManualClock
from shared.platform.lease_time import ClockLeaseTime
from shared.platform.outbox import OutboxMessage

pytestmark = pytest.mark.unit

START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # a Monday, 10:00 in Moscow
CLIENT, MANAGER = "client-1", "mgr-1"
CLIENT_EMAIL, MANAGER_EMAIL = "buyer@romashka.example", "anna@voronka.example"
INSTALLMENT = "inv-1/1"
ON_ISSUE_ID = payment_reminder_id(INSTALLMENT, ReminderKind.ON_ISSUE)
CLIENT_ONLY = RuleConfig(copy_manager_on_reminders=False)


def reminder(kind: ReminderKind = ReminderKind.ON_ISSUE) -> PaymentDueV1:
    return PaymentDueV1(
        reminder_id=payment_reminder_id(INSTALLMENT, kind),
        invoice_id="inv-1",
        installment_id=INSTALLMENT,
        kind=kind,
        due_date=date(2026, 3, 16),
        amount=Money(amount=Decimal("250000.00"), currency="RUB"),
        client_id=CLIENT,
        deal_id="deal-1",
        manager_id=MANAGER,
    )


def payment() -> PaymentReceivedV1:
    return PaymentReceivedV1(
        payment_id="pay-1",
        invoice_id="inv-1",
        installment_id=INSTALLMENT,
        amount=Money(amount=Decimal("250000.00"), currency="RUB"),
        paid_at=START,
    )


def with_people(start: datetime = START, **options: Any) -> Notifications:
    service = notifications(start, **options)
    service.directory.add(CLIENT, RecipientKind.CLIENT, name="ООО «Ромашка»", email=CLIENT_EMAIL)
    service.directory.add(MANAGER, RecipientKind.MANAGER, name="Анна Иванова", email=MANAGER_EMAIL)
    return service


def key_of(recipient_id: str, channel: Channel = Channel.EMAIL) -> str:
    return idempotency_key(
        ON_ISSUE_ID, recipient_id, channel if channel is Channel.WEBHOOK else PERSON
    )


def payload(message: OutboxMessage) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(message.value)
    return value


# --- planning ------------------------------------------------------------------------------


async def test_a_reminder_plans_one_queued_delivery_per_person_due_at_once() -> None:
    service = with_people()

    await service.triggers(decoded(reminder(), key="inv-1", event_id="evt-1"))

    planned = sorted(
        (d.recipient_id, d.event_kind, d.channel, d.status, d.next_attempt_at)
        for d in service.deliveries.all()
    )
    assert planned == [
        (CLIENT, "payment.due:on_issue", Channel.EMAIL, DeliveryStatus.QUEUED, START),
        (MANAGER, "payment.due:on_issue:manager", Channel.EMAIL, DeliveryStatus.QUEUED, START),
    ]
    client = service.deliveries.one(key_of(CLIENT))
    assert client.cancel_keys == ("invoice:inv-1", f"installment:{INSTALLMENT}")
    assert (client.source.event_id, client.source.dedupe_id) == ("evt-1", ON_ISSUE_ID)
    assert service.deliveries.published == []


async def test_a_redelivered_or_republished_reminder_adds_no_delivery() -> None:
    service = with_people()
    first = decoded(reminder(), key="inv-1", event_id="evt-1")

    assert await service.triggers.plan(source_of(first)) == 2
    assert await service.triggers.plan(source_of(first)) == 0
    # The producer republished the same reminder under a new event id after a restart.
    again = decoded(reminder(), key="inv-1", event_id="evt-2")
    assert await service.triggers.plan(source_of(again)) == 0
    assert len(service.deliveries.all()) == 2


async def test_a_redelivered_event_after_a_channel_change_reaches_the_person_once() -> None:
    service = with_people(rules=CLIENT_ONLY)
    event = decoded(reminder(), key="inv-1", event_id="evt-1")
    assert await service.triggers.plan(source_of(event)) == 1
    # The client now takes no e-mail but SMS; the same event comes again (a rebalance, say).
    service.directory.add(
        CLIENT, RecipientKind.CLIENT, email=CLIENT_EMAIL, phone="+79123456789", opted_out={"email"}
    )
    assert await service.triggers.plan(source_of(event)) == 0
    assert [d.channel for d in service.deliveries.all()] == [Channel.EMAIL]


async def test_an_unknown_recipient_is_suppressed_when_planned() -> None:
    service = notifications(START, rules=CLIENT_ONLY)

    await service.triggers(decoded(reminder(), key="inv-1", event_id="evt-1"))

    client = service.deliveries.one(key_of(CLIENT))
    assert (client.status, client.reason, client.next_attempt_at) == (
        DeliveryStatus.SUPPRESSED,
        "unknown_recipient",
        None,
    )
    assert await service.dispatcher.dispatch_due() == 0


# --- dispatching ---------------------------------------------------------------------------


async def test_dispatch_sends_what_is_due_and_publishes_notification_sent() -> None:
    service = with_people()
    await service.triggers(decoded(reminder(), key="inv-1", event_id="evt-1"))

    assert await service.dispatcher.dispatch_due() == 2

    email = service.channels[Channel.EMAIL].sent
    assert sorted(m.address for m in email) == [MANAGER_EMAIL, CLIENT_EMAIL]
    client = service.deliveries.one(key_of(CLIENT))
    assert (client.status, client.attempts, client.sent_at, client.in_flight) == (
        DeliveryStatus.SENT,
        1,
        START,
        False,
    )
    assert client.provider is not None and client.provider.status == "accepted"
    assert (client.lease_owner, client.next_attempt_at) == (None, None)
    assert [line.event for line in client.history] == ["queued", "attempt", "sent"]
    sent = {m.key: m for m in service.deliveries.published_on("notification.sent")}
    assert set(sent) == {key_of(CLIENT), key_of(MANAGER)}
    event = payload(sent[key_of(CLIENT)])
    assert event["delivery_id"] == key_of(CLIENT)
    assert (event["recipient_id"], event["recipient_kind"], event["channel"]) == (
        CLIENT,
        "client",
        "email",
    )
    assert (event["source_event_id"], event["source_event_type"]) == ("evt-1", "payment.due")
    assert (event["event_kind"], event["attempts"]) == ("payment.due:on_issue", 1)
    assert sent[key_of(CLIENT)].headers["ce_causationid"] == "evt-1"
    assert await service.dispatcher.dispatch_due() == 0


async def test_a_provider_failure_is_retried_after_the_backoff_then_given_up() -> None:
    retry = RetryPolicy(max_attempts=2, base=timedelta(seconds=5))
    service = with_people(rules=CLIENT_ONLY, retry=retry)
    email = service.channels[Channel.EMAIL]
    email.failures = [DeliveryError("smtp answered 451", retryable=True)] * 2
    await service.triggers(decoded(reminder(), key="inv-1", event_id="evt-1"))

    assert await service.dispatcher.dispatch_due() == 1

    client = service.deliveries.one(key_of(CLIENT))
    assert (client.status, client.attempts, client.last_error) == (
        DeliveryStatus.QUEUED,
        1,
        "smtp answered 451",
    )
    # First retry after base · factor^0 = 5 s.
    assert client.next_attempt_at == START + timedelta(seconds=5)
    assert (client.in_flight, client.lease_owner) == (False, None)
    assert service.deliveries.published == []
    assert await service.dispatcher.dispatch_due() == 0  # not due before the backoff

    service.clock.advance(5)
    assert await service.dispatcher.dispatch_due() == 1

    client = service.deliveries.one(key_of(CLIENT))
    assert (client.status, client.reason, client.attempts, client.next_attempt_at) == (
        DeliveryStatus.FAILED,
        "provider_failed",
        2,
        None,
    )
    [failed] = service.deliveries.published_on("notification.failed")
    assert failed.key == key_of(CLIENT)
    assert (payload(failed)["attempts"], payload(failed)["error"]) == (2, "smtp answered 451")
    [dead] = service.deliveries.published_on("payment.due.dlq")
    assert dead.value == client.source.payload
    assert dead.headers["dlq_attempts"] == "2"
    assert dead.headers["dlq_consumer_group"] == CONSUMER_GROUP
    assert dead.headers["dlq_origin_topic"] == "payment.due"
    assert dead.headers["dlq_delivery_id"] == key_of(CLIENT)
    assert email.sent == []


async def test_a_refusal_that_cannot_succeed_later_fails_at_once() -> None:
    service = with_people(rules=CLIENT_ONLY)
    service.channels[Channel.EMAIL].failures = [DeliveryError("550 mailbox", retryable=False)]
    await service.triggers(decoded(reminder(), key="inv-1", event_id="evt-1"))

    await service.dispatcher.dispatch_due()

    client = service.deliveries.one(key_of(CLIENT))
    assert (client.status, client.attempts, client.last_error) == (
        DeliveryStatus.FAILED,
        1,
        "550 mailbox",
    )
    assert len(service.deliveries.published_on("notification.failed")) == 1


async def test_quiet_hours_defer_a_reminder_to_nine_in_the_recipients_morning() -> None:
    late = datetime(2026, 3, 2, 19, 0, tzinfo=UTC)  # 22:00 in Moscow
    service = with_people(late, rules=CLIENT_ONLY)
    await service.triggers(decoded(reminder(), key="inv-1", event_id="evt-1"))

    assert await service.dispatcher.dispatch_due() == 1

    client = service.deliveries.one(key_of(CLIENT))
    morning = datetime(2026, 3, 3, 6, 0, tzinfo=UTC)  # 09:00 in Moscow (UTC+3)
    assert (client.status, client.reason, client.next_attempt_at, client.lease_owner) == (
        DeliveryStatus.DEFERRED,
        "quiet_hours",
        morning,
        None,
    )
    assert service.channels[Channel.EMAIL].sent == []

    service.clock.set(morning)
    assert await service.dispatcher.dispatch_due() == 1
    assert service.deliveries.one(key_of(CLIENT)).status is DeliveryStatus.SENT


async def test_a_reached_daily_cap_suppresses_the_reminder() -> None:
    service = with_people(rules=CLIENT_ONLY, pressure=PressurePolicy(max_per_day=0))
    await service.triggers(decoded(reminder(), key="inv-1", event_id="evt-1"))

    await service.dispatcher.dispatch_due()

    client = service.deliveries.one(key_of(CLIENT))
    assert (client.status, client.reason) == (DeliveryStatus.SUPPRESSED, "daily_cap")
    assert service.channels[Channel.EMAIL].sent == []


async def test_a_busy_recipient_hands_the_delivery_back_for_later() -> None:
    service = with_people(rules=CLIENT_ONLY)
    service.directory.locks[CLIENT] = ("another-replica", START + timedelta(minutes=1))
    await service.triggers(decoded(reminder(), key="inv-1", event_id="evt-1"))

    assert await service.dispatcher.dispatch_due() == 1

    client = service.deliveries.one(key_of(CLIENT))
    assert (client.status, client.next_attempt_at, client.lease_owner) == (
        DeliveryStatus.QUEUED,
        START + BUSY_DELAY,
        None,
    )
    assert [line.event for line in client.history] == ["queued"]
    assert service.channels[Channel.EMAIL].sent == []


# --- payments ------------------------------------------------------------------------------


async def test_a_payment_cancels_pending_reminders_and_those_arriving_later() -> None:
    service = with_people()
    await service.triggers(decoded(reminder(), key="inv-1", event_id="evt-1"))

    await service.payments(decoded(payment(), key="inv-1", event_id="evt-pay"))

    statuses = {(d.status, d.reason, d.next_attempt_at) for d in service.deliveries.all()}
    assert statuses == {(DeliveryStatus.CANCELLED, "paid", None)}
    assert service.settlements.paid == {f"installment:{INSTALLMENT}": START}
    assert await service.dispatcher.dispatch_due() == 0

    late = decoded(reminder(ReminderKind.MID_TERM), key="inv-1", event_id="evt-2")
    assert await service.triggers.plan(source_of(late)) == 2
    assert {d.status for d in service.deliveries.all()} == {DeliveryStatus.CANCELLED}
    assert service.channels[Channel.EMAIL].sent == []


async def test_a_reminder_paid_while_on_its_way_is_recorded_as_sent() -> None:
    service = with_people(rules=CLIENT_ONLY)
    await service.triggers(decoded(reminder(), key="inv-1", event_id="evt-1"))
    email = service.channels[Channel.EMAIL]

    async def pay_during_send() -> None:
        email.during_send = None
        await service.payments(decoded(payment(), key="inv-1", event_id="evt-pay"))

    email.during_send = pay_during_send

    await service.dispatcher.dispatch_due()

    client = service.deliveries.one(key_of(CLIENT))
    assert (client.status, client.reason, client.attempts) == (DeliveryStatus.SENT, None, 1)
    assert client.provider == ProviderReceipt("accepted", "p-1")
    assert [line.event for line in client.history] == ["queued", "attempt", "cancelled", "sent"]
    assert len(service.deliveries.published_on("notification.sent")) == 1


# --- integrators ---------------------------------------------------------------------------


async def test_a_webhook_subscription_receives_the_event_signed_with_its_secret() -> None:
    service = notifications(START)
    secret = "s3cret-s3cret-s3cret"
    service.webhooks.subscriptions["crm"] = WebhookSubscription(
        "crm", url="https://crm.example/hooks", secret=secret, event_types=("payment.due",)
    )
    await service.triggers(decoded(reminder(), key="inv-1", event_id="evt-1"))
    hook = key_of("crm", Channel.WEBHOOK)
    planned = service.deliveries.one(hook)
    assert (planned.status, planned.recipient_kind, planned.event_kind) == (
        DeliveryStatus.QUEUED,
        "integrator",
        "payment.due",
    )

    await service.dispatcher.dispatch_due()

    [message] = service.channels[Channel.WEBHOOK].sent
    assert (message.address, message.secret) == ("https://crm.example/hooks", secret.encode())
    body = json.loads(message.body)
    assert (body["id"], body["type"], body["subject"], body["delivery_id"]) == (
        "evt-1",
        "payment.due",
        "inv-1",
        hook,
    )
    assert body["data"]["installment_id"] == INSTALLMENT
    assert service.deliveries.one(hook).status is DeliveryStatus.SENT
    [sent] = service.deliveries.published_on("notification.sent")
    assert (payload(sent)["recipient_kind"], payload(sent)["channel"]) == ("integrator", "webhook")


# --- the log -------------------------------------------------------------------------------


async def test_the_delivery_log_pages_the_deliveries_of_one_reminder() -> None:
    service = with_people()
    await service.triggers(decoded(reminder(), key="inv-1", event_id="evt-1"))
    log = DeliveryLog(service.deliveries)

    first = await log.page(DeliveryQuery(source_id=ON_ISSUE_ID), offset=0, limit=1)
    rest = await log.page(DeliveryQuery(source_id="evt-1"), offset=1, limit=1)

    assert (first.total, len(first.items), first.next_offset) == (2, 1, 1)
    assert (rest.total, len(rest.items), rest.next_offset) == (2, 1, None)
    by_client = await log.page(DeliveryQuery(recipient_id=CLIENT), offset=0, limit=10)
    assert [d.id for d in by_client.items] == [key_of(CLIENT)]
    assert await log.get(key_of(MANAGER)) is not None


def held_in_send(service: Notifications) -> tuple[asyncio.Event, asyncio.Event]:
    """E-mail sends that signal `sending` and wait for `release` before the provider answers."""
    sending, release = asyncio.Event(), asyncio.Event()

    async def slow_provider() -> None:
        sending.set()
        await release.wait()

    service.channels[Channel.EMAIL].during_send = slow_provider
    return sending, release


async def test_a_stop_during_a_send_lets_the_send_finish_and_be_recorded() -> None:
    service = with_people(rules=CLIENT_ONLY)
    await service.triggers(decoded(reminder(), key="inv-1", event_id="evt-1"))
    sending, release = held_in_send(service)
    passing = asyncio.create_task(service.dispatcher.dispatch_due())
    await sending.wait()
    passing.cancel()  # SIGTERM: the service stops its loops
    await asyncio.sleep(0)
    release.set()  # the provider answers after the stop began
    with pytest.raises(asyncio.CancelledError):
        await passing
    client = service.deliveries.one(key_of(CLIENT))
    assert (client.status, client.attempts) == (DeliveryStatus.SENT, 1)
    assert len(service.channels[Channel.EMAIL].sent) == 1


async def test_a_replica_whose_clock_runs_two_leases_ahead_takes_no_delivery_another_holds() -> (
    None
):
    """Leases are judged by one time for all replicas (the database's), not each one's clock."""
    service = with_people(rules=CLIENT_ONLY)
    await service.triggers(decoded(reminder(), key="inv-1", event_id="evt-1"))
    sending, release = held_in_send(service)
    first = asyncio.create_task(service.dispatcher.dispatch_due())
    await sending.wait()
    ahead = ManualClock(service.clock.now() + 2 * LEASE)
    skewed = another_replica(service, clock=ahead, lease_time=ClockLeaseTime(service.clock))
    assert await skewed.dispatch_due() == 0
    release.set()
    assert await first == 1
    assert len(service.channels[Channel.EMAIL].sent) == 1
