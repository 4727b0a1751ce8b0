"""Notification vocabulary: channels, delivery statuses, recipients and idempotency keys."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum

from shared.kernel.zones import is_zone


class Channel(StrEnum):
    """How a notification travels to its recipient."""

    EMAIL = "email"
    SMS = "sms"
    MESSENGER = "messenger"
    WEBHOOK = "webhook"


class DeliveryStatus(StrEnum):
    """Where one delivery stands; `is_terminal` tells whether it can still change."""

    QUEUED = "queued"
    DEFERRED = "deferred"
    SENT = "sent"
    FAILED = "failed"
    SUPPRESSED = "suppressed"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        """Whether nothing more will happen to a delivery in this status."""
        return self not in (DeliveryStatus.QUEUED, DeliveryStatus.DEFERRED)


class RecipientKind(StrEnum):
    """Who a recipient is to the business; contact-pressure limits depend on it."""

    CLIENT = "client"
    MANAGER = "manager"
    HEAD_OF_SALES = "head_of_sales"
    INTEGRATOR = "integrator"


class EventKind(StrEnum):
    """What a built-in notification is about: `<event type>[:<variant>][:<audience>]`.

    The audience suffix is left out for the primary recipient of the event (the client for
    `payment.due` and `proposal.sent`, the manager for lead events and a proposal's answer,
    the assignee for `task.overdue`), so a template is found by kind, channel and locale
    alone. A meeting reminder reads the same to its organizer and to the colleagues
    attending, so it has no audience suffix at all.
    Custom templates may use other kinds; these are the ones the rules emit.
    """

    LEAD_ASSIGNED = "lead.assigned"
    LEAD_REASSIGNED = "lead.reassigned"
    LEAD_SLA_BREACHED = "lead.sla_breached"
    LEAD_SLA_ESCALATED = "lead.sla_breached:escalated"
    PAYMENT_ON_ISSUE = "payment.due:on_issue"
    PAYMENT_MID_TERM = "payment.due:mid_term"
    PAYMENT_DAY_BEFORE = "payment.due:day_before"
    PAYMENT_OVERDUE = "payment.due:overdue"
    PAYMENT_ON_ISSUE_MANAGER = "payment.due:on_issue:manager"
    PAYMENT_MID_TERM_MANAGER = "payment.due:mid_term:manager"
    PAYMENT_DAY_BEFORE_MANAGER = "payment.due:day_before:manager"
    PAYMENT_OVERDUE_MANAGER = "payment.due:overdue:manager"
    PAYMENT_OVERDUE_HEAD = "payment.due:overdue:head_of_sales"
    DEAL_WON = "deal.stage_changed:won"
    DEAL_LOST = "deal.stage_changed:lost"
    CONTRACT_RENEWAL_DUE = "contract.renewal_due"
    CADENCE_HOT = "client.segment_changed:hot"
    CADENCE_WARM = "client.segment_changed:warm"
    CADENCE_SLEEPING = "client.segment_changed:sleeping"
    TASK_OVERDUE = "task.overdue"
    TASK_OVERDUE_TEAM_LEAD = "task.overdue:team_lead"
    MEETING_REMINDER_DUE = "meeting.reminder_due"
    PROPOSAL_SENT = "proposal.sent"
    PROPOSAL_ACCEPTED = "proposal.accepted"
    PROPOSAL_DECLINED = "proposal.declined"


class Locale(StrEnum):
    """Language of the texts a recipient gets."""

    RU = "ru"
    EN = "en"


@dataclass(frozen=True, slots=True)
class Recipient:
    """A person or system to notify, with an address per channel (None = not reachable there).

    Addresses are left out of `repr` so that logging a recipient never logs personal data.
    """

    id: str
    kind: RecipientKind
    locale: Locale = Locale.RU
    time_zone: str = "Europe/Moscow"
    email: str | None = field(default=None, repr=False)
    phone: str | None = field(default=None, repr=False)
    messenger_chat_id: str | None = field(default=None, repr=False)
    webhook_url: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("a recipient needs a non-empty id")
        if not is_zone(self.time_zone):
            raise ValueError(f"recipient {self.id}: unknown time zone {self.time_zone!r}")

    def address(self, channel: Channel) -> str | None:
        """The recipient's address on `channel`, or None when they cannot be reached there."""
        match channel:
            case Channel.EMAIL:
                value = self.email
            case Channel.SMS:
                value = self.phone
            case Channel.MESSENGER:
                value = self.messenger_chat_id
            case Channel.WEBHOOK:
                value = self.webhook_url
        return value or None

    def first_reachable(self, preferences: Iterable[Channel]) -> Channel | None:
        """The first channel of `preferences` the recipient has an address on."""
        return next((c for c in preferences if self.address(c) is not None), None)


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

    @classmethod
    def unlisted(cls, recipient_id: str, kind: RecipientKind, email: str) -> RecipientProfile:
        """Someone the directory does not list, reached at the address an event named.

        The directory's defaults hold (Russian texts, Moscow time for quiet hours); nothing
        is known of their consent, so nothing is opted out; they have no name.
        """
        return cls(Recipient(id=recipient_id, kind=kind, email=email))

    def addressed(self, email: str) -> RecipientProfile:
        """The same person reached at `email` instead of the directory's e-mail address.

        Everything else stays: their language, zone, consent (an opt-out of e-mail still
        holds) and preferences.
        """
        return replace(self, recipient=replace(self.recipient, email=email))


