"""Invoices: installment plans, reminder times in the client's zone, payments and discipline."""

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from deals.domain.invoices import (
    Allocation,
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
    reminder_id,
    reminders_to_cancel,
)
from deals.domain.money import CurrencyMismatch, Money
from shared.kernel.reminders import ReminderKind

pytestmark = pytest.mark.unit

MSK = ZoneInfo("Europe/Moscow")
YEKT = ZoneInfo("Asia/Yekaterinburg")
ISSUED = ReminderKind.ON_ISSUE
MID = ReminderKind.MID_TERM
BEFORE = ReminderKind.DAY_BEFORE
OVERDUE = ReminderKind.OVERDUE


def rub(amount: str) -> Money:
    return Money.of(amount, "RUB")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def invoice(
    issued_at: datetime,
    amounts_and_dues: list[tuple[str, date]],
    *,
    zone: str = "Europe/Moscow",
    invoice_id: str = "inv-1",
) -> Invoice:
    installments = tuple(
        Installment(n, due, rub(amount)) for n, (amount, due) in enumerate(amounts_and_dues, 1)
    )
    grand = sum((rub(amount).amount for amount, _ in amounts_and_dues), Decimal(0))
    return Invoice(invoice_id, issued_at, Money(grand, "RUB"), installments, zone)


def schedule(inv: Invoice, policy: ReminderPolicy | None = None) -> list[tuple[int, str, datetime]]:
    return [(r.installment_number, r.kind.value, r.fire_at) for r in plan_reminders(inv, policy)]


THREE = invoice(
    datetime(2026, 1, 10, 12, 0, tzinfo=MSK),
    [("100.00", date(2026, 2, 1)), ("100.00", date(2026, 3, 1)), ("100.00", date(2026, 4, 1))],
)


# --- installment plans -------------------------------------------------------------------


def test_even_installments_add_up_exactly_to_the_total() -> None:
    dues = [date(2026, 4, 15), date(2026, 5, 15), date(2026, 6, 15)]
    parts = even_installments(rub("100000.00"), dues)
    assert [(i.number, i.due_on, str(i.amount)) for i in parts] == [
        (1, date(2026, 4, 15), "33333.34 RUB"),
        (2, date(2026, 5, 15), "33333.33 RUB"),
        (3, date(2026, 6, 15), "33333.33 RUB"),
    ]
    inv = Invoice("inv-2", datetime(2026, 3, 16, 9, tzinfo=MSK), rub("100000.00"), parts)
    assert inv.outstanding == rub("100000.00")


def test_an_inconsistent_plan_is_refused_with_every_problem() -> None:
    bad = (
        Installment(1, date(2026, 3, 20), rub("100.00")),
        Installment(3, date(2026, 3, 1), Money.of("50", "USD")),
    )
    with pytest.raises(InvalidInvoice) as caught:
        Invoice("inv-3", datetime(2026, 3, 10, 12, tzinfo=MSK), rub("200.00"), bad)
    assert caught.value.problems == (
        "installments: must be numbered 1, 2, … in order",
        "installments: must all be in RUB",
        "installments: due dates must be strictly increasing",
    )
    assert str(caught.value).startswith("invoice inv-3: ")


@pytest.mark.parametrize(
    ("installments", "problem"),
    [
        (
            [("100.00", date(2026, 3, 20)), ("99.99", date(2026, 4, 20))],
            "installments: add up to 199.99 RUB, not the total 200.00 RUB",
        ),
        (
            [("100.00", date(2026, 3, 20)), ("100.00", date(2026, 3, 20))],
            "installments: due dates must be strictly increasing",
        ),
        (
            [("100.00", date(2026, 3, 9)), ("100.00", date(2026, 3, 20))],
            "installments: a due date is before the issue date",
        ),
        (
            [("200.00", date(2026, 3, 20)), ("0.00", date(2026, 4, 20))],
            "installments: every amount must be positive",
        ),
        ([], "installments: at least one is required"),
    ],
)
def test_each_plan_problem(installments: list[tuple[str, date]], problem: str) -> None:
    plan = tuple(Installment(n, due, rub(a)) for n, (a, due) in enumerate(installments, 1))
    with pytest.raises(InvalidInvoice) as caught:
        Invoice("inv-4", datetime(2026, 3, 10, 12, tzinfo=MSK), rub("200.00"), plan)
    assert caught.value.problems == (problem,)


