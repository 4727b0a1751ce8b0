"""Invoices with installments: validation, reminder plan, payment allocation and discipline."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

from deals.domain.money import CurrencyMismatch, Money
from deals.domain.money import total as sum_money
from shared.kernel.reminders import ReminderKind
from shared.kernel.zones import local_date, require_aware, zone

# Fixed namespace so reminder ids are the same on every run and every replica.
_REMINDER_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:voronka:deals:invoice-reminder")
_SHARE_QUANTUM = Decimal("0.0001")
_DAYS_QUANTUM = Decimal("0.01")


class InvalidInvoice(ValueError):
    """An invoice whose installments or payments do not fit together; `problems` lists all."""

    def __init__(self, invoice_id: str, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__(f"invoice {invoice_id}: " + "; ".join(self.problems))


class Overpayment(ValueError):
    """A payment larger than what is still due on the invoice."""


@dataclass(frozen=True, slots=True)
class Installment:
    """One part of an invoice: number (1, 2, …), due date in the client's zone, amount."""

    number: int
    due_on: date
    amount: Money


@dataclass(frozen=True, slots=True)
class Payment:
    """Money received against an invoice at an instant."""

    amount: Money
    paid_at: datetime

    def __post_init__(self) -> None:
        require_aware(self.paid_at, "paid_at")
        if not self.amount.is_positive:
            raise ValueError("a payment amount must be positive")


def installment_problems(
    invoice_total: Money, installments: Sequence[Installment], issue_date: date
) -> tuple[str, ...]:
    """What is wrong with an installment plan; empty when it fits the invoice."""
    if not installments:
        return ("installments: at least one is required",)
    problems: list[str] = []
    if not invoice_total.is_positive:
        problems.append("total: must be positive")
    if [i.number for i in installments] != list(range(1, len(installments) + 1)):
        problems.append("installments: must be numbered 1, 2, … in order")
    currencies = {i.amount.currency for i in installments}
    if currencies != {invoice_total.currency}:
        problems.append(f"installments: must all be in {invoice_total.currency}")
    else:
        planned = sum_money((i.amount for i in installments), invoice_total.currency)
        if planned != invoice_total:
            problems.append(f"installments: add up to {planned}, not the total {invoice_total}")
    if any(not i.amount.is_positive for i in installments):
        problems.append("installments: every amount must be positive")
    dues = [i.due_on for i in installments]
    if any(later <= earlier for earlier, later in pairwise(dues)):
        problems.append("installments: due dates must be strictly increasing")
    if dues[0] < issue_date:
        problems.append("installments: a due date is before the issue date")
    return tuple(problems)


def even_installments(invoice_total: Money, due_dates: Sequence[date]) -> tuple[Installment, ...]:
    """Split a total evenly over the due dates; the first installments carry leftover kopecks."""
    parts = invoice_total.split(len(due_dates))
    return tuple(
        Installment(number=n, due_on=due, amount=amount)
        for n, (due, amount) in enumerate(zip(due_dates, parts, strict=True), start=1)
    )


@dataclass(frozen=True, slots=True)
class Invoice:
    """An issued invoice, its installment plan and the payments received so far.

    Dates (due dates, "on time") are read in `client_time_zone`. Construction refuses an
    inconsistent invoice with InvalidInvoice, so every Invoice in hand is valid.
    """

    id: str
    issued_at: datetime
    total: Money
    installments: tuple[Installment, ...]
    client_time_zone: str = "Europe/Moscow"
    payments: tuple[Payment, ...] = ()

    def __post_init__(self) -> None:
        require_aware(self.issued_at, "issued_at")
        zone(self.client_time_zone)
        object.__setattr__(self, "installments", tuple(self.installments))
        object.__setattr__(self, "payments", tuple(self.payments))
        problems = list(installment_problems(self.total, self.installments, self.issue_date))
        if any(p.amount.currency != self.total.currency for p in self.payments):
            problems.append(f"payments: must all be in {self.total.currency}")
        elif sum_money((p.amount for p in self.payments), self.total.currency) > self.total:
            problems.append("payments: add up to more than the total")
        if problems:
            raise InvalidInvoice(self.id, problems)

    @property
    def issue_date(self) -> date:
        """The issue date in the client's time zone."""
        return local_date(self.issued_at, self.client_time_zone)

    @property
    def paid(self) -> Money:
        """Everything received so far."""
        return sum_money((p.amount for p in self.payments), self.total.currency)

    @property
    def outstanding(self) -> Money:
        """What is still due on the whole invoice."""
        return self.total - self.paid

    def local_date(self, at: datetime) -> date:
        """The calendar date of an instant in the client's time zone."""
        return local_date(at, self.client_time_zone)


