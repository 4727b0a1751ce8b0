"""Facts the reporting projections fold, and the small vocabulary every report shares."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import NamedTuple, TypeAlias, TypeVar

from shared.kernel.zones import local_date, require_aware, zone

DEFAULT_TIME_ZONE = "Europe/Moscow"
RATIO_QUANTUM = Decimal("0.0001")
MONEY_QUANTUM = Decimal("0.01")


def _require_amount(value: Decimal, name: str) -> None:
    # Floats are inexact before we see them; a bool is an int by accident, not an amount.
    if not isinstance(value, Decimal) or not value.is_finite():
        raise TypeError(f"{name} must be a finite Decimal, got {value!r}")


class ActivityKind(StrEnum):
    """What a manager did (the values of the leads contracts)."""

    CALL = "call"
    EMAIL = "email"
    MESSAGE = "message"
    MEETING = "meeting"
    NOTE = "note"
    OBJECTION = "objection"


CONTACT_KINDS = frozenset(
    {ActivityKind.CALL, ActivityKind.EMAIL, ActivityKind.MESSAGE, ActivityKind.MEETING}
)
"""Kinds that are a contact with the client; a note or an objection records one, it is none."""


class StageKind(StrEnum):
    """What a pipeline stage means for reports; the service reads it from the pipeline."""

    OPEN = "open"
    WON = "won"
    LOST = "lost"


@dataclass(frozen=True, slots=True)
class LeadAssigned:
    """A new lead got its first owner; `manager_id` is None while it waits in the team queue."""

    lead_id: str
    channel: str
    source: str
    manager_id: str | None
    team: str | None
    received_at: datetime
    assigned_at: datetime

    def __post_init__(self) -> None:
        require_aware(self.received_at, "received_at")
        require_aware(self.assigned_at, "assigned_at")


@dataclass(frozen=True, slots=True)
class LeadContacted:
    """The first contact with a lead; `response_seconds` is wall-clock time since arrival."""

    lead_id: str
    manager_id: str
    contacted_at: datetime
    response_seconds: int
    within_sla: bool

    def __post_init__(self) -> None:
        require_aware(self.contacted_at, "contacted_at")
        if self.response_seconds < 0:
            raise ValueError("response_seconds must not be negative")


@dataclass(frozen=True, slots=True)
class LeadSlaBreached:
    """The owner (None: the team queue) made no first contact before the deadline."""

    lead_id: str
    manager_id: str | None
    breached_at: datetime

    def __post_init__(self) -> None:
        require_aware(self.breached_at, "breached_at")


@dataclass(frozen=True, slots=True)
class LeadQualified:
    """A lead was confirmed as a real sales opportunity."""

    lead_id: str
    at: datetime

    def __post_init__(self) -> None:
        require_aware(self.at, "at")


@dataclass(frozen=True, slots=True)
class LeadConverted:
    """A lead became a deal owned by `manager_id`."""

    lead_id: str
    manager_id: str
    channel: str
    at: datetime

    def __post_init__(self) -> None:
        require_aware(self.at, "at")


@dataclass(frozen=True, slots=True)
class LeadDisqualified:
    """A lead was closed as no opportunity, with a reason code."""

    lead_id: str
    reason: str
    at: datetime

    def __post_init__(self) -> None:
        require_aware(self.at, "at")


@dataclass(frozen=True, slots=True)
class ActivityLogged:
    """A call, e-mail, message, meeting, note or objection on a lead, a deal or a client.

    A lead's activity names its `lead_id` (None when none was resolved); one the deals
    service recorded names its `deal_id` or `client_id`. `objection_category` says what an
    objection was about (None: no category given); the folds ignore it on other kinds.
    """

    activity_id: str
    lead_id: str | None
    manager_id: str
    kind: ActivityKind
    occurred_at: datetime
    deal_id: str | None = None
    client_id: str | None = None
    objection_category: str | None = None

    def __post_init__(self) -> None:
        require_aware(self.occurred_at, "occurred_at")
        object.__setattr__(self, "kind", ActivityKind(self.kind))


@dataclass(frozen=True, slots=True)
class TaskDone:
    """A task its assignee `manager_id` completed as done (a cancelled one is no fact)."""

    task_id: str
    manager_id: str
    done_at: datetime

    def __post_init__(self) -> None:
        require_aware(self.done_at, "done_at")


@dataclass(frozen=True, slots=True)
class TaskOverdue:
    """A task went past its due time while `manager_id` held it (told to the assignee)."""

    task_id: str
    manager_id: str
    overdue_at: datetime

    def __post_init__(self) -> None:
        require_aware(self.overdue_at, "overdue_at")


class DealLine(NamedTuple):
    """A line of a deal as it stood at a stage change: SKU (None: a free line), product name,
    quantity and the net amount the client pays for it, in `currency`."""

    sku: str | None
    product: str
    quantity: Decimal
    net: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class DealStageChanged:
    """A deal entered a stage (creation included); `to_stage_kind` comes from the pipeline.

    `expected_close_on` and `lines` are None when the event did not carry them (events sent
    before the deals service added them); a deal record stores them only when given.
    """

    deal_id: str
    pipeline_id: str
    from_stage: str | None
    to_stage: str
    to_stage_kind: StageKind
    changed_at: datetime
    amount: Decimal
    currency: str
    client_id: str | None
    manager_id: str
    lead_id: str | None = None
    channel: str | None = None
    lost_reason: str | None = None
    stage_probability: Decimal | None = None
    expected_close_on: date | None = None
    lines: tuple[DealLine, ...] | None = None

    def __post_init__(self) -> None:
        require_aware(self.changed_at, "changed_at")
        _require_amount(self.amount, "amount")
        object.__setattr__(self, "to_stage_kind", StageKind(self.to_stage_kind))
        if self.lines is not None:
            lines = tuple(DealLine(*line) for line in self.lines)
            for line in lines:
                _require_amount(line.quantity, "line quantity")
                _require_amount(line.net, "line net")
            object.__setattr__(self, "lines", lines)
        if self.stage_probability is not None:
            _require_amount(self.stage_probability, "stage_probability")
            if not 0 <= self.stage_probability <= 1:
                raise ValueError("stage_probability must be between 0 and 1")


class PlannedInstallment(NamedTuple):
    """One installment of an invoice: its id, due date (client's calendar) and amount."""

    installment_id: str
    due_on: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class InvoiceIssued:
    """An invoice and its installment plan (at least one installment)."""

    invoice_id: str
    deal_id: str
    client_id: str
    manager_id: str
    issued_at: datetime
    total: Decimal
    currency: str
    installments: tuple[PlannedInstallment, ...]

    def __post_init__(self) -> None:
        require_aware(self.issued_at, "issued_at")
        _require_amount(self.total, "total")
        plan = tuple(PlannedInstallment(*installment) for installment in self.installments)
        if not plan:
            raise ValueError(f"invoice {self.invoice_id}: at least one installment is required")
        for installment in plan:
            _require_amount(installment.amount, "installment amount")
        object.__setattr__(self, "installments", plan)


@dataclass(frozen=True, slots=True)
class PaymentReceived:
    """Money received against an invoice, for one installment or (None) the earliest due."""

    payment_id: str
    invoice_id: str
    client_id: str
    amount: Decimal
    currency: str
    paid_at: datetime
    installment_id: str | None = None

    def __post_init__(self) -> None:
        require_aware(self.paid_at, "paid_at")
        _require_amount(self.amount, "amount")
        if self.amount < 0:
            raise ValueError("a payment amount must not be negative")


@dataclass(frozen=True, slots=True)
class ClaimRecorded:
    """A client's claim or complaint, by category."""

    claim_id: str
    client_id: str
    deal_id: str | None
    category: str
    at: datetime

    def __post_init__(self) -> None:
        require_aware(self.at, "at")


@dataclass(frozen=True, slots=True)
class DealReassigned:
    """An open deal changed hands: `manager_id` owns it from `at`."""

    deal_id: str
    manager_id: str
    at: datetime

    def __post_init__(self) -> None:
        require_aware(self.at, "at")


Fact: TypeAlias = (
    LeadAssigned
    | LeadContacted
    | LeadSlaBreached
    | LeadQualified
    | LeadConverted
    | LeadDisqualified
    | ActivityLogged
    | TaskDone
    | TaskOverdue
    | DealStageChanged
    | DealReassigned
    | InvoiceIssued
    | PaymentReceived
    | ClaimRecorded
)
"""Every fact a projection accepts; each projection ignores the kinds it does not need."""


@dataclass(frozen=True, slots=True)
class Period:
    """Local calendar days `[start, end)` in `time_zone`; a None bound leaves that side open."""

    start: date | None = None
    end: date | None = None
    time_zone: str = DEFAULT_TIME_ZONE

    def __post_init__(self) -> None:
        zone(self.time_zone)
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")

    def contains(self, at: datetime) -> bool:
        """Whether the instant falls on a day of the period, read in the period's zone."""
        return self.contains_day(local_date(at, self.time_zone))

    def contains_day(self, day: date) -> bool:
        """Whether the calendar day is one of the period's."""
        return (self.start is None or self.start <= day) and (self.end is None or day < self.end)

    def before(self) -> Period:
        """The period of the same length that ends where this one starts."""
        if self.start is None or self.end is None:
            raise ValueError("only a bounded period has a period before it")
        return Period(self.start - (self.end - self.start), self.start, self.time_zone)


def within(at: datetime, period: Period | None) -> bool:
    """Whether the instant is in the period; no period means any time."""
    return period is None or period.contains(at)


def not_after(at: datetime, as_of: datetime | None) -> bool:
    """Whether a fact of that time was already true at `as_of` (inclusive; None: all facts)."""
    return as_of is None or at <= as_of


def to_text(at: datetime) -> str:
    """An instant as stored in a state: ISO 8601 in UTC."""
    require_aware(at, "at")
    return at.astimezone(UTC).isoformat()


def from_text(text: str) -> datetime:
    """An instant read back from a state."""
    at = datetime.fromisoformat(text)
    require_aware(at, "stored instant")
    return at


def amount_text(amount: Decimal) -> str:
    """A decimal as stored in a state: fixed point, never an exponent, never "-0"."""
    return format(amount.copy_abs() if amount.is_zero() else amount, "f")


def ratio(part: int, whole: int) -> Decimal | None:
    """`part / whole` to 4 places (half-up); None when `whole` is 0, not a made-up 0 or 1."""
    if whole == 0:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(RATIO_QUANTUM, rounding=ROUND_HALF_UP)


def money(amount: Decimal) -> Decimal:
    """A computed amount (an average, a weighted sum) rounded half-up to 2 places."""
    return amount.quantize(MONEY_QUANTUM, rounding=ROUND_HALF_UP)


def ranked(counts: Counter[str]) -> dict[str, int]:
    """Counts most frequent first, ties in name order, so the output is stable."""
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def add_amount(sums: dict[str, Decimal], currency: str, amount: Decimal) -> None:
    """Add to a per-currency sum in place (report building only, never on a state)."""
    sums[currency] = sums.get(currency, Decimal(0)) + amount


Measure = TypeVar("Measure", Decimal, timedelta)


def median(values: Sequence[Measure]) -> Measure | None:
    """The middle value; with an even count the mean of the two middle ones; None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def nearest_rank(values: Sequence[Measure], percent: int) -> Measure | None:
    """Percentile by the nearest-rank method: the value at rank ceil(percent/100 * n).

    Always an observed value, never an interpolation: p90 of ten deals is the 9th fastest.
    """
    if not 0 < percent <= 100:
        raise ValueError("percent must be in (0, 100]")
    if not values:
        return None
    ordered = sorted(values)
    rank = -(-percent * len(ordered) // 100)
    return ordered[rank - 1]


Entry = TypeVar("Entry", bound=Mapping[str, object])


def entry_order(entry: Mapping[str, object]) -> tuple[datetime, str]:
    """Sort key of a stored entry: its `at`, then its canonical JSON to break ties."""
    return from_text(str(entry["at"])), json.dumps(entry, sort_keys=True, ensure_ascii=False)


def earliest(current: Entry | None, candidate: Entry) -> Entry:
    """The earlier of two entries for one slot; a tie goes to the smaller canonical JSON.

    A total order on the entries themselves makes the choice independent of arrival order
    and re-applying the same entry a no-op.
    """
    if current is None or entry_order(candidate) < entry_order(current):
        return candidate
    return current


def with_entry(entries: Sequence[Entry], entry: Entry) -> list[Entry]:
    """A new list with the entry added unless already there, kept in `entry_order`."""
    if entry in entries:
        return list(entries)
    return sorted([*entries, entry], key=entry_order)
