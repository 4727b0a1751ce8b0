"""Invoices with installment plans, their reminder schedule, and payments that settle them."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from deals.adapters.store import DealsStore, Doc
from deals.domain.invoices import (
    Installment,
    InvalidInvoice,
    Invoice,
    Overpayment,
    Payment,
    PaymentDiscipline,
    ReminderPolicy,
    apply_payment,
    even_installments,
    installment_states,
    payment_discipline,
    plan_reminders,
)
from deals.domain.money import CurrencyMismatch, Money
from deals.service_layer.errors import Invalid, NotFound, Refused
from deals.service_layer.events import deal_event
from deals.service_layer.money_docs import money_doc, money_of, wire
from shared.contracts.events.invoicing import InstallmentTerms, InvoiceIssuedV1, PaymentReceivedV1
from shared.platform.clock import Clock
from shared.platform.logging import get_logger
from shared.platform.outbox import OutboxMessage, outbox_fields, with_outbox
from shared.platform.revisions import modify

log = get_logger(__name__)

PENDING = "pending"


@dataclass(frozen=True)
class PlannedPart:
    """An installment as requested: a due date and, unless split evenly, an amount."""

    due_on: date
    amount: Money | None


def installment_id(invoice_id: str, number: int) -> str:
    """Installments are addressed as `<invoice id>/<number>`."""
    return f"{invoice_id}/{number}"


def reminder_key(number: int, kind: str) -> str:
    """Key of a reminder in the invoice's `reminders` map (no dots: they are field paths)."""
    return f"{number}_{kind}"


def next_due(reminders: Mapping[str, Any]) -> datetime | None:
    """The earliest pending reminder: what the timer waits for."""
    pending = [r["fire_at"] for r in reminders.values() if r["status"] == PENDING]
    return min(pending) if pending else None


def invoice_of(doc: Doc) -> Invoice:
    """A stored invoice as the domain object (valid by construction)."""
    return Invoice(
        id=doc["_id"],
        issued_at=doc["issued_at"],
        total=money_of(doc["total"]),
        installments=tuple(
            Installment(
                number=i["number"],
                due_on=date.fromisoformat(i["due_on"]),
                amount=money_of(i["amount"]),
            )
            for i in doc["installments"]
        ),
        client_time_zone=doc["client_time_zone"],
        payments=tuple(
            Payment(amount=money_of(p["amount"]), paid_at=p["paid_at"]) for p in doc["payments"]
        ),
    )