@dataclass(frozen=True, slots=True)
class InstallmentState:
    """How much of an installment is paid; `settled_at` is when it was paid in full."""

    installment: Installment
    paid: Money
    settled_at: datetime | None = None

    @property
    def outstanding(self) -> Money:
        """What is still due on this installment."""
        return self.installment.amount - self.paid

    @property
    def is_settled(self) -> bool:
        """Whether the installment is paid in full."""
        return self.settled_at is not None


def installment_states(
    invoice: Invoice, *, as_of: datetime | None = None
) -> tuple[InstallmentState, ...]:
    """Allocate payments (only those up to `as_of`, if given) to installments, earliest first.

    Payments are replayed in `paid_at` order, so an installment's `settled_at` is the
    moment the money covering it had all arrived, even if a payment was recorded late.
    """
    if as_of is not None:
        require_aware(as_of, "as_of")
    currency = invoice.total.currency
    states = [InstallmentState(i, Money.zero(currency)) for i in invoice.installments]
    payments = sorted(invoice.payments, key=lambda p: p.paid_at)
    for payment in payments:
        if as_of is not None and payment.paid_at > as_of:
            break
        left = payment.amount
        for index, state in enumerate(states):
            if left.is_zero:
                break
            if state.is_settled:
                continue
            share = min(left, state.outstanding)
            left = left - share
            paid = state.paid + share
            settled = payment.paid_at if paid == state.installment.amount else None
            states[index] = replace(state, paid=paid, settled_at=settled)
    return tuple(states)


@dataclass(frozen=True, slots=True)
class ReminderPolicy:
    """When reminders fire; days are calendar days in the client's zone, at `at` local time.

    A client is reminded at issue, at mid-term and before the due date, and no more often,
    so nobody is nagged; `days_after_due=None` switches the overdue reminder off.
    """

    days_before_due: int = 1
    days_after_due: int | None = 1
    at: time = time(10)

    def __post_init__(self) -> None:
        if self.days_before_due < 1:
            raise ValueError("days_before_due must be at least 1")
        if self.days_after_due is not None and self.days_after_due < 1:
            raise ValueError("days_after_due must be at least 1")
        if self.at.tzinfo is not None:
            raise ValueError("at is a local wall-clock time: no tzinfo")


@dataclass(frozen=True, slots=True)
class PlannedReminder:
    """A reminder to send about one installment; `fire_at` is an aware UTC instant."""

    id: uuid.UUID
    invoice_id: str
    installment_number: int
    kind: ReminderKind
    fire_at: datetime


def reminder_id(invoice_id: str, installment_number: int, kind: ReminderKind) -> uuid.UUID:
    """Deterministic id: replanning after a restart yields the same ids, so no double sends."""
    return uuid.uuid5(_REMINDER_NAMESPACE, f"{invoice_id}/{installment_number}/{kind.value}")


