"""In-memory ports of the notifications service layer, and a wired service to drive in tests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from notifications.adapters.delivery_mapper import DeliveryMapper
from notifications.adapters.delivery_messages import delivery_messages
from notifications.domain.attachments import Attachment
from notifications.domain.delivery import Delivery, DeliveryQuery
from notifications.domain.messages import DeliveryError, OutgoingMessage, ProviderReceipt
from notifications.domain.model import (
    Channel,
    DeliveryStatus,
    Recipient,
    RecipientKind,
    RecipientProfile,
)
from notifications.domain.pressure import PressurePolicy
from notifications.domain.retry import RetryPolicy
from notifications.domain.rules import RuleConfig
from notifications.domain.templates import Template, TemplateKey
from notifications.domain.webhooks import WebhookSubscription
from notifications.service_layer.context import ContextBuilder
from notifications.service_layer.dispatcher import DispatchConfig, Dispatcher
from notifications.service_layer.payments import PaymentReceived
from notifications.service_layer.tasks import TaskCompleted
from notifications.service_layer.triggers import Triggers
from shared.contracts.codec import DecodedEvent, decode, encode
from shared.contracts.events.base import EventModel
from shared.platform.clock import Clock, ManualClock
from shared.platform.lease_time import ClockLeaseTime, LeaseTime
from shared.testing.fakes import InMemoryRepository

CONSUMER_GROUP = "notifications"
LEASE = timedelta(seconds=60)
BUSY_DELAY = timedelta(seconds=30)


class FakeDeliveries(InMemoryRepository[Delivery]):
    """The delivery repository in a dict, with the queries of the Mongo one done in Python."""

    def __init__(self, clock: ManualClock) -> None:
        super().__init__(
            DeliveryMapper(),
            clock=clock,
            message_of=delivery_messages(consumer_group=CONSUMER_GROUP, topic_prefix=""),
        )

    async def claim_due(
        self, now: datetime, *, owner: str, lease_now: datetime, until: datetime
    ) -> Delivery | None:
        """Lease the earliest due delivery, as the find-and-modify does."""
        due = [d for d in self.all() if d.is_due(now, lease_now=lease_now)]
        if not due:
            return None
        claimed = min(due, key=lambda d: (d.next_attempt_at or now, d.id))
        claimed.lease(owner, until)
        await self.save(claimed)
        return claimed

    async def sent_times(self, recipient_id: str, since: datetime) -> list[datetime]:
        """Send times of the recipient's sent deliveries after `since`."""
        return [
            d.sent_at
            for d in self.all()
            if d.recipient_id == recipient_id
            and d.status is DeliveryStatus.SENT
            and d.sent_at is not None
            and d.sent_at > since
        ]

    async def pending_with_keys(self, keys: Sequence[str]) -> list[Delivery]:
        """Pending deliveries carrying any of `keys`."""
        return [d for d in self.all() if d.is_pending and set(d.cancel_keys) & set(keys)]

    async def search(
        self, query: DeliveryQuery, *, offset: int, limit: int
    ) -> tuple[list[Delivery], int]:
        """Matching deliveries, newest first."""
        found = sorted((d for d in self.all() if query.matches(d)), key=lambda d: d.id)
        found.sort(key=lambda d: d.created_at, reverse=True)
        return found[offset : offset + limit], len(found)

    def one(self, delivery_id: str) -> Delivery:
        """A stored delivery, freshly loaded; KeyError when there is none."""
        return next(d for d in self.all() if d.id == delivery_id)


class FakeSettlements:
    """Paid keys in a dict."""

    def __init__(self) -> None:
        self.paid: dict[str, datetime] = {}

    async def record_settlement(self, key: str, at: datetime) -> None:
        """Keep the first payment's time."""
        self.paid.setdefault(key, at)

    async def settled(self, keys: Sequence[str]) -> bool:
        """Whether any key was paid."""
        return any(key in self.paid for key in keys)


class FakeDirectory:
    """Recipients by id, with the contact lease of each."""

    def __init__(self) -> None:
        self.profiles: dict[str, RecipientProfile] = {}
        self.locks: dict[str, tuple[str, datetime]] = {}

    def add(self, recipient_id: str, kind: RecipientKind, **fields: Any) -> None:
        """Register a recipient (Moscow time, Russian texts unless told otherwise)."""
        name = fields.pop("name", "")
        opted_out = frozenset(fields.pop("opted_out", ()))
        recipient = Recipient(id=recipient_id, kind=kind, **fields)
        self.profiles[recipient_id] = RecipientProfile(recipient, name, opted_out)

    async def get(self, recipient_id: str) -> RecipientProfile | None:
        """One recipient or None."""
        return self.profiles.get(recipient_id)

    async def heads_of_sales(self) -> list[RecipientProfile]:
        """Every head of sales, by id."""
        heads = [
            p for p in self.profiles.values() if p.recipient.kind is RecipientKind.HEAD_OF_SALES
        ]
        return sorted(heads, key=lambda p: p.id)

    async def lock(self, recipient_id: str, owner: str, *, now: datetime, until: datetime) -> bool:
        """Take the lease unless someone else holds one that has not run out."""
        held = self.locks.get(recipient_id)
        if recipient_id not in self.profiles or (held and held[0] != owner and held[1] >= now):
            return False
        self.locks[recipient_id] = (owner, until)
        return True

    async def unlock(self, recipient_id: str, owner: str) -> None:
        """Give the lease back if `owner` holds it."""
        if self.locks.get(recipient_id, ("", None))[0] == owner:
            del self.locks[recipient_id]


