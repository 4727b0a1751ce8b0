"""Consumed events -> deliveries: who is told what, over which channel, exactly once.

Each (source, recipient, channel) gets one delivery whose id is the idempotency key, and
deliveries are only ever added here: a taken id means the delivery already exists, so a
redelivered or replayed event creates nothing new and nothing is sent twice.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

from notifications.domain.delivery import Delivery, SourceRecord
from notifications.domain.model import (
    PERSON,
    Channel,
    DeliveryStatus,
    RecipientKind,
    RecipientProfile,
    address_recipient_id,
    idempotency_key,
    is_email_address,
)
from notifications.domain.rules import NotificationIntent, RuleConfig, SourceEvent, intents_for
from notifications.service_layer.ports import (
    AttachmentStore,
    DeliveryRepository,
    RecipientDirectory,
    SettlementStore,
    WebhookStore,
)
from notifications.service_layer.sources import attachments_of, source_of
from shared.contracts.codec import DecodedEvent
from shared.contracts.events.base import EventModel
from shared.platform.clock import Clock
from shared.platform.logging import get_logger

log = get_logger(__name__)

UNKNOWN_RECIPIENT = "unknown_recipient"
NO_RECIPIENT = "no_recipient"
NO_REACHABLE_CHANNEL = "no_reachable_channel"
OPTED_OUT = "opted_out"
INVALID_ADDRESS = "invalid_address"
"""Why a message was not sent to the address its event named: that is no e-mail address."""
PAID = "paid"
TASK_CLOSED = "task_closed"
"""Why an overdue task's message was cancelled: the task was done or cancelled first."""
NOBODY = "nobody"
"""The recipient id of a delivery whose event names nobody to tell (a team without a lead)."""


def installment_key(installment_id: str) -> str:
    """Cancellation key of one installment's reminders."""
    return f"installment:{installment_id}"


def invoice_key(invoice_id: str) -> str:
    """Cancellation key of every reminder of an invoice."""
    return f"invoice:{invoice_id}"


def task_key(task_id: str) -> str:
    """Cancellation key of every overdue message of a task (both levels)."""
    return f"task:{task_id}"


def _settling(event_type: str, payload: dict[str, Any]) -> tuple[list[str], str]:
    """The settlement keys that make this event's messages moot, and the reason to give.

    A paid installment ends its reminders; a closed task (done or cancelled) ends its
    overdue messages. Other events are never cancelled: ([], "").
    """
    match event_type:
        case SourceEvent.PAYMENT_DUE:
            return [installment_key(str(payload["installment_id"]))], PAID
        case SourceEvent.TASK_OVERDUE:
            return [task_key(str(payload["task_id"]))], TASK_CLOSED
    return [], ""


def choose_channel(
    profile: RecipientProfile, allowed: Sequence[Channel], enabled: Collection[Channel]
) -> tuple[Channel | None, str | None]:
    """The recipient's first preferred channel that is allowed, configured and consented to.

    Returns (channel, None), or (channel, "opted_out") when the recipient can be reached only
    on channels they opted out of, or (None, "no_reachable_channel").
    """
    preferred = [c for c in profile.preferred if c in allowed]
    order = preferred + [c for c in allowed if c not in preferred]
    reachable = [c for c in order if c in enabled and profile.recipient.address(c) is not None]
    consenting = [c for c in reachable if c not in profile.opted_out]
    if consenting:
        return consenting[0], None
    if reachable:
        return reachable[0], OPTED_OUT
    return None, NO_REACHABLE_CHANNEL