def test_due_today_is_fine() -> None:
    inv = invoice(datetime(2026, 3, 10, 8, tzinfo=MSK), [("10.00", date(2026, 3, 10))])
    assert inv.issue_date == date(2026, 3, 10)


def test_issue_date_is_read_in_the_clients_zone() -> None:
    # 20:30 UTC is still 2 March in Moscow but already 3 March in Yekaterinburg.
    issued = utc(2026, 3, 2, 20, 30)
    plan = [("10.00", date(2026, 3, 2))]
    assert invoice(issued, plan, zone="Europe/Moscow").issue_date == date(2026, 3, 2)
    with pytest.raises(InvalidInvoice, match="before the issue date"):
        invoice(issued, plan, zone="Asia/Yekaterinburg")


def test_naive_issue_time_and_unknown_zone_are_refused() -> None:
    plan = (Installment(1, date(2026, 3, 20), rub("1")),)
    with pytest.raises(ValueError, match="timezone-aware"):
        Invoice("inv-5", datetime(2026, 3, 10), rub("1"), plan)  # noqa: DTZ001
    with pytest.raises(ValueError, match="time zone"):
        Invoice("inv-5", utc(2026, 3, 10), rub("1"), plan, "Moscow")


# --- reminder plan -----------------------------------------------------------------------


def test_reminders_in_moscow_at_ten_local() -> None:
    inv = invoice(datetime(2026, 3, 2, 15, 0, tzinfo=MSK), [("500.00", date(2026, 3, 31))])
    # Issue 2 March, due 31 March: 29 days, half is 14 → 16 March. Moscow is UTC+3.
    assert schedule(inv) == [
        (1, "on_issue", utc(2026, 3, 2, 12, 0)),
        (1, "mid_term", utc(2026, 3, 16, 7, 0)),
        (1, "day_before", utc(2026, 3, 30, 7, 0)),
        (1, "overdue", utc(2026, 4, 1, 7, 0)),
    ]


def test_reminders_in_yekaterinburg_around_29_february_2028() -> None:
    inv = invoice(
        datetime(2028, 1, 31, 12, 0, tzinfo=YEKT),
        [("100.00", date(2028, 2, 29)), ("100.00", date(2028, 3, 31))],
        zone="Asia/Yekaterinburg",
    )
    # Yekaterinburg is UTC+5, so 10:00 local is 05:00 UTC.
    # #1: 31 Jan → 29 Feb is 29 days, half 14 → 14 Feb; day before is 28 Feb; overdue 1 March.
    # #2: 31 Jan → 31 Mar is 60 days (leap year), half 30 → 1 March.
    assert schedule(inv) == [
        (1, "on_issue", utc(2028, 1, 31, 7, 0)),
        (1, "mid_term", utc(2028, 2, 14, 5, 0)),
        (1, "day_before", utc(2028, 2, 28, 5, 0)),
        (1, "overdue", utc(2028, 3, 1, 5, 0)),
        (2, "on_issue", utc(2028, 1, 31, 7, 0)),
        (2, "mid_term", utc(2028, 3, 1, 5, 0)),
        (2, "day_before", utc(2028, 3, 30, 5, 0)),
        (2, "overdue", utc(2028, 4, 1, 5, 0)),
    ]


