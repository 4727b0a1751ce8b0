"""The Delivery aggregate: one message to one recipient over one channel, and its life.

A delivery is planned queued (or closed at once: suppressed, cancelled), leased by one
dispatcher at a time, and then sent, retried later, deferred by contact pressure, released
for a busy recipient, given up, suppressed, or cancelled by a payment (an overdue task's
message by the task's closing). Pending (queued or deferred) deliveries are the only ones
that still change, except that a provider's acceptance always wins: a reminder cancelled
while on its way is recorded as sent.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from notifications.domain.messages import ProviderReceipt
from notifications.domain.model import Channel, DeliveryStatus
from shared.contracts.events.base import EventModel
from shared.contracts.events.notification import NotificationFailedV1, NotificationSentV1
from shared.kernel.aggregate import Aggregate

EVENT_ERROR_CHARS = 500
"""How much of an error a published event carries (the bound of dead-letter headers too)."""

ATTEMPT = "attempt"
"""History line of an attempt started (a status otherwise)."""


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """The consumed event a delivery comes from, kept for rendering, webhooks and dead letters.

    `dedupe_id` is the business id when the producer supplies one (`reminder_id` of
    `payment.due`, `contract.renewal_due` and `meeting.reminder_due`; the task and level of
    `task.overdue`), so a reminder republished under a new event id maps to the same
    deliveries; otherwise the event id. A moved meeting comes with a new `reminder_id` and is
    reminded again.
    """

    topic: str
    event_id: str
    dedupe_id: str
    type: str
    key: str | None
    payload: str = field(repr=False)
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)

    def data(self) -> dict[str, Any]:
        """The payload as plain JSON values."""
        value: dict[str, Any] = json.loads(self.payload)
        return value


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One line of a delivery's history (a status it took, or an attempt); never PII."""

    at: datetime
    event: str
    reason: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)

    def as_record(self) -> dict[str, Any]:
        """The line as flat fields: `at`, `event`, `reason` and the details."""
        return {"at": self.at, "event": self.event, "reason": self.reason, **self.detail}


@dataclass(frozen=True, slots=True)
class DeliveryDeadLettered:
    """A delivery was given up: its source event goes to the dead-letter topic."""

    delivery_id: str
    error: str
    attempts: int
    failed_at: datetime


@dataclass(frozen=True, slots=True)
class DeliveryQuery:
    """Filters of the delivery log; `source_id` is an event id or the business id deduped by."""

    recipient_id: str | None = None
    status: DeliveryStatus | None = None
    source_id: str | None = None

    def matches(self, delivery: Delivery) -> bool:
        """Whether `delivery` passes every filter that is set."""
        source = delivery.source
        return (
            self.recipient_id in (None, delivery.recipient_id)
            and self.status in (None, delivery.status)
            and self.source_id in (None, source.event_id, source.dedupe_id)
        )


DeliveryEvent = EventModel | DeliveryDeadLettered
"""What a delivery records: its wire outcome events and the dead letter of a failure."""