class Invoicing:
    """Issue invoices, record payments, and answer payment discipline per client."""

    def __init__(
        self,
        store: DealsStore,
        *,
        clock: Clock,
        policy: ReminderPolicy,
        default_time_zone: str,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self._store = store
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
    ) -> Doc:
        """Issue an invoice on a deal; a repeated id returns the invoice already issued."""
        deal = await self._store.deals.find_one({"_id": deal_id})
        if deal is None:
            raise NotFound("deal")
        if invoice_id is not None:
            existing: Doc | None = await self._store.invoices.find_one({"_id": invoice_id})
            if existing is not None:
                if existing["deal_id"] != deal_id:
                    raise Refused("this invoice id belongs to another deal")
                return existing
        if not deal.get("client_id"):
            raise Refused("the deal has no client to invoice", missing=("client_id",))
        client = await self._store.clients.find_one({"_id": deal["client_id"]}) or {}
        invoice_id = invoice_id or f"inv-{uuid.uuid4().hex[:16]}"
        now = self._clock.now()
        amount = total or money_of(deal["amount"])
        invoice = self._plan(
            invoice_id, now, amount, parts, client.get("time_zone") or self._default_tz
        )
        doc = self._document(invoice, deal, number or invoice_id.upper(), now)
        event = InvoiceIssuedV1(
            invoice_id=invoice_id,
            number=doc["number"],
            deal_id=deal_id,
            client_id=deal["client_id"],
            manager_id=deal["manager_id"],
            issued_at=now,
            total=wire(amount),
            installments=tuple(
                InstallmentTerms(
                    installment_id=installment_id(invoice_id, i.number),
                    number=i.number,
                    due_date=i.due_on,
                    amount=wire(i.amount),
                )
                for i in invoice.installments
            ),
            client_time_zone=invoice.client_time_zone,
        )
        doc.update(outbox_fields([deal_event(event, key=invoice_id, at=now)]))
        if not await self._store.insert(self._store.invoices, doc):
            return await self.get(invoice_id)
        log.info("invoice issued", invoice_id=invoice_id, deal_id=deal_id)
        self._wake()
        return doc

    def _plan(
        self, invoice_id: str, now: datetime, amount: Money, parts: list[PlannedPart], tz: str
    ) -> Invoice:
        given = [p.amount for p in parts if p.amount is not None]
        if given and len(given) != len(parts):
            raise Invalid(("installments: give every amount, or none to split evenly",))
        try:
            if given:
                installments = tuple(
                    Installment(number=n, due_on=p.due_on, amount=p.amount)
                    for n, p in enumerate(parts, start=1)
                    if p.amount is not None
                )
            else:
                installments = even_installments(amount, [p.due_on for p in parts])
            return Invoice(
                id=invoice_id,
                issued_at=now,
                total=amount,
                installments=installments,
                client_time_zone=tz,
            )
        except InvalidInvoice as exc:
            raise Invalid(exc.problems) from None
        except (CurrencyMismatch, ValueError) as exc:
            raise Invalid((f"installments: {exc}",)) from None

    def _document(self, invoice: Invoice, deal: Doc, number: str, now: datetime) -> Doc:
        reminders = {
            reminder_key(r.installment_number, r.kind.value): {
                "installment_id": installment_id(invoice.id, r.installment_number),
                "number": r.installment_number,
                "kind": r.kind.value,
                "fire_at": r.fire_at,
                "status": PENDING,
            }
            for r in plan_reminders(invoice, self._policy)
        }
        doc: Doc = {
            "_id": invoice.id,
            "number": number,
            "deal_id": deal["_id"],
            "client_id": deal["client_id"],
            "manager_id": deal["manager_id"],
            "issued_at": now,
            "total": money_doc(invoice.total),
            "client_time_zone": invoice.client_time_zone,
            "installments": [
                {
                    "id": installment_id(invoice.id, i.number),
                    "number": i.number,
                    "due_on": i.due_on.isoformat(),
                    "amount": money_doc(i.amount),
                    "paid": money_doc(Money.zero(i.amount.currency)),
                    "settled_at": None,
                }
                for i in invoice.installments
            ],
            "payments": [],
            "payment_ids": [],
            "status": "open",
            "reminders": reminders,
        }
        due = next_due(reminders)
        if due is not None:
            doc["next_reminder_at"] = due
        return doc

    async def get(self, invoice_id: str) -> Doc:
        """One invoice."""
        doc: Doc | None = await self._store.invoices.find_one({"_id": invoice_id})
        if doc is None:
            raise NotFound("invoice")
        return doc

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
    ) -> tuple[Doc, bool]:
        """Apply a payment once; what it settles cancels that installment's pending reminders.

        Returns the invoice and whether the payment was new. `publish` is false for payments
        that came from `payment.received` (accounting already told everyone).
        """
        created = False
        now = self._clock.now()

        async def decide(doc: Doc) -> Mapping[str, Any] | None:
            nonlocal created
            if payment_id in doc.get("payment_ids", []):
                return None
            try:
                outcome = apply_payment(
                    invoice_of(doc), Payment(amount=amount, paid_at=paid_at), self._policy
                )
            except Overpayment as exc:
                raise Refused(str(exc), problems=("amount: more than is still due",)) from None
            except CurrencyMismatch:
                raise Refused(
                    f"the invoice is in {doc['total']['currency']}, not {amount.currency}",
                    problems=("amount.currency",),
                ) from None
            created = True
            return self._payment_update(
                doc,
                outcome.invoice,
                payment_id,
                amount,
                paid_at,
                reference,
                now,
                publish,
                causation_id,
            )

        doc = await modify(self._store.invoices, {"_id": invoice_id}, decide)
        if doc is None:
            raise NotFound("invoice")
        if created:
            self._wake()
        return doc, created

    def _payment_update(
        self,
        doc: Doc,
        paid: Invoice,
        payment_id: str,
        amount: Money,
        paid_at: datetime,
        reference: str | None,
        now: datetime,
        publish: bool,
        causation_id: str | None,
    ) -> dict[str, Any]:
        states = {s.installment.number: s for s in installment_states(paid)}
        installments = [
            {
                **i,
                "paid": money_doc(states[i["number"]].paid),
                "settled_at": states[i["number"]].settled_at,
            }
            for i in doc["installments"]
        ]
        settled = {n for n, s in states.items() if s.is_settled}
        reminders = {
            key: (
                {**r, "status": "cancelled", "cancelled_at": now}
                if r["status"] == PENDING and r["number"] in settled
                else r
            )
            for key, r in doc["reminders"].items()
        }
        fields: dict[str, Any] = {
            "installments": installments,
            "reminders": reminders,
            "status": "paid" if paid.outstanding.is_zero else "open",
            "updated_at": now,
        }
        update: dict[str, Any] = {
            "$set": fields,
            "$push": {
                "payments": {
                    "id": payment_id,
                    "amount": money_doc(amount),
                    "paid_at": paid_at,
                    "reference": reference,
                    "recorded_at": now,
                },
                "payment_ids": payment_id,
            },
        }
        due = next_due(reminders)
        if due is None:
            update["$unset"] = {"next_reminder_at": ""}
        else:
            fields["next_reminder_at"] = due
        events: list[OutboxMessage] = []
        if publish:
            event = PaymentReceivedV1(
                payment_id=payment_id,
                invoice_id=doc["_id"],
                amount=wire(amount),
                paid_at=paid_at,
                client_id=doc["client_id"],
                deal_id=doc["deal_id"],
                reference=reference,
            )
            events.append(deal_event(event, key=doc["_id"], at=now, causation_id=causation_id))
        return with_outbox(update, events)

    async def discipline(self, client_id: str) -> PaymentDiscipline:
        """Share of installments paid on time and average days late, from the invoices."""
        invoices = [
            invoice_of(doc) async for doc in self._store.invoices.find({"client_id": client_id})
        ]
        return payment_discipline(invoices, as_of=self._clock.now())