@pytest.mark.parametrize(
    ("due", "day_before", "overdue"),
    [
        (date(2028, 3, 1), utc(2028, 2, 29, 7, 0), utc(2028, 3, 2, 7, 0)),
        (date(2027, 3, 1), utc(2027, 2, 28, 7, 0), utc(2027, 3, 2, 7, 0)),
        (date(2027, 1, 31), utc(2027, 1, 30, 7, 0), utc(2027, 2, 1, 7, 0)),
        (date(2027, 12, 31), utc(2027, 12, 30, 7, 0), utc(2028, 1, 1, 7, 0)),
    ],
)
def test_day_before_and_overdue_cross_month_ends_in_moscow(
    due: date, day_before: datetime, overdue: datetime
) -> None:
    inv = invoice(datetime(2026, 12, 1, 9, 0, tzinfo=MSK), [("1.00", due)])
    fire = {r.kind: r.fire_at for r in plan_reminders(inv)}
    assert fire[BEFORE] == day_before
    assert fire[OVERDUE] == overdue
    assert all(f.tzinfo is UTC for f in fire.values())


def test_short_terms_drop_the_mid_term_and_a_day_before_already_past() -> None:
    issued = datetime(2026, 3, 2, 15, 0, tzinfo=MSK)
    next_day = invoice(issued, [("1.00", date(2026, 3, 3))])
    # Day before would be 2 March 10:00, before the 15:00 issue; half of one day is today.
    assert [r.kind for r in plan_reminders(next_day)] == [ISSUED, OVERDUE]
    three_days = invoice(issued, [("1.00", date(2026, 3, 5))])
    # Mid-term 3 March 10:00 is less than a day after the 15:00 issue.
    assert [r.kind for r in plan_reminders(three_days)] == [ISSUED, BEFORE, OVERDUE]
    morning = invoice(datetime(2026, 3, 2, 9, 0, tzinfo=MSK), [("1.00", date(2026, 3, 5))])
    # Issued at 09:00 instead: 3 March 10:00 is a day and an hour later, before 4 March.
    assert [r.kind for r in plan_reminders(morning)] == [ISSUED, MID, BEFORE, OVERDUE]


def test_mid_term_never_lands_on_the_day_before_reminder() -> None:
    issued = datetime(2026, 3, 2, 9, 0, tzinfo=MSK)
    inv = invoice(issued, [("1.00", date(2026, 3, 4))])
    # Half of two days is 3 March, which is the day-before date itself: skipped.
    assert [r.kind for r in plan_reminders(inv)] == [ISSUED, BEFORE, OVERDUE]


def test_policy_is_configurable() -> None:
    inv = invoice(datetime(2026, 3, 2, 15, 0, tzinfo=MSK), [("500.00", date(2026, 3, 31))])
    policy = ReminderPolicy(days_before_due=3, days_after_due=None, at=time(11, 30))
    assert schedule(inv, policy) == [
        (1, "on_issue", utc(2026, 3, 2, 12, 0)),
        (1, "mid_term", utc(2026, 3, 16, 8, 30)),
        (1, "day_before", utc(2026, 3, 28, 8, 30)),
    ]
    with pytest.raises(ValueError, match="days_before_due"):
        ReminderPolicy(days_before_due=0)


def test_reminder_ids_are_deterministic_uuid5() -> None:
    first = plan_reminders(THREE)
    assert [r.id for r in first] == [r.id for r in plan_reminders(THREE)]
    assert len({r.id for r in first}) == len(first) == 12
    assert first[0].id == reminder_id("inv-1", 1, ISSUED)
    assert first[0].id.version == 5
    other = plan_reminders(replace(THREE, id="inv-2"))
    assert not {r.id for r in first} & {r.id for r in other}


# --- payments ----------------------------------------------------------------------------


