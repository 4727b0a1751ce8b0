"""The invoice aggregate: issue with a reminder schedule, record payments, fire reminders."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from deals.domain.deal import wire_money
from deals.domain.deal_terms import DealTerms
from deals.domain.invoices import (
    Installment,
    InvalidInvoice,
    Invoice,
    Payment,
    PaymentOutcome,
    ReminderPolicy,
    apply_payment,
    even_installments,
    installment_states,
    plan_reminders,
    reminder_id,
)
from deals.domain.money import Money
from deals.domain.reminder_schedule import ReminderStatus, is_due, next_reminder_at
from shared.contracts.events.base import EventModel
from shared.contracts.events.invoicing import InstallmentTerms, InvoiceIssuedV1, PaymentReceivedV1
from shared.contracts.events.payment_due import PaymentDueV1, payment_reminder_id
from shared.kernel.aggregate import Aggregate
from shared.kernel.reminders import ReminderKind


class InvoiceStatus(StrEnum):
    """An invoice is open until everything is paid."""

    OPEN = "open"
    PAID = "paid"


def installment_id(invoice_id: str, number: int) -> str:
    """Installments are addressed as `<invoice id>/<number>`."""
    return f"{invoice_id}/{number}"


@dataclass(frozen=True, slots=True)
class PlannedPart:
    """An installment as requested: a due date and, unless the total is split evenly, an amount."""

    due_on: date
    amount: Money | None


def planned_installments(
    invoice_id: str, total: Money, parts: Sequence[PlannedPart]
) -> tuple[Installment, ...]:
    """Installments as requested: every amount given, or none and the total split evenly."""
    given = [p for p in parts if p.amount is not None]
    if not given:
        return even_installments(total, [p.due_on for p in parts])
    if len(given) != len(parts):
        raise InvalidInvoice(
            invoice_id, ("installments: give every amount, or none to split evenly",)
        )
    return tuple(
        Installment(number=n, due_on=p.due_on, amount=p.amount)
        for n, p in enumerate(parts, start=1)
        if p.amount is not None
    )


@dataclass(frozen=True, slots=True)
class InvoiceFilter:
    """Which invoices a list asks for: equality filters, None meaning any."""

    deal_id: str | None = None
    client_id: str | None = None
    status: str | None = None
    managers: tuple[str, ...] | None = None
    """Only invoices of these managers (a caller's scope); None: anyone's."""


@dataclass(slots=True)
class InstallmentReminder:
    """One reminder of an installment in the schedule, and what became of it."""

    installment_id: str
    number: int
    kind: ReminderKind
    fire_at: datetime
    status: ReminderStatus = ReminderStatus.PENDING
    cancelled_at: datetime | None = None
    fired_at: datetime | None = None

    @property
    def key(self) -> str:
        """Key in the schedule: `<installment number>_<kind>`."""
        return f"{self.number}_{self.kind.value}"


@dataclass(frozen=True, slots=True)
class RecordedPayment:
    """A payment as recorded: its id makes recording it again a no-op."""

    id: str
    amount: Money
    paid_at: datetime
    reference: str | None
    recorded_at: datetime


@dataclass(eq=False)
class IssuedInvoice(Aggregate[EventModel]):
    """An invoice on a deal: its installment plan, payments so far and reminder schedule.

    Paid amounts, settlement times and which reminders a payment cancels are always those
    of `deals.domain.invoices`, computed from the plan and the payments.
    """

    id: str
    number: str
    deal_id: str
    client_id: str
    manager_id: str
    issued_at: datetime
    total: Money
    client_time_zone: str
    installments: tuple[Installment, ...]
    payments: list[RecordedPayment] = field(default_factory=list)
    reminders: dict[str, InstallmentReminder] = field(default_factory=dict)
    updated_at: datetime | None = None

    @property
    def aggregate_id(self) -> str:
        """The invoice id: the key of its events."""
        return self.id

    @classmethod
    def issue(
        cls,
        invoice_id: str,
        *,
        number: str,
        deal: DealTerms,
        client_id: str,
        total: Money,
        installments: tuple[Installment, ...],
        client_time_zone: str,
        policy: ReminderPolicy,
        now: datetime,
    ) -> IssuedInvoice:
        """A new invoice with every reminder planned; refuses a plan that does not fit."""
        invoice = cls(
            id=invoice_id,
            number=number,
            deal_id=deal.deal_id,
            client_id=client_id,
            manager_id=deal.manager_id,
            issued_at=now,
            total=total,
            client_time_zone=client_time_zone,
            installments=tuple(installments),
        )
        for planned in plan_reminders(invoice.terms, policy):
            reminder = InstallmentReminder(
                installment_id=installment_id(invoice_id, planned.installment_number),
                number=planned.installment_number,
                kind=planned.kind,
                fire_at=planned.fire_at,
            )
            invoice.reminders[reminder.key] = reminder
        invoice.record(invoice._issued_event())
        return invoice

    def _issued_event(self) -> InvoiceIssuedV1:
        """The `invoice.issued` fact of this invoice."""
        return InvoiceIssuedV1(
            invoice_id=self.id,
            number=self.number,
            deal_id=self.deal_id,
            client_id=self.client_id,
            manager_id=self.manager_id,
            issued_at=self.issued_at,
            total=wire_money(self.total),
            installments=tuple(
                InstallmentTerms(
                    installment_id=installment_id(self.id, i.number),
                    number=i.number,
                    due_date=i.due_on,
                    amount=wire_money(i.amount),
                )
                for i in self.installments
            ),
            client_time_zone=self.client_time_zone,
        )

    @property
    def terms(self) -> Invoice:
        """The plan and the payments as the domain's invoice value."""
        return Invoice(
            id=self.id,
            issued_at=self.issued_at,
            total=self.total,
            installments=self.installments,
            client_time_zone=self.client_time_zone,
            payments=tuple(Payment(amount=p.amount, paid_at=p.paid_at) for p in self.payments),
        )

    @property
    def status(self) -> InvoiceStatus:
        """Paid once nothing is outstanding."""
        return InvoiceStatus.PAID if self.terms.outstanding.is_zero else InvoiceStatus.OPEN

    @property
    def next_reminder_at(self) -> datetime | None:
        """When the earliest pending reminder fires."""
        return next_reminder_at(self.reminders.values())

    def hand_over(self, to: str, *, now: datetime) -> bool:
        """Give an unpaid invoice to the deal's new manager; False when paid or theirs already."""
        if self.status is InvoiceStatus.PAID or self.manager_id == to:
            return False
        self.manager_id, self.updated_at = to, now
        return True

    def has_payment(self, payment_id: str) -> bool:
        """Whether a payment with this id is recorded already."""
        return any(p.id == payment_id for p in self.payments)

    def record_payment(
        self,
        payment_id: str,
        *,
        amount: Money,
        paid_at: datetime,
        reference: str | None,
        policy: ReminderPolicy,
        now: datetime,
        publish: bool,
    ) -> PaymentOutcome | None:
        """Apply a payment once (None if its id is known); cancel the reminders it makes moot.

        Raises CurrencyMismatch or Overpayment (see `apply_payment`). Records
        `payment.received` when `publish` (false for payments accounting already announced).
        """
        if self.has_payment(payment_id):
            return None
        outcome = apply_payment(self.terms, Payment(amount=amount, paid_at=paid_at), policy)
        self.payments.append(
            RecordedPayment(payment_id, amount, paid_at, reference=reference, recorded_at=now)
        )
        cancelled = frozenset(outcome.cancel_reminders)
        for reminder in self.reminders.values():
            if reminder.status == ReminderStatus.PENDING and self._id_of(reminder) in cancelled:
                reminder.status = ReminderStatus.CANCELLED
                reminder.cancelled_at = now
        self.updated_at = now
        if publish:
            self.record(
                PaymentReceivedV1(
                    payment_id=payment_id,
                    invoice_id=self.id,
                    amount=wire_money(amount),
                    paid_at=paid_at,
                    client_id=self.client_id,
                    deal_id=self.deal_id,
                    reference=reference,
                )
            )
        return outcome

    def fire_due_reminders(self, now: datetime) -> int:
        """Send what is due, at most one reminder per installment; return how many were sent.

        After an outage several reminders of one installment may be due at once: only the
        latest goes out and the older ones are skipped, since a burst of stale reminders is
        nagging. A reminder of an installment paid meanwhile is cancelled instead.
        """
        due: dict[int, list[InstallmentReminder]] = {}
        for reminder in self.reminders.values():
            if is_due(reminder, now):
                due.setdefault(reminder.number, []).append(reminder)
        if not due:
            return 0
        states = {s.installment.number: s for s in installment_states(self.terms)}
        sent = 0
        for number, reminders in due.items():
            *stale, latest = sorted(reminders, key=lambda r: r.fire_at)
            for reminder in stale:
                reminder.status, reminder.fired_at = ReminderStatus.SKIPPED, now
            state = states[number]
            if not state.outstanding.is_positive:
                latest.status, latest.fired_at = ReminderStatus.CANCELLED, now
                continue
            latest.status, latest.fired_at = ReminderStatus.SENT, now
            self.record(
                PaymentDueV1(
                    reminder_id=payment_reminder_id(latest.installment_id, latest.kind),
                    invoice_id=self.id,
                    installment_id=latest.installment_id,
                    kind=latest.kind,
                    due_date=state.installment.due_on,
                    amount=wire_money(state.outstanding),
                    client_id=self.client_id,
                    deal_id=self.deal_id,
                    manager_id=self.manager_id,
                    client_time_zone=self.client_time_zone,
                )
            )
            sent += 1
        self.updated_at = now
        return sent

    def _id_of(self, reminder: InstallmentReminder) -> uuid.UUID:
        return reminder_id(self.id, reminder.number, reminder.kind)
