"""The dispatcher: claims due deliveries, applies contact pressure, renders, sends, records.

Durable and replica-safe: deliveries are stored with `next_attempt_at`, claimed one at a
time by a lease, and every later write is saved against the revision it claimed; after a lost
race it is applied to a fresh copy only while the lease is still ours. Contact pressure is
decided under a per-recipient lease, so two replicas never both send the message that
reaches a cap. Time comes only from the injected clock.

Exactly once towards people, up to one residual: a crash (or a lost database) after the
provider accepted a message and before it is marked sent leaves the delivery leased; when the
lease expires it is sent again. The window is one single-document write, retried in place,
and every provider gets the delivery id to deduplicate by (Message-ID, Idempotency-Key,
Voronka-Delivery); the bot API has no such key, so a messenger duplicate is possible there.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog

from notifications.domain.attachments import Attachment, AttachmentError, attachment_ref
from notifications.domain.delivery import Delivery
from notifications.domain.messages import DeliveryError, OutgoingMessage, ProviderReceipt
from notifications.domain.model import Channel, DeliveryStatus, RecipientKind, RecipientProfile
from notifications.domain.pressure import WEEK, PressureAction, PressurePolicy
from notifications.domain.retry import RetryPolicy
from notifications.domain.rules import UNCAPPED_KINDS
from notifications.domain.templates import (
    TemplateKey,
    TemplateRenderError,
    resolve_template,
)
from notifications.service_layer.context import ContextBuilder
from notifications.service_layer.ports import (
    AttachmentStore,
    ChannelSender,
    DeliveryRepository,
    RecipientDirectory,
    TemplateStore,
    WebhookStore,
)
from notifications.service_layer.rendering import RENDER_SECONDS, render_within
from notifications.service_layer.triggers import UNKNOWN_RECIPIENT
from shared.platform.clock import Clock
from shared.platform.errors import is_transient
from shared.platform.lease_time import ClockLeaseTime, LeaseTime
from shared.platform.logging import get_logger
from shared.platform.loops import run_every
from shared.platform.repository import ConcurrentModification

log = get_logger(__name__)

NO_ADDRESS = "no_address"
NO_TEMPLATE = "no_template"
TEMPLATE_ERROR = "template_error"
PROVIDER_FAILED = "provider_failed"
ATTACHMENT_MISSING = "attachment_missing"
"""Why a message was given up: the document it goes with is not stored (or not intact)."""
# Marking a message sent is retried in place a few times: each retry is bounded by the
# MongoDB client's server-selection timeout, and giving up means a possible resend.
_MARK_SENT_TRIES = 3
# Saves that lost a race to another writer (a payment cancelling) are tried on a fresh copy.
_SAVE_TRIES = 5

Transition = Callable[[Delivery], bool]


@dataclass(frozen=True)
class DispatchConfig:
    """Timing of the dispatcher loop."""

    poll_seconds: float
    lease: timedelta
    busy_delay: timedelta
    render_seconds: float = RENDER_SECONDS
    drain_seconds: float = 10.0


class Dispatcher:
    """Sends what is due, one delivery at a time per replica; scale out by running replicas."""

    def __init__(
        self,
        deliveries: DeliveryRepository,
        directory: RecipientDirectory,
        templates: TemplateStore,
        webhooks: WebhookStore,
        channels: Mapping[Channel, ChannelSender],
        *,
        attachments: AttachmentStore,
        context: ContextBuilder,
        pressure: PressurePolicy,
        retry: RetryPolicy,
        config: DispatchConfig,
        clock: Clock,
        lease_time: LeaseTime | None = None,
        jitter: Callable[[], float] | None = None,
        on_outbox: Callable[[], None] | None = None,
    ) -> None:
        self._deliveries = deliveries
        self._directory = directory
        self._templates = templates
        self._webhooks = webhooks
        self._channels = dict(channels)
        self._attachments = attachments
        self._context = context
        self._pressure = pressure
        self._retry = retry
        self._config = config
        self._clock = clock
        self._lease_time = lease_time or ClockLeaseTime(clock)
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

    async def _finish_even_if_stopped(self, handling: Coroutine[Any, Any, None]) -> None:
        """Handle one delivery; when the service stops meanwhile, let it finish first.

        A send cancelled halfway may have reached the person without being recorded, and
        would go out again once the lease ends. So a stop waits for the delivery in flight,
        at most `drain_seconds`, and only then ends the loop.
        """
        task = asyncio.ensure_future(handling)
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            if not task.done():
                log.info("stopping: finishing the delivery in flight")
                with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                    await asyncio.wait_for(asyncio.shield(task), self._config.drain_seconds)
            raise

    async def dispatch_due(self) -> int:
        """Handle every delivery due by now; return how many were handled."""
        handled = 0
        while True:
            now, lease_now = self._clock.now(), await self._lease_time.now()
            delivery = await self._deliveries.claim_due(
                now, owner=self.owner, lease_now=lease_now, until=lease_now + self._config.lease
            )
            if delivery is None:
                return handled
            with structlog.contextvars.bound_contextvars(
                delivery_id=delivery.id,
                channel=delivery.channel.value,
                event_kind=delivery.event_kind,
            ):
                await self._finish_even_if_stopped(self._handle(delivery))
            handled += 1

    async def _handle(self, delivery: Delivery) -> None:
        claimed_attempts = delivery.attempts
        try:
            if delivery.channel is Channel.WEBHOOK:
                await self._to_webhook(delivery)
            else:
                await self._to_person(delivery)
        except Exception as exc:
            if is_transient(exc):
                raise  # the lease expires and the delivery is taken up again
            # A bug must not hold a delivery forever: count it as a failed attempt.
            log.error("delivery crashed", error_type=type(exc).__name__)
            await self._attempt_failed(
                delivery, claimed_attempts + 1, f"internal error ({type(exc).__name__})", True
            )

    # --- people ----------------------------------------------------------------------------

    async def _to_person(self, delivery: Delivery) -> None:
        recipient_id = delivery.recipient_id
        profile = await self._directory.get(recipient_id)
        if delivery.address is not None:
            if profile is None:
                # Known only by the address the event named: there is no directory document
                # to hold their contact lease, so caps are checked without it. Such an
                # address gets proposals only; two replicas passing its cap together is
                # the whole risk.
                kind = RecipientKind(delivery.recipient_kind)
                await self._contact(
                    delivery, RecipientProfile.unlisted(recipient_id, kind, delivery.address)
                )
                return
            profile = profile.addressed(delivery.address)
        if profile is None:
            await self._close(delivery, DeliveryStatus.SUPPRESSED, UNKNOWN_RECIPIENT)
            return
        lease_now = await self._lease_time.now()
        if not await self._directory.lock(
            recipient_id, self.owner, now=lease_now, until=lease_now + self._config.lease
        ):
            retry_at = self._clock.now() + self._config.busy_delay
            await self._release(delivery, retry_at, "recipient_busy")
            return
        try:
            await self._contact(delivery, profile)
        finally:
            await self._directory.unlock(recipient_id, self.owner)

    async def _contact(self, delivery: Delivery, profile: RecipientProfile) -> None:
        channel = delivery.channel
        address = profile.recipient.address(channel)
        if address is None:
            await self._close(delivery, DeliveryStatus.SUPPRESSED, NO_ADDRESS)
            return
        now = self._clock.now()
        decision = self._pressure.decide(
            now,
            profile.recipient.time_zone,
            await self._deliveries.sent_times(profile.id, now - WEEK),
            opted_out=channel in profile.opted_out,
            is_urgent=delivery.urgent,
            recipient_kind=profile.recipient.kind,
            uncapped=delivery.event_kind in UNCAPPED_KINDS,
        )
        if decision.action is PressureAction.SUPPRESS:
            await self._close(delivery, DeliveryStatus.SUPPRESSED, decision.reason.value)
            return
        if decision.action is PressureAction.DEFER:
            assert decision.not_before is not None
            await self._defer(delivery, decision.not_before, decision.reason.value)
            return
        key = TemplateKey(delivery.event_kind, channel, profile.recipient.locale)
        template = resolve_template(key, await self._overrides(key))
        if template is None:
            await self._fail(delivery, delivery.attempts, NO_TEMPLATE, NO_TEMPLATE)
            return
        source = delivery.source
        context = await self._context.build(source.type, source.data(), profile)
        try:
            rendered = await render_within(template, context, seconds=self._config.render_seconds)
        except TemplateRenderError as exc:
            await self._fail(
                delivery, delivery.attempts, f"template: {exc.problem}", TEMPLATE_ERROR
            )
            return
        try:
            attachments = await self._attachments_of(delivery)
        except AttachmentError as exc:
            await self._fail(delivery, delivery.attempts, str(exc), ATTACHMENT_MISSING)
            return
        message = OutgoingMessage(
            delivery_id=delivery.id,
            channel=channel,
            address=address,
            subject=rendered.subject,
            body=rendered.body,
            html=template.is_html,
            event_type=source.type,
            attachments=attachments,
        )
        await self._attempt(delivery, message)

    async def _attachments_of(self, delivery: Delivery) -> tuple[Attachment, ...]:
        """The documents the message goes with, read from the store at every attempt."""
        source = delivery.source
        reference = attachment_ref(source.type, source.data())
        if reference is None:
            return ()
        content = await self._attachments.get(reference.sha256)
        if content is None:
            raise AttachmentError("the document is not stored")
        return (reference.attach(content),)

    async def _overrides(self, key: TemplateKey) -> dict[TemplateKey, Any]:
        override = await self._templates.get(key)
        return {key: override} if override is not None else {}

    # --- integrators -----------------------------------------------------------------------

    async def _to_webhook(self, delivery: Delivery) -> None:
        subscription = await self._webhooks.get(delivery.recipient_id)
        if subscription is None or not subscription.active:
            await self._close(delivery, DeliveryStatus.SUPPRESSED, UNKNOWN_RECIPIENT)
            return
        source = delivery.source
        body = {
            "id": source.event_id,
            "type": source.type,
            "source": source.headers.get("ce_source"),
            "time": source.headers.get("ce_time"),
            "subject": source.key,
            "correlation_id": source.headers.get("ce_correlationid"),
            "delivery_id": delivery.id,
            "data": source.data(),
        }
        message = OutgoingMessage(
            delivery_id=delivery.id,
            channel=Channel.WEBHOOK,
            address=subscription.url,
            body=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
            event_type=source.type,
            secret=subscription.secret.encode("utf-8"),
        )
        await self._attempt(delivery, message)

    # --- one attempt -----------------------------------------------------------------------

    async def _attempt(self, delivery: Delivery, message: OutgoingMessage) -> None:
        sender = self._channels.get(message.channel)
        if sender is None:
            await self._fail(delivery, delivery.attempts, "channel not configured", PROVIDER_FAILED)
            return
        now = self._clock.now()
        # Counted before the call, so a crash mid-send still counts the attempt, and only
        # while the lease is ours and the delivery is still pending (not cancelled meanwhile).
        lease_now = await self._lease_time.now()
        started = await self._apply(
            delivery, lambda d: d.start_attempt(now), lease_valid_at=lease_now
        )
        if started is None:
            log.info("delivery changed before sending; skipped")
            return
        try:
            receipt = await self._channel_send(sender, message)
        except DeliveryError as exc:
            await self._attempt_failed(started, started.attempts, exc.detail, exc.retryable)
            return
        await self._mark_sent(started, receipt)

    async def _channel_send(self, sender: ChannelSender, message: OutgoingMessage) -> Any:
        try:
            return await sender.send(message)
        except DeliveryError:
            raise
        except Exception as exc:
            # An adapter bug or an unexpected library error: retried like an outage.
            raise DeliveryError(f"send failed ({type(exc).__name__})", retryable=True) from None

    async def _mark_sent(self, delivery: Delivery, receipt: ProviderReceipt) -> None:
        now = self._clock.now()
        # No status condition: the provider accepted it, so "sent" is the truth even if a
        # payment cancelled the reminder while it was on its way.
        marked = await self._apply(
            delivery, lambda d: d.mark_sent(receipt, now), save_tries=_MARK_SENT_TRIES
        )
        if marked is None:
            log.warning("lease lost before marking sent; the delivery may be sent again")
        log.info("notification sent", attempts=delivery.attempts)
        self._outbox_written()

    async def _attempt_failed(
        self, delivery: Delivery, attempt: int, error: str, retryable: bool
    ) -> None:
        now = self._clock.now()
        retry_at = self._retry.next_attempt_at(attempt, now, self._jitter) if retryable else None
        if retry_at is None:
            await self._fail(delivery, attempt, error, PROVIDER_FAILED)
            return
        log.info("attempt failed; will retry", attempt=attempt, error=error)
        await self._apply(delivery, lambda d: d.retry_later(attempt, error, retry_at, now))

    # --- outcomes --------------------------------------------------------------------------

    async def _fail(self, delivery: Delivery, attempts: int, error: str, reason: str) -> None:
        """Give up: `notification.failed` and a dead letter leave with the same write."""
        now = self._clock.now()
        if await self._apply(delivery, lambda d: d.give_up(attempts, error, reason, now)):
            log.warning("notification failed", reason=reason, attempts=attempts, error=error)
            self._outbox_written()

    async def _close(self, delivery: Delivery, status: DeliveryStatus, reason: str) -> None:
        now = self._clock.now()
        log.info("delivery closed", status=status.value, reason=reason)
        await self._apply(delivery, lambda d: d.close(status, reason, now))

    async def _defer(self, delivery: Delivery, until: datetime, reason: str) -> None:
        now = self._clock.now()
        log.info("delivery deferred", reason=reason, until=until)
        await self._apply(delivery, lambda d: d.defer(until, reason, now))

    async def _release(self, delivery: Delivery, retry_at: datetime, reason: str) -> None:
        """Hand the delivery back untouched except for when to look at it again."""
        await self._apply(delivery, lambda d: d.release(retry_at))
        log.info("delivery postponed", reason=reason)

    async def _apply(
        self,
        delivery: Delivery,
        transition: Transition,
        *,
        lease_valid_at: datetime | None = None,
        save_tries: int = 1,
    ) -> Delivery | None:
        """Apply a transition to the delivery we hold and save it; None when it no longer fits.

        A save that lost a race (a payment cancelled meanwhile) is retried on a fresh copy
        while the lease is still ours; the transition itself refuses what is no longer pending.
        """
        current: Delivery | None = delivery
        for _ in range(_SAVE_TRIES):
            if current is None or not current.held_by(self.owner, valid_at=lease_valid_at):
                return None
            if not transition(current):
                return None
            try:
                await self._save(current, save_tries)
            except ConcurrentModification:
                current = await self._deliveries.get(delivery.id)
                continue
            return current
        raise ConcurrentModification(delivery.id)

    async def _save(self, delivery: Delivery, tries: int) -> None:
        """Save, retrying the same write in place after a transient error `tries - 1` times."""
        for remaining in range(tries - 1, -1, -1):
            try:
                await self._deliveries.save(delivery)
                return
            except Exception as exc:
                if remaining == 0 or not is_transient(exc):
                    raise
                log.warning("saving a delivery failed; retrying", error_type=type(exc).__name__)

    def _outbox_written(self) -> None:
        if self._on_outbox is not None:
            self._on_outbox()