def test_partial_payments_cover_the_earliest_installments_first() -> None:
    paid_at = datetime(2026, 1, 20, 12, 0, tzinfo=MSK)
    first = apply_payment(THREE, Payment(rub("150.00"), paid_at))
    assert first.allocations == (Allocation(1, rub("100.00")), Allocation(2, rub("50.00")))
    assert first.settled == (1,)
    assert first.invoice.outstanding == rub("150.00")
    # Installment 1's issue reminder already went out; its later ones are cancelled.
    assert first.cancel_reminders == (
        reminder_id("inv-1", 1, MID),
        reminder_id("inv-1", 1, BEFORE),
        reminder_id("inv-1", 1, OVERDUE),
    )

    second = apply_payment(first.invoice, Payment(rub("30.00"), paid_at))
    assert second.allocations == (Allocation(2, rub("30.00")),)
    assert second.settled == ()
    assert second.cancel_reminders == ()

    third = apply_payment(second.invoice, Payment(rub("120.00"), utc(2026, 2, 20, 9, 0)))
    assert third.allocations == (Allocation(2, rub("20.00")), Allocation(3, rub("100.00")))
    assert third.settled == (2, 3)
    assert third.invoice.outstanding.is_zero
    assert reminder_id("inv-1", 2, BEFORE) in third.cancel_reminders
    assert reminder_id("inv-1", 3, OVERDUE) in third.cancel_reminders
    assert reminder_id("inv-1", 2, ISSUED) not in third.cancel_reminders


def test_states_show_paid_and_outstanding_per_installment() -> None:
    paid_at = datetime(2026, 1, 20, 12, 0, tzinfo=MSK)
    inv = apply_payment(THREE, Payment(rub("150.00"), paid_at)).invoice
    states = installment_states(inv)
    assert [(s.paid, s.outstanding, s.settled_at) for s in states] == [
        (rub("100.00"), rub("0.00"), paid_at),
        (rub("50.00"), rub("50.00"), None),
        (rub("0.00"), rub("100.00"), None),
    ]


def test_a_late_recorded_earlier_payment_settles_when_all_the_money_was_in() -> None:
    later = Payment(rub("60.00"), utc(2026, 1, 25, 9, 0))
    earlier = Payment(rub("40.00"), utc(2026, 1, 15, 9, 0))
    inv = apply_payment(apply_payment(THREE, later).invoice, earlier).invoice
    assert installment_states(inv)[0].settled_at == utc(2026, 1, 25, 9, 0)


def test_overpayment_is_refused_with_a_clear_message() -> None:
    paid_at = utc(2026, 1, 20, 9, 0)
    with pytest.raises(Overpayment, match=r"400\.00 RUB exceeds the 300\.00 RUB still due"):
        apply_payment(THREE, Payment(rub("400.00"), paid_at))
    settled = apply_payment(THREE, Payment(rub("300.00"), paid_at)).invoice
    with pytest.raises(Overpayment, match="inv-1"):
        apply_payment(settled, Payment(rub("0.01"), paid_at))


def test_payment_in_another_currency_is_refused() -> None:
    with pytest.raises(CurrencyMismatch, match="RUB"):
        apply_payment(THREE, Payment(Money.of("100", "USD"), utc(2026, 1, 20)))


def test_payments_must_be_positive_and_aware() -> None:
    with pytest.raises(ValueError, match="positive"):
        Payment(rub("0"), utc(2026, 1, 20))
    with pytest.raises(ValueError, match="timezone-aware"):
        Payment(rub("1"), datetime(2026, 1, 20))  # noqa: DTZ001
    with pytest.raises(InvalidInvoice, match="more than the total"):
        replace(THREE, payments=(Payment(rub("301"), utc(2026, 1, 20)),))


def test_reminders_to_cancel_keeps_what_already_fired() -> None:
    # Paid in full on 31 January at 12:00 Moscow, after the day-before reminder at 10:00.
    inv = apply_payment(THREE, Payment(rub("100.00"), utc(2026, 1, 31, 9, 0))).invoice
    assert reminders_to_cancel(inv) == (reminder_id("inv-1", 1, OVERDUE),)
    assert reminders_to_cancel(THREE) == ()


# --- payment discipline ------------------------------------------------------------------