@dataclass(frozen=True, slots=True)
class RecipientSettings:
    """A directory entry as it was set: who the recipient is, addresses, consent, preferences."""

    kind: RecipientKind
    name: str | None = field(default=None, repr=False)
    locale: Locale = Locale.RU
    time_zone: str = "Europe/Moscow"
    email: str | None = field(default=None, repr=False)
    phone: str | None = field(default=None, repr=False)
    messenger_chat_id: str | None = field(default=None, repr=False)
    opted_out: tuple[Channel, ...] = ()
    preferred_channels: tuple[Channel, ...] = ()

    def profile(self, recipient_id: str) -> RecipientProfile:
        """The recipient these settings describe, as the triggers and the dispatcher see them."""
        return RecipientProfile(
            recipient=Recipient(
                id=recipient_id,
                kind=self.kind,
                locale=self.locale,
                time_zone=self.time_zone,
                email=self.email,
                phone=self.phone,
                messenger_chat_id=self.messenger_chat_id,
            ),
            name=self.name or "",
            opted_out=frozenset(self.opted_out),
            preferred=self.preferred_channels,
        )


MAX_EMAIL_CHARS = 254
"""The longest e-mail address SMTP carries (RFC 5321's path limit less its brackets)."""
_ADDRESS_PART = r"[^@\s<>()\[\],;:\\\"]+"
_EMAIL = re.compile(rf"{_ADDRESS_PART}@{_ADDRESS_PART}\.{_ADDRESS_PART}")


def is_email_address(value: object) -> bool:
    """Whether `value` looks like one bare e-mail address (`local@domain.tld`, no display name,
    no list, no line break), short enough for SMTP."""
    return (
        isinstance(value, str) and len(value) <= MAX_EMAIL_CHARS and bool(_EMAIL.fullmatch(value))
    )


def address_recipient_id(email: str) -> str:
    """The recipient id of someone known only by the e-mail address an event named.

    A digest of the address, so the id (which the log, the logs and `notification.sent`
    show) holds no address, while the contact caps still count messages per address.
    """
    digest = hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()
    return f"email:{digest[:32]}"


PERSON = "person"
"""The route of every delivery to a person, whatever channel their profile picks."""


def idempotency_key(source_event_id: str, recipient_id: str, route: str) -> str:
    """Deterministic key of one delivery: the same event, recipient and route give the same key.

    `route` is `PERSON` for people and `Channel.WEBHOOK` for integrators. The channel a person
    is reached on is chosen from their profile when the delivery is planned, so it is not part
    of the key: a redelivered event after the profile changed (SMS instead of e-mail) finds the
    same delivery instead of messaging the person again on the new channel. Pass the business
    id of what is notified about when a producer may republish it under a new event id (for
    `payment.due`, the `reminder_id`). One person holding two roles for the same event (a
    manager who is also head of sales) gets one message: the first intent to claim it wins.
    """
    parts = (source_event_id, recipient_id, str(route))
    if not all(parts):
        raise ValueError("source_event_id, recipient_id and route must all be non-empty")
    # Length-prefixing keeps ("a:b", "c") and ("a", "b:c") apart whatever characters ids hold.
    material = "".join(f"{len(part)}:{part};" for part in parts)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()
