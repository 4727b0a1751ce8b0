"""The dispatcher: claims due deliveries, applies contact pressure, renders, sends, records.

Durable and replica-safe: deliveries are documents with `next_attempt_at`, claimed one at a
time by a lease (a conditional find-and-modify), and every later write is conditional on
still holding it. Contact pressure is decided under a per-recipient lease, so two replicas
never both send the message that reaches a cap. Time comes only from the injected clock.

Exactly once towards people, up to one residual: a crash (or a lost database) after the
provider accepted a message and before it is marked sent leaves the delivery leased; when the
lease expires it is sent again. The window is one single-document write, retried in place,
and every provider gets the delivery id to deduplicate by (Message-ID, Idempotency-Key,
Voronka-Delivery); the bot API has no such key, so a messenger duplicate is possible there.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog

from notifications.domain.model import Channel, DeliveryStatus
from notifications.domain.pressure import WEEK, PressureAction, PressurePolicy
from notifications.domain.retry import RetryPolicy
from notifications.domain.templates import (
    TemplateKey,
    TemplateRenderError,
    render,
    resolve_template,
)
from notifications.service_layer.context import ContextBuilder
from notifications.service_layer.deliveries import PENDING, SourceRecord, history_entry
from notifications.service_layer.events import dead_letter, failed_event, sent_event
from notifications.service_layer.ports import (
    ChannelSender,
    DeliveryDoc,
    DeliveryError,
    DeliveryStore,
    OutgoingMessage,
    RecipientDirectory,
    RecipientProfile,
    TemplateStore,
    WebhookStore,
)
from notifications.service_layer.triggers import UNKNOWN_RECIPIENT
from shared.platform.clock import Clock
from shared.platform.errors import is_transient
from shared.platform.logging import get_logger
from shared.platform.loops import run_every
from shared.platform.outbox import with_outbox

log = get_logger(__name__)

NO_ADDRESS = "no_address"
NO_TEMPLATE = "no_template"
TEMPLATE_ERROR = "template_error"
PROVIDER_FAILED = "provider_failed"
# Marking a message sent is retried in place a few times: each retry is bounded by the
# MongoDB client's server-selection timeout, and giving up means a possible resend.
_MARK_SENT_TRIES = 3


@dataclass(frozen=True)
class DispatchConfig:
    """Timing and identity of the dispatcher loop."""

    poll_seconds: float
    lease: timedelta
    busy_delay: timedelta
    consumer_group: str
    topic_prefix: str = ""


class Dispatcher:
    """Sends what is due, one delivery at a time per replica; scale out by running replicas."""

    def __init__(
        self,
        deliveries: DeliveryStore,
        directory: RecipientDirectory,
        templates: TemplateStore,
        webhooks: WebhookStore,
        channels: Mapping[Channel, ChannelSender],
        *,
        context: ContextBuilder,
        pressure: PressurePolicy,
        retry: RetryPolicy,
        config: DispatchConfig,
        clock: Clock,
        jitter: Callable[[], float] | None = None,
        on_outbox: Callable[[], None] | None = None,
    ) -> None:
        self._deliveries = deliveries
        self._directory = directory
        self._templates = templates
        self._webhooks = webhooks
        self._channels = dict(channels)
        self._context = context
        self._pressure = pressure
        self._retry = retry
        self._config = config
        self._clock = clock
        self._jitter = jitter
        self._on_outbox = on_outbox
        self._wakeup = asyncio.Event()
        self.owner = uuid.uuid4().hex

    def wake(self) -> None:
        """Look for due deliveries now instead of at the next poll."""
        self._wakeup.set()

    async def run(self) -> None:
        """Dispatch forever; an outage only delays deliveries to a later pass."""
        await run_every(
            self.dispatch_due,
            clock=self._clock,
            seconds=self._config.poll_seconds,
            what="dispatch pass",
            wakeup=self._wakeup,
        )

    async def dispatch_due(self) -> int:
        """Handle every delivery due by now; return how many were handled."""
        handled = 0
        while True:
            now = self._clock.now()
            doc = await self._deliveries.claim_due(
                now, owner=self.owner, until=now + self._config.lease
            )
            if doc is None:
                return handled
            with structlog.contextvars.bound_contextvars(
                delivery_id=doc["_id"], channel=doc["channel"], event_kind=doc["event_kind"]
            ):
                await self._handle(doc)
            handled += 1

    async def _handle(self, doc: DeliveryDoc) -> None:
        try:
            if doc["channel"] == Channel.WEBHOOK.value:
                await self._to_webhook(doc)
            else:
                await self._to_person(doc)
        except Exception as exc:
            if is_transient(exc):
                raise  # the lease expires and the delivery is taken up again
            # A bug must not hold a delivery forever: count it as a failed attempt.
            log.error("delivery crashed", error_type=type(exc).__name__)
            await self._attempt_failed(
                doc, int(doc["attempts"]) + 1, f"internal error ({type(exc).__name__})", True
            )

    # --- people ----------------------------------------------------------------------------

    async def _to_person(self, doc: DeliveryDoc) -> None:
        recipient_id = doc["recipient_id"]
        profile = await self._directory.get(recipient_id)
        if profile is None:
            await self._close(doc, DeliveryStatus.SUPPRESSED, UNKNOWN_RECIPIENT)
            return
        now = self._clock.now()
        if not await self._directory.lock(
            recipient_id, self.owner, now=now, until=now + self._config.lease
        ):
            await self._release(doc, now + self._config.busy_delay, "recipient_busy")
            return
        try:
            await self._contact(doc, profile)
        finally:
            await self._directory.unlock(recipient_id, self.owner)

    async def _contact(self, doc: DeliveryDoc, profile: RecipientProfile) -> None:
        channel = Channel(doc["channel"])
        address = profile.recipient.address(channel)
        if address is None:
            await self._close(doc, DeliveryStatus.SUPPRESSED, NO_ADDRESS)
            return
        now = self._clock.now()
        decision = self._pressure.decide(
            now,
            profile.recipient.time_zone,
            await self._deliveries.sent_times(profile.id, now - WEEK),
            opted_out=channel in profile.opted_out,
            is_urgent=bool(doc.get("urgent")),
            recipient_kind=profile.recipient.kind,
        )
        if decision.action is PressureAction.SUPPRESS:
            await self._close(doc, DeliveryStatus.SUPPRESSED, decision.reason.value)
            return
        if decision.action is PressureAction.DEFER:
            assert decision.not_before is not None
            await self._defer(doc, decision.not_before, decision.reason.value)
            return
        key = TemplateKey(doc["event_kind"], channel, profile.recipient.locale)
        template = resolve_template(key, await self._overrides(key))
        if template is None:
            await self._fail(doc, int(doc["attempts"]), NO_TEMPLATE, NO_TEMPLATE)
            return
        source = SourceRecord.from_doc(doc)
        context = await self._context.build(source.type, source.data(), profile)
        try:
            rendered = render(template, context)
        except TemplateRenderError as exc:
            await self._fail(doc, int(doc["attempts"]), f"template: {exc.problem}", TEMPLATE_ERROR)
            return
        message = OutgoingMessage(
            delivery_id=doc["_id"],
            channel=channel,
            address=address,
            subject=rendered.subject,
            body=rendered.body,
            html=template.is_html,
            event_type=source.type,
        )
        await self._attempt(doc, message)

    async def _overrides(self, key: TemplateKey) -> dict[TemplateKey, Any]:
        override = await self._templates.get(key)
        return {key: override} if override is not None else {}

    # --- integrators -----------------------------------------------------------------------

    async def _to_webhook(self, doc: DeliveryDoc) -> None:
        subscription = await self._webhooks.get(doc["recipient_id"])
        if subscription is None or not subscription.active:
            await self._close(doc, DeliveryStatus.SUPPRESSED, UNKNOWN_RECIPIENT)
            return
        source = SourceRecord.from_doc(doc)
        body = {
            "id": source.event_id,
            "type": source.type,
            "source": source.headers.get("ce_source"),
            "time": source.headers.get("ce_time"),
            "subject": source.key,
            "correlation_id": source.headers.get("ce_correlationid"),
            "delivery_id": doc["_id"],
            "data": source.data(),
        }
        message = OutgoingMessage(
            delivery_id=doc["_id"],
            channel=Channel.WEBHOOK,
            address=subscription.url,
            body=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
            event_type=source.type,
            secret=subscription.secret.encode("utf-8"),
        )
        await self._attempt(doc, message)

    # --- one attempt -----------------------------------------------------------------------

    async def _attempt(self, doc: DeliveryDoc, message: OutgoingMessage) -> None:
        sender = self._channels.get(message.channel)
        if sender is None:
            await self._fail(doc, int(doc["attempts"]), "channel not configured", PROVIDER_FAILED)
            return
        attempt = int(doc["attempts"]) + 1
        now = self._clock.now()
        # An attempt that never finished (a crash mid-send) may have reached the provider.
        unsure = bool(doc.get("in_flight"))
        # Recorded before the call, so a crash mid-send still counts the attempt, and only
        # while the lease is ours and the delivery is still pending (not cancelled meanwhile).
        started = await self._deliveries.update_claimed(
            doc["_id"],
            self.owner,
            {
                "$set": {"attempts": attempt, "in_flight": True, "updated_at": now},
                "$push": {
                    "history": history_entry(
                        now, "attempt", attempt=attempt, after_unfinished=unsure
                    )
                },
            },
            statuses=PENDING,
            lease_valid_at=now,
        )
        if not started:
            log.info("delivery changed before sending; skipped")
            return
        try:
            receipt = await self._channel_send(sender, message)
        except DeliveryError as exc:
            await self._attempt_failed(doc, attempt, exc.detail, exc.retryable)
            return
        await self._mark_sent(doc, attempt, {"status": receipt.status, "id": receipt.provider_id})

    async def _channel_send(self, sender: ChannelSender, message: OutgoingMessage) -> Any:
        try:
            return await sender.send(message)
        except DeliveryError:
            raise
        except Exception as exc:
            # An adapter bug or an unexpected library error: retried like an outage.
            raise DeliveryError(f"send failed ({type(exc).__name__})", retryable=True) from None

    async def _mark_sent(self, doc: DeliveryDoc, attempt: int, provider: dict[str, Any]) -> None:
        now = self._clock.now()
        sent = DeliveryStatus.SENT.value
        update = with_outbox(
            {
                "$set": {
                    "status": sent,
                    "reason": None,
                    "sent_at": now,
                    "provider": provider,
                    "in_flight": False,
                    "next_attempt_at": None,
                    "lease_until": None,
                    "lease_owner": None,
                    "updated_at": now,
                },
                "$push": {"history": history_entry(now, sent, attempt=attempt)},
            },
            [sent_event(doc, attempts=attempt, at=now)],
        )
        # No status condition: the provider accepted it, so "sent" is the truth even if a
        # payment cancelled the reminder while it was on its way.
        marked = False
        for remaining in range(_MARK_SENT_TRIES - 1, -1, -1):
            try:
                marked = await self._deliveries.update_claimed(doc["_id"], self.owner, update)
                break
            except Exception as exc:
                if remaining == 0 or not is_transient(exc):
                    raise
                log.warning("marking sent failed; retrying", error_type=type(exc).__name__)
        if not marked:
            log.warning("lease lost before marking sent; the delivery may be sent again")
        log.info("notification sent", attempts=attempt)
        self._outbox_written()

    async def _attempt_failed(
        self, doc: DeliveryDoc, attempt: int, error: str, retryable: bool
    ) -> None:
        now = self._clock.now()
        retry_at = self._retry.next_attempt_at(attempt, now, self._jitter) if retryable else None
        if retry_at is None:
            await self._fail(doc, attempt, error, PROVIDER_FAILED)
            return
        queued = DeliveryStatus.QUEUED.value
        log.info("attempt failed; will retry", attempt=attempt, error=error)
        await self._write(
            doc,
            {
                "$set": {
                    "status": queued,
                    "next_attempt_at": retry_at,
                    "last_error": error,
                    "in_flight": False,
                    "lease_until": None,
                    "lease_owner": None,
                    "updated_at": now,
                },
                "$push": {
                    "history": history_entry(
                        now, queued, "retry", attempt=attempt, error=error, retry_at=retry_at
                    )
                },
            },
        )

    # --- outcomes --------------------------------------------------------------------------

    async def _fail(self, doc: DeliveryDoc, attempts: int, error: str, reason: str) -> None:
        """Give up: `notification.failed` and a dead letter leave with the same write."""
        now = self._clock.now()
        failed = DeliveryStatus.FAILED.value
        messages = [
            failed_event(doc, attempts=attempts, error=error, at=now),
            dead_letter(
                doc,
                error=error,
                attempts=attempts,
                at=now,
                consumer_group=self._config.consumer_group,
                topic_prefix=self._config.topic_prefix,
            ),
        ]
        update = {
            "$set": {
                "status": failed,
                "reason": reason,
                "last_error": error,
                "in_flight": False,
                "next_attempt_at": None,
                "lease_until": None,
                "lease_owner": None,
                "updated_at": now,
            },
            "$push": {
                "history": history_entry(now, failed, reason, attempts=attempts, error=error)
            },
        }
        if await self._write(doc, with_outbox(update, messages)):
            log.warning("notification failed", reason=reason, attempts=attempts, error=error)
            self._outbox_written()

    async def _close(self, doc: DeliveryDoc, status: DeliveryStatus, reason: str) -> None:
        now = self._clock.now()
        log.info("delivery closed", status=status.value, reason=reason)
        await self._write(
            doc,
            {
                "$set": {
                    "status": status.value,
                    "reason": reason,
                    "next_attempt_at": None,
                    "lease_until": None,
                    "lease_owner": None,
                    "updated_at": now,
                },
                "$push": {"history": history_entry(now, status.value, reason)},
            },
        )

    async def _defer(self, doc: DeliveryDoc, until: datetime, reason: str) -> None:
        now = self._clock.now()
        deferred = DeliveryStatus.DEFERRED.value
        log.info("delivery deferred", reason=reason, until=until)
        await self._write(
            doc,
            {
                "$set": {
                    "status": deferred,
                    "reason": reason,
                    "next_attempt_at": until,
                    "lease_until": None,
                    "lease_owner": None,
                    "updated_at": now,
                },
                "$push": {"history": history_entry(now, deferred, reason, until=until)},
            },
        )

    async def _release(self, doc: DeliveryDoc, retry_at: datetime, reason: str) -> None:
        """Hand the delivery back untouched except for when to look at it again."""
        await self._write(
            doc,
            {"$set": {"next_attempt_at": retry_at, "lease_until": None, "lease_owner": None}},
        )
        log.info("delivery postponed", reason=reason)

    async def _write(self, doc: DeliveryDoc, update: Mapping[str, Any]) -> bool:
        """A decision write: only while ours and still pending (a payment may have cancelled)."""
        return await self._deliveries.update_claimed(
            doc["_id"], self.owner, update, statuses=PENDING
        )

    def _outbox_written(self) -> None:
        if self._on_outbox is not None:
            self._on_outbox()
