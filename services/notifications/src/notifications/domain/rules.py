"""Trigger rules: which notifications an incoming event calls for, to whom, and how urgently.

Events arrive as a type string and a plain mapping of payload fields (the service layer
translates contract events into them). Fields each rule reads:

| event type               | payload fields                                                  |
|--------------------------|-----------------------------------------------------------------|
| `lead.assigned`          | none (the manager is the new assignee)                          |
| `lead.reassigned`        | none (the manager is the new assignee)                          |
| `lead.sla_breached`      | `escalated` (bool, default false)                               |
| `payment.due`            | `kind`: `on_issue`, `mid_term`, `day_before` or `overdue`       |
| `deal.stage_changed`     | `to_stage_kind` (`won`, `lost`, anything else or absent) and,   |
|                          | for won/lost, `amount` as `{"amount": "<decimal>", "currency"}` |
| `client.segment_changed` | `to_segment`: `hot`, `warm`, `sleeping` (others notify nobody)  |
| `contract.renewal_due`   | none                                                            |
| `task.overdue`           | `level`: `assignee` or `team_lead`; the person is the event's   |
|                          | `notify_person_id` (none when the team has no lead)             |
| `meeting.reminder_due`   | none; the people are `organizer_id`, then each of `staff_ids`   |
| `proposal.sent`          | `accept_url`, `decline_url` (http or https); the client, by     |
|                          | e-mail only, at `recipient_email` when the event names one      |
| `proposal.accepted`      | none (the manager is `manager_id`)                              |
| `proposal.declined`      | none (the manager is `manager_id`)                              |

Unknown event types call for nothing. `recipient_role` names a role; the service layer
resolves it to a person (the event's manager or client, the team's head of sales), unless
the intent's `person_field` names the payload field that holds the person (or, for a
list field, the people). An intent's `address_field` names the payload field that may hold
the e-mail address to use instead of the directory's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from types import MappingProxyType
from typing import TypeVar

from notifications.domain.model import Channel, EventKind, RecipientKind
from shared.contracts.events.tasks import OverdueLevel
from shared.kernel.reminders import ReminderKind


class SourceEvent(StrEnum):
    """Event types the rules react to (the same strings as the Kafka topics)."""

    LEAD_ASSIGNED = "lead.assigned"
    LEAD_REASSIGNED = "lead.reassigned"
    LEAD_SLA_BREACHED = "lead.sla_breached"
    PAYMENT_DUE = "payment.due"
    DEAL_STAGE_CHANGED = "deal.stage_changed"
    CLIENT_SEGMENT_CHANGED = "client.segment_changed"
    CONTRACT_RENEWAL_DUE = "contract.renewal_due"
    TASK_OVERDUE = "task.overdue"
    MEETING_REMINDER_DUE = "meeting.reminder_due"
    PROPOSAL_SENT = "proposal.sent"
    PROPOSAL_ACCEPTED = "proposal.accepted"
    PROPOSAL_DECLINED = "proposal.declined"


class Segment(StrEnum):
    """Client segments that come with a contact cadence for the manager."""

    HOT = "hot"
    WARM = "warm"
    SLEEPING = "sleeping"


class RuleInputError(ValueError):
    """A payload lacks or mistypes a field a rule needs; the message never quotes values."""


@dataclass(frozen=True, slots=True)
class NotificationIntent:
    """One notification an event calls for: what about, to which role, over which channels.

    `person_field` is set when the event itself names the person to tell (`task.overdue`'s
    `notify_person_id`): the service layer then reads that field instead of resolving the
    role, and an empty field is recorded as a delivery to nobody rather than skipped. A list
    field (`meeting.reminder_due`'s `staff_ids`) names everyone in it; an empty list is a
    meeting without colleagues, and nothing is recorded for it.

    `address_field` is set when the event may name the e-mail address to send to
    (`proposal.sent`'s `recipient_email`): that address is used instead of the directory's.
    """

    event_kind: EventKind
    recipient_role: RecipientKind
    channels: tuple[Channel, ...]
    urgent: bool = False
    person_field: str | None = None
    address_field: str | None = None


DEFAULT_CHANNELS: Mapping[RecipientKind, tuple[Channel, ...]] = MappingProxyType(
    {
        # E-mail first for clients: a reminder about an invoice belongs with the invoice;
        # SMS is last because it costs money per message.
        RecipientKind.CLIENT: (Channel.EMAIL, Channel.MESSENGER, Channel.SMS),
        RecipientKind.MANAGER: (Channel.MESSENGER, Channel.EMAIL, Channel.SMS),
        RecipientKind.HEAD_OF_SALES: (Channel.EMAIL, Channel.MESSENGER),
        RecipientKind.INTEGRATOR: (Channel.WEBHOOK,),
    }
)


@dataclass(frozen=True, slots=True)
class RuleConfig:
    """Team settings of the rules.

    - `deal_thresholds`: minimum amount per currency for a won/lost deal to reach the head of
      sales; currencies not listed use `default_deal_threshold` (0: every won/lost deal),
      because amounts in different currencies cannot be compared without a rate.
    - `notify_client_when_overdue`: off by default. The documents allow three reminders per
      installment (on issue, mid-term, the day before) "and not more"; an overdue payment
      goes to the manager and the head of sales, who talk to the client in person.
    - `copy_manager_on_reminders`: the manager gets a copy of each client reminder.
    """

    deal_thresholds: Mapping[str, Decimal] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )
    default_deal_threshold: Decimal = Decimal(0)
    notify_client_when_overdue: bool = False
    copy_manager_on_reminders: bool = True
    channels: Mapping[RecipientKind, tuple[Channel, ...]] = field(
        default_factory=lambda: DEFAULT_CHANNELS, hash=False
    )

    def __post_init__(self) -> None:
        # Copy and freeze so a caller mutating its dict cannot change a frozen config.
        object.__setattr__(self, "deal_thresholds", MappingProxyType(dict(self.deal_thresholds)))
        object.__setattr__(self, "channels", MappingProxyType(dict(self.channels)))

    def deal_threshold(self, currency: str) -> Decimal:
        """The amount from which a won/lost deal in `currency` is reported to the head."""
        return self.deal_thresholds.get(currency, self.default_deal_threshold)


_CLIENT_REMINDER = {
    ReminderKind.ON_ISSUE: EventKind.PAYMENT_ON_ISSUE,
    ReminderKind.MID_TERM: EventKind.PAYMENT_MID_TERM,
    ReminderKind.DAY_BEFORE: EventKind.PAYMENT_DAY_BEFORE,
    ReminderKind.OVERDUE: EventKind.PAYMENT_OVERDUE,
}
_MANAGER_REMINDER = {
    ReminderKind.ON_ISSUE: EventKind.PAYMENT_ON_ISSUE_MANAGER,
    ReminderKind.MID_TERM: EventKind.PAYMENT_MID_TERM_MANAGER,
    ReminderKind.DAY_BEFORE: EventKind.PAYMENT_DAY_BEFORE_MANAGER,
    ReminderKind.OVERDUE: EventKind.PAYMENT_OVERDUE_MANAGER,
}
_CADENCE = {
    Segment.HOT: EventKind.CADENCE_HOT,
    Segment.WARM: EventKind.CADENCE_WARM,
    Segment.SLEEPING: EventKind.CADENCE_SLEEPING,
}
_DEAL_OUTCOMES = {"won": EventKind.DEAL_WON, "lost": EventKind.DEAL_LOST}
_TASK_OVERDUE = {
    OverdueLevel.ASSIGNEE: EventKind.TASK_OVERDUE,
    OverdueLevel.TEAM_LEAD: EventKind.TASK_OVERDUE_TEAM_LEAD,
}
TASK_OVERDUE_PERSON = "notify_person_id"
"""The field of `task.overdue` naming who is told: the assignee, then their team lead."""
MEETING_ORGANIZER = "organizer_id"
"""The field of `meeting.reminder_due` naming the manager who holds the meeting."""
MEETING_STAFF = "staff_ids"
"""The field of `meeting.reminder_due` listing the colleagues attending it."""
PROPOSAL_ADDRESS = "recipient_email"
"""The field of `proposal.sent` naming the address the manager chose, if any."""
PROPOSAL_LINKS = ("accept_url", "decline_url")
"""The fields of `proposal.sent` holding the links by which the client answers."""
UNCAPPED_KINDS = frozenset({EventKind.PROPOSAL_SENT.value})
"""Messages a manager sends on purpose, which the daily and weekly caps do not ration."""
PROPOSAL_CHANNELS = (Channel.EMAIL,)
"""A proposal travels by e-mail only: its PDF goes as an attachment, which SMS and
messengers do not carry, and a proposal without its document would be half of one."""

_E = TypeVar("_E", bound=StrEnum)


def _enum_field(payload: Mapping[str, object], name: str, enum: type[_E]) -> _E:
    value = payload.get(name)
    if not isinstance(value, str):
        raise RuleInputError(f"payload field {name!r} is missing or not a string")
    try:
        return enum(value)
    except ValueError:
        raise RuleInputError(f"payload field {name!r} has an unknown value") from None


def _flag(payload: Mapping[str, object], name: str) -> bool:
    value = payload.get(name, False)
    if not isinstance(value, bool):
        raise RuleInputError(f"payload field {name!r} must be a boolean")
    return value


def _money(payload: Mapping[str, object], name: str) -> tuple[Decimal, str]:
    money = payload.get(name)
    if not isinstance(money, Mapping):
        raise RuleInputError(f"payload field {name!r} must be an object with amount and currency")
    amount, currency = money.get("amount"), money.get("currency")
    if isinstance(amount, bool | float) or not isinstance(amount, str | int | Decimal):
        raise RuleInputError(f"payload field {name!r}: amount must be a Decimal string")
    if not isinstance(currency, str):
        raise RuleInputError(f"payload field {name!r}: currency must be a string")
    try:
        value = Decimal(amount)
    except InvalidOperation:
        raise RuleInputError(f"payload field {name!r}: amount is not a decimal number") from None
    if not value.is_finite():
        raise RuleInputError(f"payload field {name!r}: amount must be finite")
    return value, currency


class _Intents:
    """Collects intents with each role's channel preferences from the config."""

    def __init__(self, config: RuleConfig) -> None:
        self._config = config
        self.items: list[NotificationIntent] = []

    def add(
        self,
        kind: EventKind,
        role: RecipientKind,
        *,
        urgent: bool = False,
        person_field: str | None = None,
        channels: tuple[Channel, ...] | None = None,
        address_field: str | None = None,
    ) -> None:
        if channels is None:
            channels = self._config.channels.get(role, DEFAULT_CHANNELS[role])
        self.items.append(
            NotificationIntent(kind, role, channels, urgent, person_field, address_field)
        )


def _payment_due(payload: Mapping[str, object], config: RuleConfig, out: _Intents) -> None:
    kind = _enum_field(payload, "kind", ReminderKind)
    overdue = kind is ReminderKind.OVERDUE
    if not overdue or config.notify_client_when_overdue:
        out.add(_CLIENT_REMINDER[kind], RecipientKind.CLIENT)
    if overdue or config.copy_manager_on_reminders:
        out.add(_MANAGER_REMINDER[kind], RecipientKind.MANAGER)
    if overdue:
        out.add(EventKind.PAYMENT_OVERDUE_HEAD, RecipientKind.HEAD_OF_SALES)


def _deal_stage_changed(payload: Mapping[str, object], config: RuleConfig, out: _Intents) -> None:
    outcome = _DEAL_OUTCOMES.get(str(payload.get("to_stage_kind")))
    if outcome is None:
        return
    amount, currency = _money(payload, "amount")
    if amount >= config.deal_threshold(currency):
        out.add(outcome, RecipientKind.HEAD_OF_SALES)


def _segment_changed(payload: Mapping[str, object], out: _Intents) -> None:
    segment = payload.get("to_segment")
    if not isinstance(segment, str):
        raise RuleInputError("payload field 'to_segment' is missing or not a string")
    if segment in _CADENCE:
        out.add(_CADENCE[Segment(segment)], RecipientKind.MANAGER)


def _task_overdue(payload: Mapping[str, object], out: _Intents) -> None:
    # A team lead is a manager to this service (the directory makes everyone but the head
    # of sales one), so both levels travel the way staff messages do.
    level = _enum_field(payload, "level", OverdueLevel)
    out.add(_TASK_OVERDUE[level], RecipientKind.MANAGER, person_field=TASK_OVERDUE_PERSON)


def _meeting_reminder_due(out: _Intents) -> None:
    # The organizer first, so an organizer also listed among the staff is told once; the
    # staff are managers to this service too (a head of sales attending gets the same text).
    for people in (MEETING_ORGANIZER, MEETING_STAFF):
        out.add(
            EventKind.MEETING_REMINDER_DUE, RecipientKind.MANAGER, urgent=True, person_field=people
        )


def _proposal_sent(payload: Mapping[str, object], out: _Intents) -> None:
    # The links go into an e-mail as they are: anything but a web address (javascript:,
    # data:) is refused here, before it could reach a client.
    for name in PROPOSAL_LINKS:
        link = payload.get(name)
        if not isinstance(link, str) or not link.lower().startswith(("https://", "http://")):
            raise RuleInputError(f"payload field {name!r} must be an http(s) URL")
    out.add(
        EventKind.PROPOSAL_SENT,
        RecipientKind.CLIENT,
        channels=PROPOSAL_CHANNELS,
        address_field=PROPOSAL_ADDRESS,
    )


def intents_for(
    event_type: str, payload: Mapping[str, object], config: RuleConfig | None = None
) -> list[NotificationIntent]:
    """The notifications an event calls for, in order: primary recipient first.

    Lead events are urgent (the response SLA is running, and leads are only assigned to
    managers on shift), and so is a meeting reminder: deals sends it `remind_before` the
    start (60 minutes by default), so held until 09:00 it would come after a meeting at
    08:30 had begun, and short of its notice for any until 10:00; a reminder of a meeting
    one attends is no unwanted contact (an opt-out still wins). Everything else waits for
    the recipient's waking hours, an overdue task included: it is already late, and a night
    message would not make it less so. A proposal is no exception: it reaches the client
    within their contact caps and waking hours like any client message, and its answer
    reaches the manager as other staff messages do.
    """
    rules = config if config is not None else RuleConfig()
    out = _Intents(rules)
    match event_type:
        case SourceEvent.LEAD_ASSIGNED:
            out.add(EventKind.LEAD_ASSIGNED, RecipientKind.MANAGER, urgent=True)
        case SourceEvent.LEAD_REASSIGNED:
            out.add(EventKind.LEAD_REASSIGNED, RecipientKind.MANAGER, urgent=True)
        case SourceEvent.LEAD_SLA_BREACHED:
            out.add(EventKind.LEAD_SLA_BREACHED, RecipientKind.MANAGER, urgent=True)
            if _flag(payload, "escalated"):
                out.add(EventKind.LEAD_SLA_ESCALATED, RecipientKind.HEAD_OF_SALES, urgent=True)
        case SourceEvent.PAYMENT_DUE:
            _payment_due(payload, rules, out)
        case SourceEvent.DEAL_STAGE_CHANGED:
            _deal_stage_changed(payload, rules, out)
        case SourceEvent.CLIENT_SEGMENT_CHANGED:
            _segment_changed(payload, out)
        case SourceEvent.CONTRACT_RENEWAL_DUE:
            out.add(EventKind.CONTRACT_RENEWAL_DUE, RecipientKind.MANAGER)
        case SourceEvent.TASK_OVERDUE:
            _task_overdue(payload, out)
        case SourceEvent.MEETING_REMINDER_DUE:
            _meeting_reminder_due(out)
        case SourceEvent.PROPOSAL_SENT:
            _proposal_sent(payload, out)
        case SourceEvent.PROPOSAL_ACCEPTED:
            out.add(EventKind.PROPOSAL_ACCEPTED, RecipientKind.MANAGER)
        case SourceEvent.PROPOSAL_DECLINED:
            out.add(EventKind.PROPOSAL_DECLINED, RecipientKind.MANAGER)
    return out.items
