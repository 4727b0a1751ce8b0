"""``payment.due``: a reminder about one invoice installment is due to go out."""

from datetime import date
from typing import Annotated, ClassVar

from pydantic import Field, field_validator

from shared.contracts.events.base import EventModel
from shared.contracts.events.money import Money
from shared.contracts.topics import Topic
from shared.contracts.values import EntityId
from shared.kernel.reminders import ReminderKind

__all__ = ["PaymentDueV1", "ReminderKind", "payment_reminder_id"]

# An IANA zone name such as "Europe/Moscow" or "Etc/GMT-3". Checked by shape only: whether
# the zone exists depends on the reader's tz database, and a contract must not depend on that.
TimeZoneName = Annotated[
    str,
    Field(min_length=1, max_length=64, pattern=r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$"),
]


def payment_reminder_id(installment_id: str, kind: ReminderKind) -> str:
    """Return the deterministic reminder id of an installment's reminder of a kind.

    Recomputing a schedule after a restart yields the same ids, so a reminder republished
    for the same installment and kind is recognised as a redelivery, not sent twice.
    """
    return f"{installment_id}:{kind.value}"


class PaymentDueV1(EventModel):
    """Time to remind a client about an installment; notifications decides how and when."""

    event_type: ClassVar[str] = Topic.PAYMENT_DUE.value
    event_version: ClassVar[int] = 1

    reminder_id: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        description=(
            "Deterministic id of this reminder, `<installment_id>:<kind>` "
            "(see payment_reminder_id); consumers deduplicate by it."
        ),
        examples=["inst-2025-0042-2:day_before"],
    )
    invoice_id: EntityId = Field(
        description="Id of the invoice (the Kafka key).", examples=["inv-2025-0042"]
    )
    installment_id: EntityId = Field(
        description="Id of the installment the reminder is about.", examples=["inst-2025-0042-2"]
    )
    kind: ReminderKind = Field(
        description="Which reminder of the installment this is.",
        examples=[ReminderKind.DAY_BEFORE.value],
    )
    due_date: date = Field(
        description="Date the installment is due (in the client's time zone).",
        examples=["2025-04-15"],
    )
    amount: Money = Field(
        description="Amount still due on the installment; positive.",
        examples=[{"amount": "250000.00", "currency": "RUB"}],
    )
    client_id: EntityId = Field(description="Id of the paying client.", examples=["client-5521"])
    deal_id: EntityId = Field(
        description="Id of the deal the invoice belongs to.", examples=["deal-7f3a"]
    )
    manager_id: EntityId = Field(
        description="Id of the manager responsible for the client.", examples=["user-42"]
    )
    client_time_zone: TimeZoneName | None = Field(
        default=None,
        description="Client's IANA time zone, so reminders go out in their working hours.",
        examples=["Asia/Yekaterinburg"],
    )

    @field_validator("amount")
    @classmethod
    def _something_is_due(cls, value: Money) -> Money:
        if value.amount <= 0:
            raise ValueError("an amount due must be positive")
        return value