@dataclass(eq=False, kw_only=True)
class Delivery(Aggregate[DeliveryEvent]):
    """One (source event, recipient, channel); its id is the idempotency key.

    `address` is set when the event itself named where to send (a proposal's
    `recipient_email`): it is used instead of the directory's address on the channel.
    """

    id: str
    status: DeliveryStatus
    reason: str | None
    event_kind: str
    recipient_id: str
    recipient_kind: str
    channel: Channel
    urgent: bool
    source: SourceRecord
    cancel_keys: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    attempts: int = 0
    in_flight: bool = False
    next_attempt_at: datetime | None = None
    lease_until: datetime | None = None
    lease_owner: str | None = None
    sent_at: datetime | None = None
    provider: ProviderReceipt | None = None
    last_error: str | None = None
    history: list[HistoryEntry] = field(default_factory=list)
    address: str | None = field(default=None, repr=False)

    @classmethod
    def plan(
        cls,
        delivery_id: str,
        *,
        source: SourceRecord,
        event_kind: str,
        recipient_id: str,
        recipient_kind: str,
        channel: Channel,
        urgent: bool,
        now: datetime,
        status: DeliveryStatus = DeliveryStatus.QUEUED,
        reason: str | None = None,
        cancel_keys: Sequence[str] = (),
        address: str | None = None,
    ) -> Delivery:
        """A new delivery; a pending one is due at once, a closed one never."""
        return cls(
            id=delivery_id,
            status=status,
            reason=reason,
            event_kind=event_kind,
            recipient_id=recipient_id,
            recipient_kind=recipient_kind,
            channel=channel,
            urgent=urgent,
            source=source,
            cancel_keys=tuple(cancel_keys),
            created_at=now,
            updated_at=now,
            next_attempt_at=None if status.is_terminal else now,
            history=[HistoryEntry(now, status.value, reason)],
            address=address,
        )

    @property
    def aggregate_id(self) -> str:
        """The idempotency key."""
        return self.id

    @property
    def is_pending(self) -> bool:
        """Queued or deferred: it may still be sent, deferred, failed or cancelled."""
        return not self.status.is_terminal

    def is_due(self, now: datetime, *, lease_now: datetime | None = None) -> bool:
        """Pending, due by `now`, and leased by nobody (or by someone whose lease ran out by
        `lease_now`, the time leases are judged by; `now` when not given)."""
        due = self.next_attempt_at is not None and self.next_attempt_at <= now
        lease_now = now if lease_now is None else lease_now
        free = self.lease_until is None or self.lease_until < lease_now
        return self.is_pending and due and free

    def held_by(self, owner: str, *, valid_at: datetime | None = None) -> bool:
        """Whether `owner` holds the lease (and, given `valid_at`, it has not run out by then)."""
        if self.lease_owner != owner:
            return False
        return valid_at is None or (self.lease_until is not None and self.lease_until > valid_at)

    def lease(self, owner: str, until: datetime) -> None:
        """Reserve the delivery for one dispatcher until `until`."""
        self.lease_owner, self.lease_until = owner, until

    def start_attempt(self, now: datetime) -> bool:
        """Count an attempt before calling the provider, so a crash mid-send still counts it."""
        if not self.is_pending:
            return False
        unfinished = self.in_flight  # an attempt that never finished may have reached them
        self.attempts += 1
        self.in_flight = True
        self.updated_at = now
        self._log(now, ATTEMPT, attempt=self.attempts, after_unfinished=unfinished)
        return True

    def mark_sent(self, receipt: ProviderReceipt, now: datetime) -> bool:
        """The provider accepted it: sent, whatever happened meanwhile (a payment included)."""
        self.status, self.reason = DeliveryStatus.SENT, None
        self.sent_at = now
        self.provider = receipt
        self.in_flight = False
        self._stop(now)
        self._log(now, DeliveryStatus.SENT.value, attempt=self.attempts)
        self.record(NotificationSentV1(**self._outcome(), attempts=self.attempts, sent_at=now))
        return True

    def retry_later(self, attempt: int, error: str, retry_at: datetime, now: datetime) -> bool:
        """The `attempt`-th attempt failed; queue the next one for `retry_at`."""
        if not self.is_pending:
            return False
        queued = DeliveryStatus.QUEUED.value
        self.status = DeliveryStatus.QUEUED
        self.last_error = error
        self.in_flight = False
        self._stop(now, next_attempt_at=retry_at)
        self._log(now, queued, "retry", attempt=attempt, error=error, retry_at=retry_at)
        return True

    def give_up(self, attempts: int, error: str, reason: str, now: datetime) -> bool:
        """Failed for good: `notification.failed` and a dead letter of the source event."""
        if not self.is_pending:
            return False
        self.status, self.reason = DeliveryStatus.FAILED, reason
        self.last_error = error
        self.in_flight = False
        self._stop(now)
        self._log(now, DeliveryStatus.FAILED.value, reason, attempts=attempts, error=error)
        self.record(
            NotificationFailedV1(
                **self._outcome(),
                attempts=max(attempts, 1),
                error=error[:EVENT_ERROR_CHARS],
                failed_at=now,
            )
        )
        self.record(DeliveryDeadLettered(self.id, error, attempts, now))
        return True

    def close(self, status: DeliveryStatus, reason: str, now: datetime) -> bool:
        """End it without sending (suppressed: unknown recipient, no address, opted out, cap)."""
        if not self.is_pending:
            return False
        self.status, self.reason = status, reason
        self._stop(now)
        self._log(now, status.value, reason)
        return True

    def defer(self, until: datetime, reason: str, now: datetime) -> bool:
        """Hold it until `until` (quiet hours); it is decided again then."""
        if not self.is_pending:
            return False
        self.status, self.reason = DeliveryStatus.DEFERRED, reason
        self._stop(now, next_attempt_at=until)
        self._log(now, DeliveryStatus.DEFERRED.value, reason, until=until)
        return True

    def release(self, retry_at: datetime) -> bool:
        """Hand it back untouched except for when to look at it again (a busy recipient)."""
        if not self.is_pending:
            return False
        self.next_attempt_at = retry_at
        self.lease_until, self.lease_owner = None, None
        return True

    def cancel(self, reason: str, now: datetime) -> bool:
        """Cancel a pending delivery (its installment was paid, its task closed); the lease is
        left alone."""
        if not self.is_pending:
            return False
        self.status, self.reason = DeliveryStatus.CANCELLED, reason
        self.next_attempt_at = None
        self.updated_at = now
        self._log(now, DeliveryStatus.CANCELLED.value, reason)
        return True

    def _stop(self, now: datetime, *, next_attempt_at: datetime | None = None) -> None:
        self.next_attempt_at = next_attempt_at
        self.lease_until, self.lease_owner = None, None
        self.updated_at = now

    def _log(self, at: datetime, event: str, reason: str | None = None, **detail: Any) -> None:
        self.history.append(HistoryEntry(at, event, reason, detail))

    def _outcome(self) -> dict[str, Any]:
        return {
            "delivery_id": self.id,
            "source_event_id": self.source.event_id,
            "source_event_type": self.source.type,
            "event_kind": self.event_kind,
            "recipient_id": self.recipient_id,
            "recipient_kind": self.recipient_kind,
            "channel": self.channel.value,
        }
