"""Contracts: type, payment form, signing and renewal dates, and the renewal reminder plan."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from shared.kernel.zones import require_aware, zone

RENEWAL_REMINDER_DAYS: tuple[int, ...] = (30, 7)
"""Default days before `renewal_on` at which the manager is reminded to re-sign."""

REMINDER_LOCAL_TIME = time(10)

# Fixed namespace so a contract's reminder ids are the same on every run and every replica.
_RENEWAL_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:voronka:deals:contract-renewal")


class ContractType(StrEnum):
    """Kind of agreement with the client."""

    SALE = "sale"
    SUPPLY = "supply"
    DISTRIBUTION = "distribution"
    DEALER = "dealer"
    SERVICE = "service"
    AGENCY = "agency"
    OTHER = "other"


class PaymentForm(StrEnum):
    """How the client pays: the payment forms a contract may name."""

    LETTER_OF_CREDIT = "letter_of_credit"
    CHEQUE = "cheque"
    COLLECTION = "collection"
    OPEN_ACCOUNT = "open_account"
    BANK_TRANSFER = "bank_transfer"
    COMMODITY_CREDIT = "commodity_credit"
    PAYMENT_ORDER = "payment_order"


def _local_instant(day: date, at: time, time_zone: str) -> datetime:
    return datetime.combine(day, at, tzinfo=zone(time_zone)).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Contract:
    """A contract with a client; `renewal_on` is when a regular client's contract is re-signed."""

    id: str
    number: str
    type: ContractType
    payment_form: PaymentForm
    terms: str = ""
    signed_on: date | None = None
    renewal_on: date | None = None

    def __post_init__(self) -> None:
        if not self.id.strip() or not self.number.strip():
            raise ValueError("contract id and number must not be blank")
        if (
            self.signed_on is not None
            and self.renewal_on is not None
            and self.renewal_on <= self.signed_on
        ):
            raise ValueError(f"contract {self.number}: renewal_on must be after signed_on")


@dataclass(frozen=True, slots=True)
class RenewalReminder:
    """A reminder to renew a contract `days_before` its renewal date; `fire_at` is UTC."""

    id: uuid.UUID
    contract_id: str
    renewal_on: date
    days_before: int
    fire_at: datetime


def renewal_reminder_id(contract_id: str, renewal_on: date, days_before: int) -> uuid.UUID:
    """Deterministic id; a new renewal date (after re-signing) gives new ids."""
    return uuid.uuid5(
        _RENEWAL_NAMESPACE, f"{contract_id}/renewal/{renewal_on.isoformat()}/{days_before}"
    )


def plan_renewal_reminders(
    contract: Contract,
    *,
    time_zone: str = "Europe/Moscow",
    days_before: Iterable[int] = RENEWAL_REMINDER_DAYS,
    at: time = REMINDER_LOCAL_TIME,
    not_before: datetime | None = None,
) -> tuple[RenewalReminder, ...]:
    """Reminders at `at` local time `days_before` the renewal date, earliest first.

    Empty without a renewal date. Reminders on or before `not_before` (usually now) and those
    dated before the signing day are dropped: a reminder that can no longer fire is noise.
    """
    if contract.renewal_on is None:
        return ()
    if not_before is not None:
        require_aware(not_before, "not_before")
    reminders: list[RenewalReminder] = []
    for days in sorted(set(days_before), reverse=True):
        if days < 1:
            raise ValueError("days_before must be positive")
        day = contract.renewal_on - timedelta(days=days)
        fire_at = _local_instant(day, at, time_zone)
        if contract.signed_on is not None and day < contract.signed_on:
            continue
        if not_before is not None and fire_at <= not_before:
            continue
        reminders.append(
            RenewalReminder(
                id=renewal_reminder_id(contract.id, contract.renewal_on, days),
                contract_id=contract.id,
                renewal_on=contract.renewal_on,
                days_before=days,
                fire_at=fire_at,
            )
        )
    return tuple(reminders)
