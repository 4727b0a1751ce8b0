"""Ports of the notifications use cases: delivery channels and the stores they read and write."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from notifications.domain.attachments import Attachment
from notifications.domain.delivery import Delivery, DeliveryQuery
from notifications.domain.messages import OutgoingMessage, ProviderReceipt
from notifications.domain.model import RecipientProfile, RecipientSettings
from notifications.domain.templates import Template, TemplateKey
from notifications.domain.webhooks import WebhookSubscription
from shared.contracts.events.person import PersonChangedV1

R = TypeVar("R")


class ChannelSender(Protocol):
    """Port: hand one message to a provider; return only once it accepted the message."""

    async def send(self, message: OutgoingMessage) -> ProviderReceipt:
        """Send, or raise `DeliveryError`."""
        ...


class StaffDirectory(Protocol):
    """Port: the sales department's people kept as recipients, from the one directory."""

    async def follow(self, person: PersonChangedV1) -> None:
        """Apply a person's newest version; older ones change nothing."""
        ...


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


class RecipientRegistry(Protocol):
    """Port: the directory as its API edits it, settings kept exactly as they were set."""

    async def settings(self, recipient_id: str) -> RecipientSettings | None:
        """One recipient's settings, or None when unknown."""
        ...

    async def put(self, recipient_id: str, settings: RecipientSettings) -> None:
        """Create or replace a recipient's settings."""
        ...

    async def delete(self, recipient_id: str) -> bool:
        """Erase a recipient and their addresses; False when unknown."""
        ...


class DeliveryRepository(Protocol):
    """Port: the delivery log, one Delivery per (source event, recipient, channel)."""

    async def get(self, aggregate_id: str) -> Delivery | None:
        """One delivery, or None."""
        ...

    async def add(self, aggregate: Delivery, *, causation_id: str | None = None) -> bool:
        """Store a new delivery; False when one with that id already exists."""
        ...

    async def save(self, aggregate: Delivery, *, causation_id: str | None = None) -> None:
        """Write a loaded delivery's changes and events; `ConcurrentModification` on a lost race."""
        ...

    async def update(
        self,
        aggregate_id: str,
        change: Callable[[Delivery], R],
        *,
        causation_id: str | None = None,
        attempts: int = 5,
    ) -> tuple[Delivery, R] | None:
        """Load, change and save, again on a lost race; None when there is no such delivery."""
        ...

    async def claim_due(
        self, now: datetime, *, owner: str, lease_now: datetime, until: datetime
    ) -> Delivery | None:
        """Lease the earliest due pending delivery nobody holds, or None."""
        ...

    async def sent_times(self, recipient_id: str, since: datetime) -> list[datetime]:
        """When messages to this recipient were sent since `since` (any channel)."""
        ...

    async def pending_with_keys(self, keys: Sequence[str]) -> list[Delivery]:
        """Queued or deferred deliveries carrying any of the cancellation `keys`."""
        ...

    async def search(
        self, query: DeliveryQuery, *, offset: int, limit: int
    ) -> tuple[list[Delivery], int]:
        """A page of deliveries matching `query`, newest first, and how many match in all."""
        ...


class SettlementStore(Protocol):
    """Port: what has been settled (an installment paid, a task closed), kept apart from the
    deliveries it cancels."""

    async def record_settlement(self, key: str, at: datetime) -> None:
        """Remember that what `key` names (an installment, a task) has been settled."""
        ...

    async def settled(self, keys: Sequence[str]) -> bool:
        """Whether any of `keys` has been settled."""
        ...


class AttachmentStore(Protocol):
    """Port: documents sent along with messages, kept once each by their SHA-256."""

    async def put(self, attachment: Attachment, *, at: datetime) -> None:
        """Keep the document's bytes; storing the same bytes again changes nothing."""
        ...

    async def get(self, sha256: str) -> bytes | None:
        """The bytes stored under `sha256`, or None."""
        ...


class TemplateStore(Protocol):
    """Port: a team's own templates, overriding the built-in ones key by key."""

    async def get(self, key: TemplateKey) -> Template | None:
        """The override for `key`, or None."""
        ...


class TemplateOverrideStore(Protocol):
    """Port: the team's own templates, as the templates API lists, saves and drops them."""

    async def all(self) -> dict[TemplateKey, tuple[Template, datetime | None]]:
        """Every override with the time it was saved."""
        ...

    async def put(self, key: TemplateKey, template: Template, *, at: datetime) -> None:
        """Save an override (validated by the caller)."""
        ...

    async def delete(self, key: TemplateKey) -> bool:
        """Drop an override; False when there was none."""
        ...


class WebhookStore(Protocol):
    """Port: integrators' webhook subscriptions."""

    async def get(self, subscription_id: str) -> WebhookSubscription | None:
        """One subscription, or None."""
        ...

    async def matching(self, event_type: str) -> list[WebhookSubscription]:
        """Active subscriptions that receive `event_type`."""
        ...


class WebhookRegistry(Protocol):
    """Port: webhook subscriptions as their API edits them."""

    async def get(self, subscription_id: str) -> WebhookSubscription | None:
        """One subscription, or None."""
        ...

    async def all(self) -> list[WebhookSubscription]:
        """Every subscription, by id."""
        ...

    async def put(self, subscription: WebhookSubscription, *, at: datetime) -> None:
        """Create or replace a subscription, stamped with `at`."""
        ...

    async def delete(self, subscription_id: str) -> bool:
        """Remove a subscription; False when unknown."""
        ...
