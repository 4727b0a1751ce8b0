"""The contract aggregate: a deal's contract and its renewal reminders, fired once each."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from deals.domain.contracts import Contract, ContractType, PaymentForm, RenewalReminder
from deals.domain.deal_terms import DealTerms
from deals.domain.reminder_schedule import ReminderStatus, is_due, next_reminder_at
from shared.contracts.events.base import EventModel
from shared.contracts.events.invoicing import ContractRenewalDueV1
from shared.kernel.aggregate import Aggregate


def contract_id_for(deal_id: str) -> str:
    """A deal has one contract; re-signing updates it."""
    return f"contract-{deal_id.removeprefix('deal-')}"


def contract_terms(contract_id: str, fields: Mapping[str, Any]) -> Contract:
    """Contract terms from named fields (dates as `date` or ISO text); ValueError if wrong."""
    return Contract(
        id=contract_id,
        number=fields["number"],
        type=ContractType(fields["type"]),
        payment_form=PaymentForm(fields["payment_form"]),
        terms=fields.get("terms") or "",
        signed_on=_date(fields.get("signed_on")),
        renewal_on=_date(fields.get("renewal_on")),
    )


def _date(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


@dataclass(slots=True)
class RenewalNotice:
    """A renewal reminder in the schedule; its id names contract, renewal date and days left."""

    id: str
    days_before: int
    fire_at: datetime
    status: ReminderStatus = ReminderStatus.PENDING
    fired_at: datetime | None = None

    @classmethod
    def planned(cls, reminder: RenewalReminder) -> RenewalNotice:
        """A pending notice for a planned reminder."""
        renewal_on = reminder.renewal_on.isoformat()
        return cls(
            id=f"{reminder.contract_id}:{renewal_on}:{reminder.days_before}",
            days_before=reminder.days_before,
            fire_at=reminder.fire_at,
        )

    @property
    def key(self) -> str:
        """Key in the schedule: `d<days before>`."""
        return f"d{self.days_before}"


@dataclass(eq=False)
class DealContract(Aggregate[EventModel]):
    """The contract of one deal with its renewal schedule."""

    terms: Contract
    deal_id: str
    client_id: str | None
    manager_id: str
    created_at: datetime
    updated_at: datetime
    reminders: dict[str, RenewalNotice] = field(default_factory=dict)

    @property
    def aggregate_id(self) -> str:
        """The contract id: the key of its events."""
        return self.terms.id

    @classmethod
    def sign(
        cls, terms: Contract, *, deal: DealTerms, planned: Iterable[RenewalReminder], now: datetime
    ) -> DealContract:
        """A deal's first contract, with its renewal reminders planned."""
        contract = cls(
            terms=terms,
            deal_id=deal.deal_id,
            client_id=deal.client_id,
            manager_id=deal.manager_id,
            created_at=now,
            updated_at=now,
        )
        contract.reminders = {n.key: n for n in map(RenewalNotice.planned, planned)}
        return contract

    def revise(self, terms: Contract, planned: Iterable[RenewalReminder], now: datetime) -> None:
        """New terms and a new schedule; a reminder with the same id keeps its state.

        Re-attaching with the same renewal date must not resend a reminder already sent.
        """
        schedule: dict[str, RenewalNotice] = {}
        for notice in map(RenewalNotice.planned, planned):
            kept = self.reminders.get(notice.key)
            schedule[notice.key] = kept if kept is not None and kept.id == notice.id else notice
        self.terms, self.reminders, self.updated_at = terms, schedule, now

    @property
    def next_reminder_at(self) -> datetime | None:
        """When the earliest pending renewal reminder fires."""
        return next_reminder_at(self.reminders.values())

    def summary(self) -> dict[str, str | None]:
        """What the deal keeps of its contract for its stage gates."""
        terms = self.terms
        return {
            "id": terms.id,
            "number": terms.number,
            "type": terms.type.value,
            "payment_form": terms.payment_form.value,
            "terms": terms.terms,
            "signed_on": terms.signed_on.isoformat() if terms.signed_on else None,
            "renewal_on": terms.renewal_on.isoformat() if terms.renewal_on else None,
        }

    def fire_due_reminders(self, now: datetime) -> int:
        """Send every renewal reminder due (each names the days left); return how many."""
        due = sorted(
            (n for n in self.reminders.values() if is_due(n, now)), key=lambda n: n.fire_at
        )
        if not due:
            return 0
        for notice in due:
            notice.status, notice.fired_at = ReminderStatus.SENT, now
            self.record(
                ContractRenewalDueV1(
                    reminder_id=notice.id,
                    contract_id=self.terms.id,
                    number=self.terms.number,
                    client_id=self.client_id,
                    manager_id=self.manager_id,
                    renewal_date=self.terms.renewal_on,
                    days_before=notice.days_before,
                )
            )
        self.updated_at = now
        return len(due)