class FakeAttachments:
    """Documents by SHA-256, with how often each was stored."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.puts = 0

    async def put(self, attachment: Attachment, *, at: datetime) -> None:
        """Keep the first copy of the bytes."""
        self.puts += 1
        self.files.setdefault(attachment.sha256, attachment.content)

    async def get(self, sha256: str) -> bytes | None:
        """The bytes, or None."""
        return self.files.get(sha256)


class NoOverrides:
    """A team without template overrides: the built-in texts apply."""

    async def get(self, key: TemplateKey) -> Template | None:
        """Never an override."""
        return None


class FakeWebhooks:
    """Subscriptions in a dict."""

    def __init__(self) -> None:
        self.subscriptions: dict[str, WebhookSubscription] = {}

    async def get(self, subscription_id: str) -> WebhookSubscription | None:
        """One subscription or None."""
        return self.subscriptions.get(subscription_id)

    async def matching(self, event_type: str) -> list[WebhookSubscription]:
        """Subscriptions wanting `event_type`, by id."""
        return [s for _, s in sorted(self.subscriptions.items()) if s.wants(event_type)]


@dataclass
class FakeChannel:
    """A provider that accepts everything, except the errors queued in `failures`."""

    sent: list[OutgoingMessage] = field(default_factory=list)
    failures: list[DeliveryError] = field(default_factory=list)
    during_send: Callable[[], Awaitable[None]] | None = None

    async def send(self, message: OutgoingMessage) -> ProviderReceipt:
        """Record the message, or raise the next queued failure."""
        if self.during_send is not None:
            await self.during_send()
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message)
        return ProviderReceipt("accepted", f"p-{len(self.sent)}")


@dataclass
class Notifications:
    """The service layer wired to fakes, as bootstrap wires it to MongoDB."""

    clock: ManualClock
    deliveries: FakeDeliveries
    settlements: FakeSettlements
    directory: FakeDirectory
    webhooks: FakeWebhooks
    channels: dict[Channel, FakeChannel]
    triggers: Triggers
    payments: PaymentReceived
    dispatcher: Dispatcher
    tasks: TaskCompleted
    attachments: FakeAttachments = field(default_factory=FakeAttachments)


def notifications(
    start: datetime,
    *,
    rules: RuleConfig | None = None,
    retry: RetryPolicy | None = None,
    pressure: PressurePolicy | None = None,
) -> Notifications:
    """A fresh service at `start`, with every channel configured."""
    clock = ManualClock(start)
    deliveries, settlements = FakeDeliveries(clock), FakeSettlements()
    directory, webhooks = FakeDirectory(), FakeWebhooks()
    attachments = FakeAttachments()
    channels = {channel: FakeChannel() for channel in Channel}
    triggers = Triggers(
        deliveries,
        settlements,
        directory,
        webhooks,
        attachments=attachments,
        rules=rules or RuleConfig(),
        enabled_channels=frozenset(channels),
        clock=clock,
    )
    dispatcher = Dispatcher(
        deliveries,
        directory,
        NoOverrides(),
        webhooks,
        channels,
        attachments=attachments,
        context=ContextBuilder(directory, sender_name="Voronka"),
        pressure=pressure or PressurePolicy(),
        retry=retry or RetryPolicy(),
        config=DispatchConfig(poll_seconds=1.0, lease=LEASE, busy_delay=BUSY_DELAY),
        clock=clock,
        lease_time=ClockLeaseTime(clock),
    )
    payments = PaymentReceived(deliveries, settlements, triggers, clock=clock)
    tasks = TaskCompleted(deliveries, settlements, triggers, clock=clock)
    return Notifications(
        clock,
        deliveries,
        settlements,
        directory,
        webhooks,
        channels,
        triggers,
        payments,
        dispatcher,
        tasks,
        attachments,
    )


def decoded(
    event: EventModel, *, key: str, event_id: str, at: datetime | None = None
) -> DecodedEvent[Any]:
    """The event as a subscriber receives it from a producer."""
    payload, headers = encode(
        event,
        source="urn:test:producer",
        subject=key,
        event_id=event_id,
        time=at or datetime(2026, 3, 2, 6, 0, tzinfo=UTC),
    )
    return decode(payload, headers, topic=event.event_type)


def another_replica(service: Notifications, *, clock: Clock, lease_time: LeaseTime) -> Dispatcher:
    """A second dispatcher on the same stores and channels, with its own clock."""
    return Dispatcher(
        service.deliveries,
        service.directory,
        NoOverrides(),
        service.webhooks,
        service.channels,
        attachments=service.attachments,
        context=ContextBuilder(service.directory, sender_name="Voronka"),
        pressure=PressurePolicy(),
        retry=RetryPolicy(),
        config=DispatchConfig(poll_seconds=1.0, lease=LEASE, busy_delay=BUSY_DELAY),
        clock=clock,
        lease_time=lease_time,
    )
