"""The invoice and contract aggregates: the domain's payment outcome is what they apply."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from deals.adapters.contract_repository import ContractMapper
from deals.adapters.invoice_repository import InvoiceMapper
from deals.domain.contract import DealContract
from deals.domain.contracts import Contract, ContractType, PaymentForm, plan_renewal_reminders
from deals.domain.deal_terms import DealTerms
from deals.domain.invoice import IssuedInvoice
from deals.domain.invoices import (
    Allocation,
    Installment,
    PaymentOutcome,
    ReminderPolicy,
    reminder_id,
)
from deals.domain.money import Money
from deals.domain.reminder_schedule import ReminderStatus
from shared.contracts.events.payment_due import PaymentDueV1
from shared.kernel.reminders import ReminderKind

pytestmark = pytest.mark.unit

POLICY = ReminderPolicy()
ISSUED_AT = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # 10:00 in Moscow


def rub(amount: str) -> Money:
    return Money.of(amount, "RUB")


def pay(
    inv: IssuedInvoice, amount: Money, paid_at: datetime, reference: str | None = None
) -> PaymentOutcome | None:
    return inv.record_payment(
        "p1",
        amount=amount,
        paid_at=paid_at,
        reference=reference,
        policy=POLICY,
        now=paid_at,
        publish=True,
    )


def invoice() -> IssuedInvoice:
    issued = IssuedInvoice.issue(
        "inv-9",
        number="СЧ-9",
        deal=DealTerms("deal-9", "client-9", "mgr-a", None),
        client_id="client-9",
        total=rub("300.00"),
        installments=(
            Installment(1, date(2026, 3, 20), rub("100.00")),
            Installment(2, date(2026, 4, 20), rub("200.00")),
        ),
        client_time_zone="Europe/Moscow",
        policy=POLICY,
        now=ISSUED_AT,
    )
    issued.collect_events()
    return issued


def test_a_payment_applies_the_domains_allocation_and_cancels_the_reminders_it_names() -> None:
    inv = invoice()
    paid_at = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)
    outcome = pay(inv, rub("150.00"), paid_at)
    assert outcome is not None
    assert outcome.allocations == (Allocation(1, rub("100.00")), Allocation(2, rub("50.00")))
    assert outcome.settled == (1,)
    # Installment 1 (due 20 March): mid-term 11 March, day before 19 March, overdue 21 March
    # all fire after the payment on 5 March; its on-issue reminder fired before it.
    expected = [
        reminder_id("inv-9", 1, kind)
        for kind in (ReminderKind.MID_TERM, ReminderKind.DAY_BEFORE, ReminderKind.OVERDUE)
    ]
    assert list(outcome.cancel_reminders) == expected
    cancelled = [k for k, r in inv.reminders.items() if r.status == ReminderStatus.CANCELLED]
    assert cancelled == ["1_mid_term", "1_day_before", "1_overdue"]
    assert inv.terms.outstanding == rub("150.00")
    assert [type(e).__name__ for e in inv.collect_events()] == ["PaymentReceivedV1"]
    again = pay(inv, rub("150.00"), paid_at)
    assert again is None and inv.collect_events() == []


def test_a_reminder_of_an_installment_paid_meanwhile_is_cancelled_when_it_comes_due() -> None:
    inv = invoice()
    paid_at = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    pay(inv, rub("100.00"), paid_at)
    inv.collect_events()
    assert inv.fire_due_reminders(paid_at) == 1
    [event] = inv.collect_events()
    assert isinstance(event, PaymentDueV1)
    assert (event.reminder_id, event.amount.amount) == ("inv-9/2:on_issue", rub("200.00").amount)
    assert inv.reminders["1_on_issue"].status == ReminderStatus.CANCELLED
    assert inv.reminders["1_on_issue"].fired_at == paid_at
    assert inv.fire_due_reminders(paid_at) == 0


def test_an_unpaid_invoice_goes_to_the_deputy_and_a_paid_one_stays() -> None:
    unpaid, paid = invoice(), invoice()
    pay(paid, rub("300.00"), ISSUED_AT)

    assert unpaid.hand_over("mgr-b", now=ISSUED_AT) is True
    assert unpaid.hand_over("mgr-b", now=ISSUED_AT) is False  # theirs already
    assert paid.hand_over("mgr-b", now=ISSUED_AT) is False
    assert (unpaid.manager_id, paid.manager_id) == ("mgr-b", "mgr-a")


def test_the_stored_form_round_trips() -> None:
    inv = invoice()
    paid_at = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)
    pay(inv, rub("300.00"), paid_at, reference="x")
    mapper = InvoiceMapper()
    document = mapper.to_document(inv)
    assert document["status"] == "paid"
    assert document["installments"][1]["settled_at"] == paid_at
    assert mapper.to_document(mapper.from_document(document)) == document


def test_a_revised_contract_keeps_the_state_of_a_reminder_with_the_same_id() -> None:
    terms = Contract(
        "contract-1",
        "Д-1",
        ContractType.SUPPLY,
        PaymentForm.BANK_TRANSFER,
        renewal_on=date(2026, 12, 31),
    )
    now = datetime(2026, 3, 2, tzinfo=UTC)
    planned = plan_renewal_reminders(terms, not_before=now)
    contract = DealContract.sign(
        terms, deal=DealTerms("deal-1", "client-1", "mgr-a", None), planned=planned, now=now
    )
    contract.reminders["d30"].status = ReminderStatus.SENT
    contract.revise(terms, planned, now)
    assert contract.reminders["d30"].status == ReminderStatus.SENT
    moved = Contract(
        "contract-1",
        "Д-1",
        ContractType.SUPPLY,
        PaymentForm.BANK_TRANSFER,
        renewal_on=date(2027, 12, 31),
    )
    contract.revise(moved, plan_renewal_reminders(moved, not_before=now), now)
    assert contract.reminders["d30"].status == ReminderStatus.PENDING
    mapper = ContractMapper()
    document = mapper.to_document(contract)
    assert mapper.to_document(mapper.from_document(document)) == document
