"""Invoices in MongoDB: the document mapping, the timer's and the lists' queries."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from deals.adapters.money_fields import money_field, money_from_field
from deals.adapters.reminder_schedules import ScheduledRepository
from deals.adapters.store import DealsStore
from deals.domain.invoice import (
    InstallmentReminder,
    InvoiceFilter,
    InvoiceStatus,
    IssuedInvoice,
    RecordedPayment,
    installment_id,
)
from deals.domain.invoices import Installment, installment_states
from deals.domain.reminder_schedule import ReminderStatus
from shared.kernel.reminders import ReminderKind
from shared.platform.clock import Clock
from shared.platform.repository import Document, MessageOf

Record = dict[str, Any]


class InvoiceMapper:
    """An invoice as stored: installments with what is paid, payments, the reminder map."""

    def to_document(self, invoice: IssuedInvoice) -> Document:
        """The invoice's document; paid amounts and settlement times as the domain allocates."""
        states = installment_states(invoice.terms)
        document: Document = {
            "_id": invoice.id,
            "number": invoice.number,
            "deal_id": invoice.deal_id,
            "client_id": invoice.client_id,
            "manager_id": invoice.manager_id,
            "issued_at": invoice.issued_at,
            "total": money_field(invoice.total),
            "client_time_zone": invoice.client_time_zone,
            "installments": [
                {
                    "id": installment_id(invoice.id, s.installment.number),
                    "number": s.installment.number,
                    "due_on": s.installment.due_on.isoformat(),
                    "amount": money_field(s.installment.amount),
                    "paid": money_field(s.paid),
                    "settled_at": s.settled_at,
                }
                for s in states
            ],
            "payments": [
                {
                    "id": p.id,
                    "amount": money_field(p.amount),
                    "paid_at": p.paid_at,
                    "reference": p.reference,
                    "recorded_at": p.recorded_at,
                }
                for p in invoice.payments
            ],
            "payment_ids": [p.id for p in invoice.payments],
            "status": invoice.status.value,
            "reminders": {key: _reminder_field(r) for key, r in invoice.reminders.items()},
        }
        if (due := invoice.next_reminder_at) is not None:
            document["next_reminder_at"] = due
        if invoice.updated_at is not None:
            document["updated_at"] = invoice.updated_at
        return document

    def from_document(self, document: Mapping[str, Any]) -> IssuedInvoice:
        """The invoice a stored document describes."""
        return IssuedInvoice(
            id=document["_id"],
            number=document["number"],
            deal_id=document["deal_id"],
            client_id=document["client_id"],
            manager_id=document["manager_id"],
            issued_at=document["issued_at"],
            total=money_from_field(document["total"]),
            client_time_zone=document["client_time_zone"],
            installments=tuple(
                Installment(
                    number=i["number"],
                    due_on=date.fromisoformat(i["due_on"]),
                    amount=money_from_field(i["amount"]),
                )
                for i in document["installments"]
            ),
            payments=[
                RecordedPayment(
                    id=p["id"],
                    amount=money_from_field(p["amount"]),
                    paid_at=p["paid_at"],
                    reference=p.get("reference"),
                    recorded_at=p["recorded_at"],
                )
                for p in document["payments"]
            ],
            reminders={
                key: InstallmentReminder(
                    installment_id=r["installment_id"],
                    number=r["number"],
                    kind=ReminderKind(r["kind"]),
                    fire_at=r["fire_at"],
                    status=ReminderStatus(r["status"]),
                    cancelled_at=r.get("cancelled_at"),
                    fired_at=r.get("fired_at"),
                )
                for key, r in document["reminders"].items()
            },
            updated_at=document.get("updated_at"),
        )


def _reminder_field(reminder: InstallmentReminder) -> dict[str, Any]:
    stored: dict[str, Any] = {
        "installment_id": reminder.installment_id,
        "number": reminder.number,
        "kind": reminder.kind.value,
        "fire_at": reminder.fire_at,
        "status": reminder.status.value,
    }
    if reminder.cancelled_at is not None:
        stored["cancelled_at"] = reminder.cancelled_at
    if reminder.fired_at is not None:
        stored["fired_at"] = reminder.fired_at
    return stored


class MongoInvoiceRepository(ScheduledRepository[IssuedInvoice]):
    """Invoices by id, by client, and those with a reminder due; records for the HTTP API."""

    def __init__(
        self,
        collection: AsyncCollection[Any],
        *,
        clock: Clock,
        message_of: MessageOf[IssuedInvoice],
    ) -> None:
        super().__init__(collection, InvoiceMapper(), clock=clock, message_of=message_of)

    async def unpaid_of(self, manager_id: str) -> list[IssuedInvoice]:
        """A manager's unpaid invoices (indexed by `manager_id`)."""
        return await self.find({"manager_id": manager_id, "status": InvoiceStatus.OPEN.value})

    async def of_client(self, client_id: str) -> list[IssuedInvoice]:
        """Every invoice of a client (indexed by `client_id`)."""
        return await self.find({"client_id": client_id})

    async def record(self, invoice_id: str) -> Record | None:
        """The stored invoice as the API shows it."""
        found: Record | None = await self.collection.find_one({"_id": invoice_id})
        return found

    async def page(
        self, search: InvoiceFilter, *, offset: int, limit: int
    ) -> tuple[list[Record], int]:
        """Invoices matching the filter (each field indexed), newest first, and how many match."""
        query: dict[str, Any] = {
            name: value
            for name, value in (
                ("deal_id", search.deal_id),
                ("client_id", search.client_id),
                ("status", search.status),
            )
            if value is not None
        }
        if search.managers is not None:
            query["manager_id"] = {"$in": list(search.managers)}
        return await DealsStore.page(
            self.collection, query, sort=[("issued_at", -1)], offset=offset, limit=limit
        )