def test_payment_discipline_worked_by_hand() -> None:
    as_of = datetime(2026, 4, 11, 12, 0, tzinfo=MSK)
    # A (Moscow), 3 × 100 due 1 Feb, 1 Mar, 1 Apr:
    #   #1 paid 1 Feb 20:00 local → on time, 0 days late;
    #   #2 paid 50 on 3 Mar and 50 on 5 Mar → settled 5 Mar, 4 days late;
    #   #3 unpaid (a payment on 12 Apr is after as_of) → 11 Apr − 1 Apr = 10 days late.
    a = THREE
    for amount, paid_at in (
        ("100.00", datetime(2026, 2, 1, 20, 0, tzinfo=MSK)),
        ("50.00", datetime(2026, 3, 3, 10, 0, tzinfo=MSK)),
        ("50.00", datetime(2026, 3, 5, 10, 0, tzinfo=MSK)),
        ("100.00", datetime(2026, 4, 12, 10, 0, tzinfo=MSK)),
    ):
        a = apply_payment(a, Payment(rub(amount), paid_at)).invoice
    # B (Yekaterinburg), due 15 Mar, paid 15 Mar 20:30 UTC: 23:30 in Moscow but already
    # 16 Mar 01:30 for the client → 1 day late.
    b = invoice(
        datetime(2026, 3, 1, 10, 0, tzinfo=YEKT),
        [("500.00", date(2026, 3, 15))],
        zone="Asia/Yekaterinburg",
        invoice_id="inv-b",
    )
    b = apply_payment(b, Payment(rub("500.00"), utc(2026, 3, 15, 20, 30))).invoice
    # C: due today (not judged yet) and due in May (paid early, not due yet) → not counted.
    c = invoice(
        datetime(2026, 4, 1, 10, 0, tzinfo=MSK),
        [("100.00", date(2026, 4, 11)), ("100.00", date(2026, 5, 1))],
        invoice_id="inv-c",
    )
    c = apply_payment(c, Payment(rub("200.00"), datetime(2026, 4, 5, tzinfo=MSK))).invoice

    # Due so far: 4 (A#1, A#2, A#3, B#1); on time: 1 → 1/4 = 0.25.
    # Days late: 0 + 4 + 10 + 1 = 15 over 4 installments → 3.75.
    assert payment_discipline([a, b, c], as_of=as_of) == PaymentDiscipline(
        installments_due=4,
        paid_on_time=1,
        share_on_time=Decimal("0.2500"),
        average_days_late=Decimal("3.75"),
    )


def test_discipline_rounds_thirds() -> None:
    # Only A's first two installments are due by 10 March: one on time, one 9 days late so far.
    a = apply_payment(THREE, Payment(rub("100.00"), utc(2026, 1, 30))).invoice
    result = payment_discipline([a], as_of=datetime(2026, 3, 10, 9, 0, tzinfo=MSK))
    assert result.share_on_time == Decimal("0.5000")
    assert result.average_days_late == Decimal("4.50")
    three = payment_discipline([a], as_of=datetime(2026, 4, 2, 9, 0, tzinfo=MSK))
    # 1 of 3 on time; (0 + 32 + 1) / 3 = 11.
    assert three.share_on_time == Decimal("0.3333")
    assert three.average_days_late == Decimal("11.00")


def test_no_installment_due_yet_means_no_verdict() -> None:
    result = payment_discipline([THREE], as_of=datetime(2026, 2, 1, 23, 0, tzinfo=MSK))
    assert result == PaymentDiscipline(0, 0, None, None)
    assert payment_discipline([], as_of=utc(2026, 2, 1)) == result


def test_reminder_kind_values_match_the_payment_due_contract() -> None:
    assert [k.value for k in ReminderKind] == ["on_issue", "mid_term", "day_before", "overdue"]
    assert isinstance(reminder_id("inv-1", 1, ISSUED), uuid.UUID)
