"""Ports of the notifications use cases: delivery channels and the stores they read and write."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from notifications.domain.model import Channel, Recipient
from notifications.domain.templates import Template, TemplateKey

DeliveryDoc = dict[str, Any]


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One message ready for a channel; address and texts stay out of `repr` (personal data)."""

    delivery_id: str
    channel: Channel
    address: str = field(repr=False)
    subject: str = field(default="", repr=False)
    body: str = field(default="", repr=False)
    html: bool = False
    event_type: str = ""
    secret: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class ProviderReceipt:
    """What the provider answered on acceptance: a status code and its own message id if any."""

    status: str
    provider_id: str | None = None


class DeliveryError(Exception):
    """A provider refused or could not be reached; `detail` never holds personal data."""

    def __init__(self, detail: str, *, retryable: bool) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retryable = retryable


class ChannelSender(Protocol):
    """Port: hand one message to a provider; return only once it accepted the message."""

    async def send(self, message: OutgoingMessage) -> ProviderReceipt:
        """Send, or raise `DeliveryError`."""
        ...


@dataclass(frozen=True, slots=True)
class RecipientProfile:
    """A directory entry: the domain recipient plus name, consent and channel preferences."""

    recipient: Recipient
    name: str = field(default="", repr=False)
    opted_out: frozenset[Channel] = frozenset()
    preferred: tuple[Channel, ...] = ()

    @property
    def id(self) -> str:
        """The recipient's id."""
        return self.recipient.id


@dataclass(frozen=True, slots=True)
class WebhookSubscription:
    """An integrator's endpoint: events of `event_types` (all when empty) are POSTed to `url`."""

    id: str
    url: str = field(repr=False)
    secret: str = field(repr=False)
    event_types: frozenset[str] = frozenset()
    active: bool = True

    def wants(self, event_type: str) -> bool:
        """Whether this subscription receives events of `event_type`."""
        return self.active and (not self.event_types or event_type in self.event_types)


class RecipientDirectory(Protocol):
    """Port: who the recipients are and how to reach them."""

    async def get(self, recipient_id: str) -> RecipientProfile | None:
        """One recipient, or None when unknown."""
        ...

    async def heads_of_sales(self) -> list[RecipientProfile]:
        """Every recipient of kind head_of_sales."""
        ...

    async def lock(self, recipient_id: str, owner: str, *, now: datetime, until: datetime) -> bool:
        """Take the recipient's contact lease; False when someone else holds it (or unknown)."""
        ...

    async def unlock(self, recipient_id: str, owner: str) -> None:
        """Give the lease back if `owner` still holds it."""
        ...


class DeliveryStore(Protocol):
    """Port: the delivery log, one document per (source event, recipient, channel)."""

    async def insert(self, doc: Mapping[str, Any]) -> bool:
        """Store a new delivery; False when one with that id already exists."""
        ...

    async def claim_due(self, now: datetime, *, owner: str, until: datetime) -> DeliveryDoc | None:
        """Lease the earliest due queued or deferred delivery nobody holds, or None."""
        ...

    async def update_claimed(
        self,
        delivery_id: str,
        owner: str,
        update: Mapping[str, Any],
        *,
        statuses: Sequence[str] | None = None,
        lease_valid_at: datetime | None = None,
    ) -> bool:
        """Apply `update` if `owner` still holds the lease (and the status is one of `statuses`)."""
        ...

    async def sent_times(self, recipient_id: str, since: datetime) -> list[datetime]:
        """When messages to this recipient were sent since `since` (any channel)."""
        ...

    async def cancel_pending(self, keys: Sequence[str], update: Mapping[str, Any]) -> int:
        """Apply `update` to queued or deferred deliveries carrying any of `keys`."""
        ...

    async def record_settlement(self, key: str, at: datetime) -> None:
        """Remember that what `key` names (an installment) has been paid."""
        ...

    async def settled(self, keys: Sequence[str]) -> bool:
        """Whether any of `keys` has been paid."""
        ...


class TemplateStore(Protocol):
    """Port: a team's own templates, overriding the built-in ones key by key."""

    async def get(self, key: TemplateKey) -> Template | None:
        """The override for `key`, or None."""
        ...


class WebhookStore(Protocol):
    """Port: integrators' webhook subscriptions."""

    async def get(self, subscription_id: str) -> WebhookSubscription | None:
        """One subscription, or None."""
        ...

    async def matching(self, event_type: str) -> list[WebhookSubscription]:
        """Active subscriptions that receive `event_type`."""
        ...