class Triggers:
    """Subscriber body of every notifying topic: plan deliveries, insert them, wake the sender."""

    def __init__(
        self,
        deliveries: DeliveryRepository,
        settlements: SettlementStore,
        directory: RecipientDirectory,
        webhooks: WebhookStore,
        *,
        attachments: AttachmentStore,
        rules: RuleConfig,
        enabled_channels: Collection[Channel],
        clock: Clock,
        on_queued: Callable[[], None] | None = None,
    ) -> None:
        self._deliveries = deliveries
        self._settlements = settlements
        self._directory = directory
        self._webhooks = webhooks
        self._attachments = attachments
        self._rules = rules
        self._enabled = frozenset(enabled_channels)
        self._clock = clock
        self._on_queued = on_queued

    async def __call__(self, decoded: DecodedEvent[EventModel]) -> None:
        """Keep the event's documents, then create its deliveries; safe to run again.

        A document is stored before any delivery refers to it, so a delivery never lacks
        its attachment; a document that is not base64 fails the event (dead-lettered after
        the retries), as a proposal without its PDF must not go out.
        """
        for attachment in attachments_of(decoded.event):
            await self._attachments.put(attachment, at=self._clock.now())
        await self.plan(source_of(decoded))

    async def plan(self, source: SourceRecord) -> int:
        """Add the deliveries `source` calls for; return how many were new."""
        payload = source.data()
        settle_keys, settled_reason = _settling(source.type, payload)
        settled = await self._settled(settle_keys)
        planned: list[Delivery] = []
        told: set[str] = set()
        for intent in intents_for(source.type, payload, self._rules):
            recipient_ids = await self._recipient_ids(intent, payload)
            if recipient_ids is None:
                # The event itself says whom to tell, and names nobody: the delivery log
                # keeps that with its reason instead of losing the notification unseen.
                planned.append(self._nobody(source, intent))
                continue
            for recipient_id in recipient_ids:
                # One message per person and event: the primary role (listed first) wins.
                if recipient_id in told:
                    continue
                told.add(recipient_id)
                planned.append(
                    await self._person(
                        source,
                        intent,
                        recipient_id,
                        payload,
                        settled=settled_reason if settled else None,
                    )
                )
        for subscription in await self._webhooks.matching(source.type):
            planned.append(self._webhook(source, subscription.id))
        created = 0
        for delivery in planned:
            if await self._deliveries.add(delivery):
                created += 1
        if not settled and await self._settled(settle_keys):
            # A payment (a task's closing) handled while we inserted: both record the
            # settlement before cancelling, so whichever of the two runs second sees the other.
            await cancel_pending(self._deliveries, settle_keys, self._clock, reason=settled_reason)
        log.info(
            "deliveries planned", planned=len(planned), created=created, source_id=source.dedupe_id
        )
        if created and self._on_queued is not None:
            self._on_queued()
        return created

    async def _settled(self, keys: Sequence[str]) -> bool:
        """Whether what a message is about was settled already (a payment may overtake its
        reminder, a task may be closed before its overdue message is consumed)."""
        return bool(keys) and await self._settlements.settled(keys)

    async def _recipient_ids(
        self, intent: NotificationIntent, payload: dict[str, Any]
    ) -> list[str] | None:
        """The people to tell; None when the event's own person field names nobody."""
        if intent.person_field is not None:
            named = payload.get(intent.person_field)
            if isinstance(named, list):
                # A list of people (the colleagues at a meeting) may well be empty.
                return [str(one) for one in named if one]
            return [str(named)] if named else None
        role = intent.recipient_role
        match role:
            case RecipientKind.CLIENT:
                found = [payload.get("client_id")]
            case RecipientKind.MANAGER:
                found = [payload.get("to_manager_id") or payload.get("manager_id")]
            case RecipientKind.HEAD_OF_SALES:
                if payload.get("escalated_to"):
                    found = [payload["escalated_to"]]
                else:
                    found = [head.id for head in await self._directory.heads_of_sales()]
            case _:
                found = []
        ids = [str(value) for value in found if value]
        if not ids and intent.address_field is not None:
            # No client on file, yet the event may name the address itself (a proposal sent
            # to an address the manager typed): that address is the person. Without either,
            # the log keeps a delivery to nobody: a proposal must not vanish unseen.
            named = _named(intent, payload)
            return [address_recipient_id(named)] if named is not None else None
        if not ids:
            # A lead waiting in the team queue has no manager yet: nobody to tell.
            log.info("no recipient for role", role=role.value)
        return ids

    async def _person(
        self,
        source: SourceRecord,
        intent: NotificationIntent,
        recipient_id: str,
        payload: dict[str, Any],
        *,
        settled: str | None,
    ) -> Delivery:
        profile = await self._directory.get(recipient_id)
        status, reason = DeliveryStatus.QUEUED, None
        kind = intent.recipient_role.value
        address = _named(intent, payload)
        channel: Channel | None = intent.channels[0]
        if address is not None and not is_email_address(address):
            status, reason = DeliveryStatus.SUPPRESSED, INVALID_ADDRESS
        elif address is not None:
            # The address the event names wins over the directory's; consent, zone and
            # language stay the person's own when the directory lists them.
            profile = (
                profile.addressed(address)
                if profile is not None
                else RecipientProfile.unlisted(recipient_id, intent.recipient_role, address)
            )
        elif profile is None:
            status, reason = DeliveryStatus.SUPPRESSED, UNKNOWN_RECIPIENT
        if profile is not None:
            kind = profile.recipient.kind.value
            if reason is None:
                channel, reason = choose_channel(profile, intent.channels, self._enabled)
                if reason is not None:
                    status = DeliveryStatus.SUPPRESSED
        chosen = channel or intent.channels[0]
        if settled is not None and reason is None:
            status, reason = DeliveryStatus.CANCELLED, settled
        if reason is not None:
            log.info("delivery not sent", reason=reason, recipient_id=recipient_id)
        return Delivery.plan(
            idempotency_key(source.dedupe_id, recipient_id, PERSON),
            source=source,
            event_kind=intent.event_kind.value,
            recipient_id=recipient_id,
            recipient_kind=kind,
            channel=chosen,
            urgent=intent.urgent,
            now=self._clock.now(),
            status=status,
            reason=reason,
            cancel_keys=_cancel_keys(source.type, payload),
            # Kept only on a delivery that may go out: a closed one has no use for it.
            address=address if status is DeliveryStatus.QUEUED else None,
        )

    def _nobody(self, source: SourceRecord, intent: NotificationIntent) -> Delivery:
        """A closed delivery to nobody, for the log: the event named no person to tell."""
        log.info(
            "delivery not sent",
            reason=NO_RECIPIENT,
            event_kind=intent.event_kind.value,
            source_id=source.dedupe_id,
        )
        return Delivery.plan(
            idempotency_key(source.dedupe_id, NOBODY, PERSON),
            source=source,
            event_kind=intent.event_kind.value,
            recipient_id=NOBODY,
            recipient_kind=intent.recipient_role.value,
            channel=intent.channels[0],
            urgent=intent.urgent,
            now=self._clock.now(),
            status=DeliveryStatus.SUPPRESSED,
            reason=NO_RECIPIENT,
        )

    def _webhook(self, source: SourceRecord, subscription_id: str) -> Delivery:
        return Delivery.plan(
            idempotency_key(source.dedupe_id, subscription_id, Channel.WEBHOOK),
            source=source,
            event_kind=source.type,
            recipient_id=subscription_id,
            recipient_kind=RecipientKind.INTEGRATOR.value,
            channel=Channel.WEBHOOK,
            urgent=False,
            now=self._clock.now(),
        )


def _named(intent: NotificationIntent, payload: dict[str, Any]) -> str | None:
    """The address the event names for this intent (trimmed), or None when it names none."""
    if intent.address_field is None:
        return None
    value = payload.get(intent.address_field)
    return (value.strip() or None) if isinstance(value, str) else None


def _cancel_keys(event_type: str, payload: dict[str, Any]) -> list[str]:
    match event_type:
        case SourceEvent.PAYMENT_DUE:
            return [
                invoice_key(str(payload["invoice_id"])),
                installment_key(str(payload["installment_id"])),
            ]
        case SourceEvent.TASK_OVERDUE:
            return [task_key(str(payload["task_id"]))]
    return []


async def cancel_pending(
    deliveries: DeliveryRepository, keys: Sequence[str], clock: Clock, *, reason: str = PAID
) -> int:
    """Cancel the messages still queued or deferred under `keys`; return how many.

    One already sent, failed or suppressed stays as it is: only pending ones change.
    """
    now = clock.now()
    cancelled = 0
    for pending in await deliveries.pending_with_keys(keys):
        outcome = await deliveries.update(pending.id, lambda d: d.cancel(reason, now))
        if outcome is not None and outcome[1]:
            cancelled += 1
    return cancelled