def _installment_reminders(
    invoice: Invoice, installment: Installment, policy: ReminderPolicy
) -> list[tuple[ReminderKind, datetime]]:
    tz = zone(invoice.client_time_zone)

    def local(day: date) -> datetime:
        return datetime.combine(day, policy.at, tzinfo=tz).astimezone(UTC)

    issued = invoice.issued_at.astimezone(UTC)
    before_due = local(installment.due_on - timedelta(days=policy.days_before_due))
    span = (installment.due_on - invoice.issue_date).days
    mid_term = local(invoice.issue_date + timedelta(days=span // 2))
    planned = [(ReminderKind.ON_ISSUE, issued)]
    if mid_term >= issued + timedelta(days=1) and mid_term < before_due:
        planned.append((ReminderKind.MID_TERM, mid_term))
    # A before-due moment already past at issue is dropped: the issue reminder covers it.
    if before_due > issued:
        planned.append((ReminderKind.DAY_BEFORE, before_due))
    if policy.days_after_due is not None:
        planned.append(
            (
                ReminderKind.OVERDUE,
                local(installment.due_on + timedelta(days=policy.days_after_due)),
            )
        )
    return planned


def plan_reminders(
    invoice: Invoice, policy: ReminderPolicy | None = None
) -> tuple[PlannedReminder, ...]:
    """Every installment's reminders, ordered by installment then time; payments ignored.

    ON_ISSUE fires at issue; MID_TERM at `policy.at` on the day halfway from the issue date to
    the due date, only if that is at least a day after issue and before the DAY_BEFORE one;
    DAY_BEFORE and OVERDUE at `policy.at` the configured days before/after the due date.
    Subtract `reminders_to_cancel` to get what should still go out.
    """
    rules = policy or ReminderPolicy()
    return tuple(
        PlannedReminder(
            id=reminder_id(invoice.id, installment.number, kind),
            invoice_id=invoice.id,
            installment_number=installment.number,
            kind=kind,
            fire_at=fire_at,
        )
        for installment in invoice.installments
        for kind, fire_at in _installment_reminders(invoice, installment, rules)
    )


def reminders_to_cancel(
    invoice: Invoice, policy: ReminderPolicy | None = None
) -> tuple[uuid.UUID, ...]:
    """Ids of the reminders of fully paid installments that fire after they were paid."""
    settled = {
        state.installment.number: state.settled_at
        for state in installment_states(invoice)
        if state.settled_at is not None
    }
    return tuple(
        reminder.id
        for reminder in plan_reminders(invoice, policy)
        if (paid_at := settled.get(reminder.installment_number)) is not None
        and reminder.fire_at > paid_at
    )


@dataclass(frozen=True, slots=True)
class Allocation:
    """The part of a payment that went to one installment."""

    installment_number: int
    amount: Money


@dataclass(frozen=True, slots=True)
class PaymentOutcome:
    """The invoice with the payment recorded, where the money went and what to cancel."""

    invoice: Invoice
    allocations: tuple[Allocation, ...]
    settled: tuple[int, ...]
    cancel_reminders: tuple[uuid.UUID, ...]


def apply_payment(
    invoice: Invoice, payment: Payment, policy: ReminderPolicy | None = None
) -> PaymentOutcome:
    """Record a payment: it covers the earliest unpaid installments first; partial is fine.

    Raises CurrencyMismatch for another currency and Overpayment for more than is due:
    money above the invoice is a refund or an advance, which a person has to decide about.
    """
    if payment.amount.currency != invoice.total.currency:
        raise CurrencyMismatch(
            f"invoice {invoice.id} is in {invoice.total.currency}, "
            f"the payment is in {payment.amount.currency}"
        )
    if payment.amount > invoice.outstanding:
        raise Overpayment(
            f"invoice {invoice.id}: a payment of {payment.amount} exceeds "
            f"the {invoice.outstanding} still due"
        )
    before = installment_states(invoice)
    updated = replace(invoice, payments=(*invoice.payments, payment))
    after = installment_states(updated)
    allocations = tuple(
        Allocation(new.installment.number, new.paid - old.paid)
        for old, new in zip(before, after, strict=True)
        if new.paid != old.paid
    )
    settled = tuple(
        new.installment.number
        for old, new in zip(before, after, strict=True)
        if new.is_settled and not old.is_settled
    )
    cancel = frozenset(reminders_to_cancel(updated, policy)) - frozenset(
        reminders_to_cancel(invoice, policy)
    )
    ordered = tuple(r.id for r in plan_reminders(updated, policy) if r.id in cancel)
    return PaymentOutcome(
        invoice=updated, allocations=allocations, settled=settled, cancel_reminders=ordered
    )


@dataclass(frozen=True, slots=True)
class PaymentDiscipline:
    """How a client pays: of installments due so far, the share paid in full on time.

    `share_on_time` (4 places) and `average_days_late` (2 places, on-time ones count as 0)
    are None when nothing has fallen due yet: no history is not a perfect record.
    """

    installments_due: int
    paid_on_time: int
    share_on_time: Decimal | None
    average_days_late: Decimal | None


def payment_discipline(invoices: Iterable[Invoice], *, as_of: datetime) -> PaymentDiscipline:
    """Timeliness derived from a client's invoices and payments as they stood at `as_of`.

    An installment is "due so far" once its due date is over (due date before today, in
    the client's zone), so a verdict never changes later. It is on time if paid in full by
    the end of its due date; days late count to full payment or, if unpaid, to today.
    """
    require_aware(as_of, "as_of")
    due = on_time = days_late = 0
    for invoice in invoices:
        today = invoice.local_date(as_of)
        for state in installment_states(invoice, as_of=as_of):
            due_on = state.installment.due_on
            if due_on >= today:
                continue
            due += 1
            if state.settled_at is None:
                days_late += (today - due_on).days
                continue
            late = (invoice.local_date(state.settled_at) - due_on).days
            if late <= 0:
                on_time += 1
            else:
                days_late += late
    if due == 0:
        return PaymentDiscipline(0, 0, None, None)
    return PaymentDiscipline(
        installments_due=due,
        paid_on_time=on_time,
        share_on_time=(Decimal(on_time) / due).quantize(_SHARE_QUANTUM, rounding=ROUND_HALF_UP),
        average_days_late=(Decimal(days_late) / due).quantize(
            _DAYS_QUANTUM, rounding=ROUND_HALF_UP
        ),
    )
