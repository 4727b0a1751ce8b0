"""Invoices, payments and contract renewals: the facts receivables and reminders are built on."""

from datetime import date
from typing import ClassVar

from pydantic import Field

from shared.contracts.events.base import ContractModel, EventModel
from shared.contracts.events.money import Money
from shared.contracts.events.payment_due import TimeZoneName
from shared.contracts.topics import Topic
from shared.contracts.values import EntityId, ShortText, UtcDatetime


class InstallmentTerms(ContractModel):
    """One installment of an invoice."""

    installment_id: EntityId = Field(description="Id of the installment.", examples=["inv-1/2"])
    number: int = Field(ge=1, description="Position in the plan, from 1.", examples=[2])
    due_date: date = Field(
        description="Due date in the client's time zone.", examples=["2026-04-15"]
    )
    amount: Money = Field(
        description="Amount of the installment.",
        examples=[{"amount": "250000.00", "currency": "RUB"}],
    )


class InvoiceIssuedV1(EventModel):
    """An invoice with its installment plan was issued to a client."""

    event_type: ClassVar[str] = Topic.INVOICE_ISSUED.value
    event_version: ClassVar[int] = 1

    invoice_id: EntityId = Field(
        description="Id of the invoice (the Kafka key).", examples=["inv-1"]
    )
    number: ShortText = Field(description="Invoice number as printed.", examples=["СЧ-2026-0042"])
    deal_id: EntityId = Field(description="Deal invoiced.", examples=["deal-7f3a"])
    client_id: EntityId = Field(description="Paying client.", examples=["client-5521"])
    manager_id: EntityId = Field(description="Responsible manager.", examples=["mgr-ivanova"])
    issued_at: UtcDatetime = Field(description="When issued.", examples=["2026-03-02T09:00:00Z"])
    total: Money = Field(
        description="Invoice total; the installments add up to it.",
        examples=[{"amount": "750000.00", "currency": "RUB"}],
    )
    installments: tuple[InstallmentTerms, ...] = Field(
        description="The plan, by number.",
        examples=[
            [
                {
                    "installment_id": "inv-1/1",
                    "number": 1,
                    "due_date": "2026-03-16",
                    "amount": {"amount": "750000.00", "currency": "RUB"},
                }
            ]
        ],
    )
    client_time_zone: TimeZoneName | None = Field(
        default=None, description="Client's IANA time zone.", examples=["Asia/Yekaterinburg"]
    )


class PaymentReceivedV1(EventModel):
    """Money arrived against an invoice; accounting publishes it, or deals when typed in by hand.

    Without ``installment_id`` the payment settles the earliest unpaid installments first.
    """

    event_type: ClassVar[str] = Topic.PAYMENT_RECEIVED.value
    event_version: ClassVar[int] = 1

    payment_id: EntityId = Field(
        description="Id of the payment in the publishing system; used to deduplicate.",
        examples=["pp-2026-000981"],
    )
    invoice_id: EntityId = Field(description="Invoice paid (the Kafka key).", examples=["inv-1"])
    installment_id: EntityId | None = Field(
        default=None, description="Installment paid, if the payer named one.", examples=["inv-1/1"]
    )
    amount: Money = Field(
        description="Amount paid; positive.", examples=[{"amount": "250000.00", "currency": "RUB"}]
    )
    paid_at: UtcDatetime = Field(
        description="When the money arrived.", examples=["2026-03-10T12:00:00Z"]
    )
    client_id: EntityId | None = Field(
        default=None, description="Paying client, when known.", examples=["client-5521"]
    )
    deal_id: EntityId | None = Field(
        default=None, description="Deal, when known.", examples=["deal-7f3a"]
    )
    reference: ShortText | None = Field(
        default=None, description="Payment order number or bank reference.", examples=["п/п 981"]
    )


class ContractRenewalDueV1(EventModel):
    """A client's contract comes up for renewal; the manager should re-sign it."""

    event_type: ClassVar[str] = Topic.CONTRACT_RENEWAL_DUE.value
    event_version: ClassVar[int] = 1

    reminder_id: EntityId = Field(
        description="Deterministic id of this reminder; consumers deduplicate by it.",
        examples=["contract-12:2026-12-31:30"],
    )
    contract_id: EntityId = Field(description="Contract (the Kafka key).", examples=["contract-12"])
    number: ShortText = Field(description="Contract number.", examples=["Д-2025/12"])
    client_id: EntityId = Field(description="Client.", examples=["client-5521"])
    manager_id: EntityId = Field(description="Responsible manager.", examples=["mgr-ivanova"])
    renewal_date: date = Field(description="Date the contract renews.", examples=["2026-12-31"])
    days_before: int = Field(ge=0, description="Days left until renewal.", examples=[30])
