"""Receivables projection: invoiced vs paid, overdue installments by age, payment discipline."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import TypedDict

from reporting.domain.facts import (
    DEFAULT_TIME_ZONE,
    Fact,
    InvoiceIssued,
    PaymentReceived,
    Period,
    add_amount,
    amount_text,
    earliest,
    from_text,
    not_after,
    ratio,
    to_text,
    within,
)
from shared.kernel.zones import local_date, require_aware

_DAYS_QUANTUM = Decimal("0.01")


class InstallmentEntry(TypedDict):
    """One planned installment; `due_on` is an ISO date."""

    installment_id: str
    due_on: str
    amount: str


class InvoiceEntry(TypedDict):
    """An issued invoice; installments in (due date, id) order."""

    at: str
    deal_id: str
    client_id: str
    manager_id: str
    total: str
    currency: str
    installments: list[InstallmentEntry]


class PaymentEntry(TypedDict):
    """A received payment."""

    at: str
    invoice_id: str
    client_id: str
    amount: str
    currency: str
    installment_id: str | None


class ReceivablesState(TypedDict):
    """Invoices by invoice id, payments by payment id."""

    invoices: dict[str, InvoiceEntry]
    payments: dict[str, PaymentEntry]


def empty_state() -> ReceivablesState:
    """A projection that has seen nothing."""
    return ReceivablesState(invoices={}, payments={})


def _invoice_entry(fact: InvoiceIssued) -> InvoiceEntry:
    plan = sorted(fact.installments, key=lambda i: (i.due_on, i.installment_id))
    return InvoiceEntry(
        at=to_text(fact.issued_at),
        deal_id=fact.deal_id,
        client_id=fact.client_id,
        manager_id=fact.manager_id,
        total=amount_text(fact.total),
        currency=fact.currency,
        installments=[
            InstallmentEntry(
                installment_id=i.installment_id,
                due_on=i.due_on.isoformat(),
                amount=amount_text(i.amount),
            )
            for i in plan
        ],
    )


def fold(state: ReceivablesState, facts: Iterable[Fact]) -> ReceivablesState:
    """Apply facts in turn, ignoring all but invoices and payments; the state is not changed.

    Order-tolerant: invoices and payments are stored apart, keyed by id (an id seen twice
    keeps its earliest version, ties by canonical JSON), and joined only at query time. A
    payment that arrives before its invoice waits and is allocated once the invoice is
    known; allocation replays payments in `paid_at` order, whatever order they came in.
    """
    invoices = dict(state["invoices"])
    payments = dict(state["payments"])
    for fact in facts:
        if isinstance(fact, InvoiceIssued):
            entry = _invoice_entry(fact)
            invoices[fact.invoice_id] = earliest(invoices.get(fact.invoice_id), entry)
        elif isinstance(fact, PaymentReceived):
            payment = PaymentEntry(
                at=to_text(fact.paid_at),
                invoice_id=fact.invoice_id,
                client_id=fact.client_id,
                amount=amount_text(fact.amount),
                currency=fact.currency,
                installment_id=fact.installment_id,
            )
            payments[fact.payment_id] = earliest(payments.get(fact.payment_id), payment)
    return ReceivablesState(invoices=invoices, payments=payments)


def apply(state: ReceivablesState, fact: Fact) -> ReceivablesState:
    """Apply one fact; the given state is not changed."""
    return fold(state, (fact,))


@dataclass(frozen=True, slots=True)
class Allocation:
    """The part of a payment that went to one installment."""

    payment_id: str
    installment_id: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class InstallmentStatus:
    """How much of an installment is paid; `settled_at` is when it was paid in full."""

    installment_id: str
    due_on: date
    amount: Decimal
    paid: Decimal
    settled_at: datetime | None

    @property
    def outstanding(self) -> Decimal:
        """What is still due on the installment."""
        return self.amount - self.paid


@dataclass(frozen=True, slots=True)
class InvoiceStatus:
    """An invoice with its payments allocated; `unallocated` is money beyond the plan."""

    invoice_id: str
    deal_id: str
    client_id: str
    manager_id: str
    issued_at: datetime
    total: Decimal
    currency: str
    installments: tuple[InstallmentStatus, ...]
    allocations: tuple[Allocation, ...]
    unallocated: Decimal

    @property
    def paid(self) -> Decimal:
        """Money allocated to installments."""
        return sum((a.amount for a in self.allocations), Decimal(0))

    @property
    def outstanding(self) -> Decimal:
        """What the client still owes on the invoice (never below zero)."""
        return max(self.total - self.paid, Decimal(0))


def allocate(
    invoice_id: str,
    invoice: InvoiceEntry,
    payments: Mapping[str, PaymentEntry],
    *,
    as_of: datetime | None = None,
) -> InvoiceStatus:
    """Allocate the invoice's payments received by `as_of` to its installments.

    Payments are replayed in (`paid_at`, payment id) order. One naming an installment pays
    that installment first; any rest, and payments naming none (or an unknown one), pay the
    earliest unpaid installments (due date, then id). Money beyond the plan is
    `unallocated`. Payments in another currency than the invoice are not allocated: they
    count as paid in their own currency only.
    """
    plan = invoice["installments"]
    amounts = [Decimal(i["amount"]) for i in plan]
    paid = [Decimal(0) for _ in plan]
    settled: list[datetime | None] = [None for _ in plan]
    position = {i["installment_id"]: index for index, i in enumerate(plan)}
    allocations: list[Allocation] = []
    unallocated = Decimal(0)
    mine = [
        (from_text(p["at"]), payment_id, p)
        for payment_id, p in payments.items()
        if p["invoice_id"] == invoice_id and p["currency"] == invoice["currency"]
    ]
    for paid_at, payment_id, payment in sorted(mine, key=lambda item: (item[0], item[1])):
        if not not_after(paid_at, as_of):
            continue
        left = Decimal(payment["amount"])
        order = list(range(len(plan)))
        target = position.get(payment["installment_id"] or "")
        if target is not None:
            order.remove(target)
            order.insert(0, target)
        for index in order:
            if left <= 0:
                break
            due = amounts[index] - paid[index]
            if due <= 0:
                continue
            share = min(left, due)
            left -= share
            paid[index] += share
            allocations.append(Allocation(payment_id, plan[index]["installment_id"], share))
            if paid[index] >= amounts[index]:
                settled[index] = paid_at
        unallocated += left
    return InvoiceStatus(
        invoice_id=invoice_id,
        deal_id=invoice["deal_id"],
        client_id=invoice["client_id"],
        manager_id=invoice["manager_id"],
        issued_at=from_text(invoice["at"]),
        total=Decimal(invoice["total"]),
        currency=invoice["currency"],
        installments=tuple(
            InstallmentStatus(
                installment_id=i["installment_id"],
                due_on=date.fromisoformat(i["due_on"]),
                amount=amounts[index],
                paid=paid[index],
                settled_at=settled[index],
            )
            for index, i in enumerate(plan)
        ),
        allocations=tuple(allocations),
        unallocated=unallocated,
    )


def invoice_statuses(
    state: ReceivablesState, *, as_of: datetime | None = None
) -> tuple[InvoiceStatus, ...]:
    """Every invoice issued by `as_of` with its payments allocated, in invoice id order."""
    by_invoice: dict[str, dict[str, PaymentEntry]] = {}
    for payment_id, payment in state["payments"].items():
        by_invoice.setdefault(payment["invoice_id"], {})[payment_id] = payment
    return tuple(
        allocate(invoice_id, invoice, by_invoice.get(invoice_id, {}), as_of=as_of)
        for invoice_id, invoice in sorted(state["invoices"].items())
        if not_after(from_text(invoice["at"]), as_of)
    )


@dataclass(frozen=True, slots=True)
class InvoicedVsPaid:
    """Invoiced and paid per currency, and what is still owed on the invoices counted."""

    invoiced: Mapping[str, Decimal]
    paid: Mapping[str, Decimal]
    outstanding: Mapping[str, Decimal]


def report_invoiced_vs_paid(
    state: ReceivablesState,
    *,
    as_of: datetime | None = None,
    period: Period | None = None,
    manager_id: str | None = None,
    client_id: str | None = None,
    currency: str | None = None,
) -> InvoicedVsPaid:
    """Invoices issued in `period` vs payments received in it, by `as_of`.

    `outstanding` is what remains unpaid at `as_of` on the invoices counted. The manager
    of a payment is its invoice's: with a manager filter a payment whose invoice is not
    known yet is left out. `currency` keeps invoices and payments in that currency.
    """
    invoiced: dict[str, Decimal] = {}
    outstanding: dict[str, Decimal] = {}
    managers: dict[str, str] = {}
    for status in invoice_statuses(state, as_of=as_of):
        managers[status.invoice_id] = status.manager_id
        if not (
            within(status.issued_at, period)
            and (manager_id is None or status.manager_id == manager_id)
            and (client_id is None or status.client_id == client_id)
            and (currency is None or status.currency == currency)
        ):
            continue
        add_amount(invoiced, status.currency, status.total)
        add_amount(outstanding, status.currency, status.outstanding)
    paid: dict[str, Decimal] = {}
    for payment in state["payments"].values():
        at = from_text(payment["at"])
        if not (
            not_after(at, as_of)
            and within(at, period)
            and (manager_id is None or managers.get(payment["invoice_id"]) == manager_id)
            and (client_id is None or payment["client_id"] == client_id)
            and (currency is None or payment["currency"] == currency)
        ):
            continue
        add_amount(paid, payment["currency"], Decimal(payment["amount"]))
    return InvoicedVsPaid(
        invoiced=dict(sorted(invoiced.items())),
        paid=dict(sorted(paid.items())),
        outstanding=dict(sorted(outstanding.items())),
    )


class AgeBucket(StrEnum):
    """Days past due of an overdue installment."""

    DAYS_1_30 = "1-30"
    DAYS_31_60 = "31-60"
    DAYS_61_90 = "61-90"
    OVER_90 = "90+"


def age_bucket(days_past_due: int) -> AgeBucket | None:
    """The bucket of an installment that many days past due; None when not overdue."""
    if days_past_due < 1:
        return None
    if days_past_due <= 30:
        return AgeBucket.DAYS_1_30
    if days_past_due <= 60:
        return AgeBucket.DAYS_31_60
    if days_past_due <= 90:
        return AgeBucket.DAYS_61_90
    return AgeBucket.OVER_90


@dataclass(frozen=True, slots=True)
class OverdueInstallment:
    """An installment not paid in full after its due date."""

    invoice_id: str
    client_id: str
    manager_id: str
    currency: str
    installment: InstallmentStatus
    days_past_due: int
    bucket: AgeBucket


@dataclass(frozen=True, slots=True)
class OverdueBucket:
    """Overdue installments of one age and what is outstanding on them, per currency."""

    bucket: AgeBucket
    installments: int
    outstanding: Mapping[str, Decimal]


def overdue_installments(
    state: ReceivablesState,
    *,
    as_of: datetime,
    time_zone: str = DEFAULT_TIME_ZONE,
    manager_id: str | None = None,
    client_id: str | None = None,
    currency: str | None = None,
) -> tuple[OverdueInstallment, ...]:
    """Installments with money outstanding at `as_of` whose due date is before that day.

    Days past due are calendar days from the due date to the day of `as_of` in `time_zone`:
    due on the 10th and unpaid on the 11th is 1 day past due. The filters are the invoice's.
    """
    require_aware(as_of, "as_of")
    today = local_date(as_of, time_zone)
    overdue: list[OverdueInstallment] = []
    for status in invoice_statuses(state, as_of=as_of):
        if not _invoice_kept(status, manager_id, client_id, currency):
            continue
        for installment in status.installments:
            days = (today - installment.due_on).days
            bucket = age_bucket(days)
            if bucket is None or installment.outstanding <= 0:
                continue
            overdue.append(
                OverdueInstallment(
                    invoice_id=status.invoice_id,
                    client_id=status.client_id,
                    manager_id=status.manager_id,
                    currency=status.currency,
                    installment=installment,
                    days_past_due=days,
                    bucket=bucket,
                )
            )
    return tuple(overdue)


def report_overdue(
    state: ReceivablesState,
    *,
    as_of: datetime,
    time_zone: str = DEFAULT_TIME_ZONE,
    manager_id: str | None = None,
    client_id: str | None = None,
    currency: str | None = None,
) -> tuple[OverdueBucket, ...]:
    """The four age buckets in order, empty ones included, so charts keep their axis."""
    found = overdue_installments(
        state,
        as_of=as_of,
        time_zone=time_zone,
        manager_id=manager_id,
        client_id=client_id,
        currency=currency,
    )
    counts: Counter[AgeBucket] = Counter()
    sums: dict[AgeBucket, dict[str, Decimal]] = {bucket: {} for bucket in AgeBucket}
    for item in found:
        counts[item.bucket] += 1
        add_amount(sums[item.bucket], item.currency, item.installment.outstanding)
    return tuple(
        OverdueBucket(bucket, counts[bucket], dict(sorted(sums[bucket].items())))
        for bucket in AgeBucket
    )


@dataclass(frozen=True, slots=True)
class PaymentDiscipline:
    """How a client pays: of installments due so far, the share paid in full on time.

    `share_on_time` (4 places) and `average_days_late` (2 places; on-time ones count 0,
    unpaid ones count until today) are None when nothing has fallen due: no history is not
    a perfect record.
    """

    client_id: str
    installments_due: int
    paid_on_time: int
    share_on_time: Decimal | None
    average_days_late: Decimal | None


def report_discipline(
    state: ReceivablesState,
    *,
    as_of: datetime,
    time_zone: str = DEFAULT_TIME_ZONE,
    manager_id: str | None = None,
    client_id: str | None = None,
) -> dict[str, PaymentDiscipline]:
    """Per client with an invoice issued by `as_of`, in client id order.

    An installment counts once its due date is over (before the day of `as_of` in
    `time_zone`), so a verdict never changes later; it is on time if the payment completing
    it arrived by the end of its due date in `time_zone`. `manager_id` counts only the
    invoices that manager issued (so a client shows how they pay that manager's invoices);
    `client_id` keeps that client.
    """
    require_aware(as_of, "as_of")
    today = local_date(as_of, time_zone)
    due: Counter[str] = Counter()
    on_time: Counter[str] = Counter()
    days_late: Counter[str] = Counter()
    clients: set[str] = set()
    for status in invoice_statuses(state, as_of=as_of):
        if not _invoice_kept(status, manager_id, client_id, None):
            continue
        client = status.client_id
        clients.add(client)
        for installment in status.installments:
            if installment.due_on >= today:
                continue
            due[client] += 1
            if installment.settled_at is None:
                days_late[client] += (today - installment.due_on).days
                continue
            late = (local_date(installment.settled_at, time_zone) - installment.due_on).days
            if late <= 0:
                on_time[client] += 1
            else:
                days_late[client] += late
    return {client: _discipline(client, due, on_time, days_late) for client in sorted(clients)}


def _invoice_kept(
    status: InvoiceStatus, manager_id: str | None, client_id: str | None, currency: str | None
) -> bool:
    return (
        (manager_id is None or status.manager_id == manager_id)
        and (client_id is None or status.client_id == client_id)
        and (currency is None or status.currency == currency)
    )


def _discipline(
    client: str, due: Counter[str], on_time: Counter[str], days_late: Counter[str]
) -> PaymentDiscipline:
    count = due[client]
    if count == 0:
        return PaymentDiscipline(client, 0, 0, None, None)
    return PaymentDiscipline(
        client_id=client,
        installments_due=count,
        paid_on_time=on_time[client],
        share_on_time=ratio(on_time[client], count),
        average_days_late=(Decimal(days_late[client]) / count).quantize(
            _DAYS_QUANTUM, rounding=ROUND_HALF_UP
        ),
    )
