"""Issue invoices with installment plans, record payments once, answer payment discipline."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Protocol, TypeVar

from deals.domain.deal_terms import DealTerms
from deals.domain.invoice import (
    InvoiceFilter,
    IssuedInvoice,
    PlannedPart,
    planned_installments,
)
from deals.domain.invoices import (
    InvalidInvoice,
    Overpayment,
    PaymentDiscipline,
    PaymentOutcome,
    ReminderPolicy,
    payment_discipline,
)
from deals.domain.money import CurrencyMismatch, Money
from deals.service_layer.errors import Invalid, NotFound, Refused
from deals.service_layer.records import Record
from shared.platform.clock import Clock
from shared.platform.logging import get_logger

log = get_logger(__name__)

R = TypeVar("R")


class DealReader(Protocol):
    """Port: the deal an invoice or a contract belongs to."""

    async def terms(self, deal_id: str) -> DealTerms | None:
        """Who pays, who is responsible and how much, or None for an unknown deal."""


class ClientTimeZones(Protocol):
    """Port: the zone a client's dates are read in."""

    async def time_zone_of(self, client_id: str) -> str | None:
        """The client's own zone; None when it has none (or there is no such client)."""


class InvoiceRepository(Protocol):
    """Port: invoices by id and by client, the timer's query, and records to show."""

    async def get(self, aggregate_id: str) -> IssuedInvoice | None:
        """The invoice, or None."""

    async def add(self, aggregate: IssuedInvoice, *, causation_id: str | None = None) -> bool:
        """Store a new invoice with its events; False if the id is taken."""

    async def save(self, aggregate: IssuedInvoice, *, causation_id: str | None = None) -> None:
        """Store what changed since load; raises ConcurrentModification on a lost race."""

    async def update(
        self,
        aggregate_id: str,
        change: Callable[[IssuedInvoice], R],
        *,
        causation_id: str | None = None,
        attempts: int = 5,
    ) -> tuple[IssuedInvoice, R] | None:
        """Load, change and save, again on a lost race; None if there is no such invoice."""

    async def unpaid_of(self, manager_id: str) -> list[IssuedInvoice]:
        """A manager's unpaid invoices."""
        ...

    async def of_client(self, client_id: str) -> list[IssuedInvoice]:
        """Every invoice of a client."""

    async def due_reminders(self, now: datetime, *, limit: int) -> list[IssuedInvoice]:
        """Invoices with a pending reminder due by `now`."""

    async def record(self, invoice_id: str) -> Record | None:
        """The stored invoice as shown, or None."""

    async def page(
        self, search: InvoiceFilter, *, offset: int, limit: int
    ) -> tuple[list[Record], int]:
        """Invoices matching the filter, newest first, and how many match."""


class Invoicing:
    """Issue invoices, record payments, and answer payment discipline per client."""

    def __init__(
        self,
        invoices: InvoiceRepository,
        *,
        deals: DealReader,
        zones: ClientTimeZones,
        clock: Clock,
        policy: ReminderPolicy,
        default_time_zone: str,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self._invoices = invoices
        self._deals = deals
        self._zones = zones
        self._clock = clock
        self._policy = policy
        self._default_tz = default_time_zone
        self._wake = wake

    async def issue(
        self,
        deal_id: str,
        *,
        invoice_id: str | None,
        number: str | None,
        total: Money | None,
        parts: list[PlannedPart],
    ) -> Record:
        """Issue an invoice on a deal; a repeated id returns the invoice already issued."""
        deal = await self._deals.terms(deal_id)
        if deal is None:
            raise NotFound("deal")
        if invoice_id is not None:
            existing = await self._invoices.get(invoice_id)
            if existing is not None:
                if existing.deal_id != deal_id:
                    raise Refused("this invoice id belongs to another deal")
                return await self.get(invoice_id)
        if not deal.client_id:
            raise Refused("the deal has no client to invoice", missing=("client_id",))
        amount = total or deal.amount
        if amount is None:
            raise Invalid(("total: required, the deal has no amount",))
        invoice_id = invoice_id or f"inv-{uuid.uuid4().hex[:16]}"
        time_zone = await self._zones.time_zone_of(deal.client_id) or self._default_tz
        try:
            invoice = IssuedInvoice.issue(
                invoice_id,
                number=number or invoice_id.upper(),
                deal=deal,
                client_id=deal.client_id,
                total=amount,
                installments=planned_installments(invoice_id, amount, parts),
                client_time_zone=time_zone,
                policy=self._policy,
                now=self._clock.now(),
            )
        except InvalidInvoice as exc:
            raise Invalid(exc.problems) from None
        except (CurrencyMismatch, ValueError) as exc:
            raise Invalid((f"installments: {exc}",)) from None
        if await self._invoices.add(invoice):
            log.info("invoice issued", invoice_id=invoice_id, deal_id=deal_id)
            self._wake()
        return await self.get(invoice_id)

    async def get(self, invoice_id: str) -> Record:
        """One invoice."""
        record = await self._invoices.record(invoice_id)
        if record is None:
            raise NotFound("invoice")
        return record

    async def search(
        self, search: InvoiceFilter, *, offset: int, limit: int
    ) -> tuple[list[Record], int]:
        """A page of invoices matching the filter, newest first, and how many match."""
        return await self._invoices.page(search, offset=offset, limit=limit)

    async def record_payment(
        self,
        invoice_id: str,
        *,
        payment_id: str,
        amount: Money,
        paid_at: datetime,
        reference: str | None,
        publish: bool,
        causation_id: str | None = None,
    ) -> tuple[Record, bool]:
        """Apply a payment once; the reminders it makes moot are cancelled with it.

        Returns the invoice and whether the payment was new. `publish` is false for payments
        that came from `payment.received` (accounting already told everyone).
        """
        now = self._clock.now()

        def pay(invoice: IssuedInvoice) -> PaymentOutcome | None:
            try:
                return invoice.record_payment(
                    payment_id,
                    amount=amount,
                    paid_at=paid_at,
                    reference=reference,
                    policy=self._policy,
                    now=now,
                    publish=publish,
                )
            except Overpayment as exc:
                raise Refused(str(exc), problems=("amount: more than is still due",)) from None
            except CurrencyMismatch:
                raise Refused(
                    f"the invoice is in {invoice.total.currency}, not {amount.currency}",
                    problems=("amount.currency",),
                ) from None

        paid = await self._invoices.update(invoice_id, pay, causation_id=causation_id)
        if paid is None:
            raise NotFound("invoice")
        created = paid[1] is not None
        if created:
            self._wake()
        return await self.get(invoice_id), created

    async def hand_over_unpaid(
        self, from_manager: str, to_manager: str, *, causation_id: str | None
    ) -> int:
        """A manager's unpaid invoices go to their deputy, who chases them meanwhile.

        Safe to repeat: an invoice that moved already is not the manager's any more.
        """
        moved = 0
        for invoice in await self._invoices.unpaid_of(from_manager):
            changed = await self._invoices.update(
                invoice.id,
                lambda current: current.hand_over(to_manager, now=self._clock.now()),
                causation_id=causation_id,
            )
            moved += bool(changed and changed[1])
        return moved

    async def discipline(self, client_id: str) -> PaymentDiscipline:
        """Share of installments paid on time and average days late, from the invoices."""
        invoices = await self._invoices.of_client(client_id)
        return payment_discipline([i.terms for i in invoices], as_of=self._clock.now())
