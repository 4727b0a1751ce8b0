"""Contracts: types, payment forms and the renewal reminder plan."""

from dataclasses import replace
from datetime import UTC, date, datetime, time

import pytest

from deals.domain.contracts import (
    Contract,
    ContractType,
    PaymentForm,
    plan_renewal_reminders,
    renewal_reminder_id,
)

pytestmark = pytest.mark.unit

SUPPLY = Contract(
    id="contract-1",
    number="П-2026/014",
    type=ContractType.SUPPLY,
    payment_form=PaymentForm.BANK_TRANSFER,
    terms="Поставка партиями по заявкам, оплата в течение 10 дней",
    signed_on=date(2026, 1, 15),
    renewal_on=date(2027, 1, 15),
)


def test_enumerations_cover_the_documents() -> None:
    assert {str(t) for t in ContractType} == {
        "sale",
        "supply",
        "distribution",
        "dealer",
        "service",
        "agency",
        "other",
    }
    assert {str(f) for f in PaymentForm} == {
        "letter_of_credit",
        "cheque",
        "collection",
        "open_account",
        "bank_transfer",
        "commodity_credit",
        "payment_order",
    }


def test_renewal_reminders_30_and_7_days_before_at_10_moscow() -> None:
    reminders = plan_renewal_reminders(SUPPLY)
    assert [(r.days_before, r.fire_at) for r in reminders] == [
        (30, datetime(2026, 12, 16, 7, 0, tzinfo=UTC)),
        (7, datetime(2027, 1, 8, 7, 0, tzinfo=UTC)),
    ]
    assert all(r.contract_id == "contract-1" for r in reminders)


def test_renewal_reminders_in_the_clients_zone_and_custom_days() -> None:
    reminders = plan_renewal_reminders(
        SUPPLY, time_zone="Asia/Yekaterinburg", days_before=(1, 14), at=time(9, 30)
    )
    assert [(r.days_before, r.fire_at) for r in reminders] == [
        (14, datetime(2027, 1, 1, 4, 30, tzinfo=UTC)),
        (1, datetime(2027, 1, 14, 4, 30, tzinfo=UTC)),
    ]


def test_renewal_ids_are_deterministic_and_change_with_the_renewal_date() -> None:
    first = plan_renewal_reminders(SUPPLY)
    assert [r.id for r in first] == [r.id for r in plan_renewal_reminders(SUPPLY)]
    assert first[0].id == renewal_reminder_id("contract-1", date(2027, 1, 15), 30)
    assert len({r.id for r in first}) == 2
    renewed = replace(SUPPLY, signed_on=date(2027, 1, 15), renewal_on=date(2028, 1, 15))
    assert not {r.id for r in first} & {r.id for r in plan_renewal_reminders(renewed)}


def test_reminders_that_can_no_longer_fire_are_dropped() -> None:
    now = datetime(2027, 1, 1, tzinfo=UTC)
    assert [r.days_before for r in plan_renewal_reminders(SUPPLY, not_before=now)] == [7]
    short = Contract(
        "c2",
        "2",
        ContractType.SERVICE,
        PaymentForm.CHEQUE,
        signed_on=date(2026, 3, 1),
        renewal_on=date(2026, 3, 20),
    )
    assert [r.days_before for r in plan_renewal_reminders(short)] == [7]


def test_contract_without_renewal_has_no_reminders() -> None:
    one_off = Contract("c3", "3", ContractType.SALE, PaymentForm.OPEN_ACCOUNT)
    assert plan_renewal_reminders(one_off) == ()


def test_invalid_contracts_and_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="after signed_on"):
        Contract(
            "c4",
            "4",
            ContractType.DEALER,
            PaymentForm.COLLECTION,
            signed_on=date(2026, 3, 1),
            renewal_on=date(2026, 3, 1),
        )
    with pytest.raises(ValueError, match="blank"):
        Contract("c5", " ", ContractType.AGENCY, PaymentForm.PAYMENT_ORDER)
    with pytest.raises(ValueError, match="positive"):
        plan_renewal_reminders(SUPPLY, days_before=(0,))
    with pytest.raises(ValueError, match="time zone"):
        plan_renewal_reminders(SUPPLY, time_zone="Mars/Olympus")
    with pytest.raises(ValueError, match="timezone-aware"):
        plan_renewal_reminders(SUPPLY, not_before=datetime(2026, 1, 1))  # noqa: DTZ001
