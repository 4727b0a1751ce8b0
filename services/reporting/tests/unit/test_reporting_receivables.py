"""Receivables: invoiced vs paid, allocation to installments, overdue ages, payment discipline."""

import copy
import json
import random
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from reporting.domain.facts import Fact, InvoiceIssued, PaymentReceived, Period, PlannedInstallment
from reporting.domain.receivables import (
    AgeBucket,
    Allocation,
    InvoicedVsPaid,
    OverdueBucket,
    PaymentDiscipline,
    ReceivablesState,
    age_bucket,
    apply,
    empty_state,
    fold,
    invoice_statuses,
    overdue_installments,
    report_discipline,
    report_invoiced_vs_paid,
    report_overdue,
)

pytestmark = pytest.mark.unit

MARCH = Period(date(2026, 3, 1), date(2026, 4, 1), "Europe/Moscow")
APRIL_FIRST = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)  # 12:00 in Moscow


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=UTC)


def plan(*parts: tuple[str, date, str]) -> tuple[PlannedInstallment, ...]:
    return tuple(PlannedInstallment(i, due, Decimal(amount)) for i, due, amount in parts)


def payment(
    payment_id: str,
    invoice_id: str,
    client: str,
    amount: str,
    paid_at: datetime,
    installment: str | None = None,
    currency: str = "RUB",
) -> PaymentReceived:
    return PaymentReceived(
        payment_id, invoice_id, client, Decimal(amount), currency, paid_at, installment
    )


FACTS: list[Fact] = [
    InvoiceIssued(
        "INV1",
        "D1",
        "c1",
        "mgr-a",
        at(2026, 1, 10),
        Decimal("300000"),
        "RUB",
        plan(
            ("i1", date(2026, 1, 31), "100000"),
            ("i2", date(2026, 2, 28), "100000"),
            ("i3", date(2026, 3, 31), "100000"),
        ),
    ),
    payment("p1", "INV1", "c1", "100000", at(2026, 1, 30)),  # i1 in full, a day early
    payment("p2", "INV1", "c1", "60000", at(2026, 3, 5)),  # earliest unpaid: i2
    payment("p3", "INV1", "c1", "40000", at(2026, 3, 20), installment="i3"),  # aimed at i3
    InvoiceIssued(
        "INV2",
        "D2",
        "c2",
        "mgr-b",
        at(2025, 12, 1),
        Decimal("50000"),
        "RUB",
        plan(("j1", date(2025, 12, 15), "50000")),
    ),
    InvoiceIssued(
        "INV3",
        "D3",
        "c2",
        "mgr-b",
        at(2026, 2, 1),
        Decimal("1000"),
        "USD",
        plan(("k1", date(2026, 2, 10), "500"), ("k2", date(2026, 4, 10), "500")),
    ),
    payment("p4", "INV3", "c2", "500", at(2026, 2, 12), currency="USD"),  # k1, 2 days late
    payment("p5", "INV9", "c3", "7000", at(2026, 3, 10)),  # its invoice has not arrived
    payment("p6", "INV2", "c2", "100", at(2026, 3, 1), currency="EUR"),  # not the invoice's
]


def built(facts: Sequence[Fact] = FACTS) -> ReceivablesState:
    return fold(empty_state(), facts)


def orders(facts: Sequence[Fact], times: int = 25) -> Iterator[list[Fact]]:
    yield list(reversed(facts))
    rng = random.Random(3)
    for _ in range(times):
        shuffled = list(facts)
        rng.shuffle(shuffled)
        yield shuffled


def test_payments_without_an_installment_go_to_the_earliest_unpaid_ones() -> None:
    inv1 = invoice_statuses(built())[0]
    assert [(i.installment_id, i.paid) for i in inv1.installments] == [
        ("i1", Decimal("100000")),
        ("i2", Decimal("60000")),
        ("i3", Decimal("40000")),
    ]
    assert inv1.installments[0].settled_at == at(2026, 1, 30)
    assert inv1.installments[1].settled_at is None
    # 300 000 - (100 000 + 60 000 + 40 000) = 100 000.
    assert (inv1.paid, inv1.outstanding, inv1.unallocated) == (
        Decimal("200000"),
        Decimal("100000"),
        Decimal(0),
    )


def test_a_payment_aimed_at_an_installment_spills_over_to_the_earliest_unpaid() -> None:
    facts: list[Fact] = [
        InvoiceIssued(
            "I",
            "D",
            "c",
            "m",
            at(2026, 3, 1),
            Decimal(200),
            "RUB",
            plan(("a", date(2026, 3, 10), "100"), ("b", date(2026, 3, 20), "100")),
        ),
        # 150 for b: 100 settles b, the other 50 go to a.
        payment("x", "I", "c", "150", at(2026, 3, 2), installment="b"),
        # 80 more: 50 settle a, 30 are beyond the plan.
        payment("y", "I", "c", "80", at(2026, 3, 3)),
    ]
    status = invoice_statuses(built(facts))[0]
    assert status.allocations == (
        Allocation("x", "b", Decimal(100)),
        Allocation("x", "a", Decimal(50)),
        Allocation("y", "a", Decimal(50)),
    )
    assert [i.settled_at for i in status.installments] == [at(2026, 3, 3), at(2026, 3, 2)]
    assert (status.unallocated, status.outstanding) == (Decimal(30), Decimal(0))


def test_an_earlier_payment_recorded_late_is_replayed_first() -> None:
    invoice = InvoiceIssued(
        "I",
        "D",
        "c",
        "m",
        at(2026, 3, 1),
        Decimal(200),
        "RUB",
        plan(("a", date(2026, 3, 10), "100"), ("b", date(2026, 3, 20), "100")),
    )
    late = payment("late", "I", "c", "100", at(2026, 3, 15))
    early = payment("early", "I", "c", "100", at(2026, 3, 5))
    orderings: list[list[Fact]] = [[invoice, late, early], [early, late, invoice]]
    for facts in orderings:
        status = invoice_statuses(built(facts))[0]
        assert [a.payment_id for a in status.allocations] == ["early", "late"]
        assert [i.settled_at for i in status.installments] == [at(2026, 3, 5), at(2026, 3, 15)]


def test_invoiced_vs_paid_per_currency() -> None:
    state = built()
    assert report_invoiced_vs_paid(state, as_of=APRIL_FIRST) == InvoicedVsPaid(
        # INV1 300 000 + INV2 50 000; INV3 1 000 USD.
        invoiced={"RUB": Decimal("350000"), "USD": Decimal("1000")},
        # p1 + p2 + p3 + p5 = 100 000 + 60 000 + 40 000 + 7 000; p4 in USD, p6 in EUR.
        paid={"EUR": Decimal("100"), "RUB": Decimal("207000"), "USD": Decimal("500")},
        # INV1 100 000 + INV2 50 000 (the EUR payment is not allocated); INV3 500 USD.
        outstanding={"RUB": Decimal("150000"), "USD": Decimal("500")},
    )


def test_invoiced_vs_paid_in_a_period_and_for_a_manager() -> None:
    state = built()
    # Nothing issued in March; paid in March: p2 + p3 + p5 = 107 000 RUB and p6.
    assert report_invoiced_vs_paid(state, period=MARCH) == InvoicedVsPaid(
        invoiced={}, paid={"EUR": Decimal("100"), "RUB": Decimal("107000")}, outstanding={}
    )
    # mgr-b: INV2 and INV3 with p4 and p6; p5's invoice is unknown, so it is nobody's.
    assert report_invoiced_vs_paid(state, manager_id="mgr-b") == InvoicedVsPaid(
        invoiced={"RUB": Decimal("50000"), "USD": Decimal("1000")},
        paid={"EUR": Decimal("100"), "USD": Decimal("500")},
        outstanding={"RUB": Decimal("50000"), "USD": Decimal("500")},
    )
    assert report_invoiced_vs_paid(state, client_id="c3").paid == {"RUB": Decimal("7000")}


def test_age_buckets() -> None:
    assert [age_bucket(d) for d in (0, 1, 30, 31, 60, 61, 90, 91)] == [
        None,
        AgeBucket.DAYS_1_30,
        AgeBucket.DAYS_1_30,
        AgeBucket.DAYS_31_60,
        AgeBucket.DAYS_31_60,
        AgeBucket.DAYS_61_90,
        AgeBucket.DAYS_61_90,
        AgeBucket.OVER_90,
    ]


def test_overdue_installments_by_age_on_the_first_of_april() -> None:
    state = built()
    # Today is 2026-04-01 in Moscow. i3 (due 03-31) 60 000 left: 1 day. i2 (due 02-28)
    # 40 000 left: 32 days. j1 (due 2025-12-15) 50 000: 16 + 31 + 28 + 31 + 1 = 107 days.
    found = overdue_installments(state, as_of=APRIL_FIRST)
    assert sorted((o.installment.installment_id, o.days_past_due) for o in found) == [
        ("i2", 32),
        ("i3", 1),
        ("j1", 107),
    ]
    assert report_overdue(state, as_of=APRIL_FIRST) == (
        OverdueBucket(AgeBucket.DAYS_1_30, 1, {"RUB": Decimal("60000")}),
        OverdueBucket(AgeBucket.DAYS_31_60, 1, {"RUB": Decimal("40000")}),
        OverdueBucket(AgeBucket.DAYS_61_90, 0, {}),
        OverdueBucket(AgeBucket.OVER_90, 1, {"RUB": Decimal("50000")}),
    )
    assert report_overdue(state, as_of=APRIL_FIRST, client_id="c2")[3].installments == 1
    assert report_overdue(state, as_of=APRIL_FIRST, manager_id="mgr-b")[0].installments == 0


def test_overdue_as_of_an_earlier_day_ignores_later_payments() -> None:
    # 2026-03-01 in Moscow: p2 (03-05) has not come, i2 (due 02-28) is 1 day late in full;
    # j1 is 16 + 31 + 28 + 1 = 76 days late.
    first_of_march = datetime.fromisoformat("2026-03-01T12:00:00+03:00")
    assert report_overdue(built(), as_of=first_of_march) == (
        OverdueBucket(AgeBucket.DAYS_1_30, 1, {"RUB": Decimal("100000")}),
        OverdueBucket(AgeBucket.DAYS_31_60, 0, {}),
        OverdueBucket(AgeBucket.DAYS_61_90, 1, {"RUB": Decimal("50000")}),
        OverdueBucket(AgeBucket.OVER_90, 0, {}),
    )


def test_payment_discipline_per_client() -> None:
    assert report_discipline(built(), as_of=APRIL_FIRST) == {
        # Due before 04-01: i1 on time, i2 unpaid 32 days, i3 unpaid 1 day.
        # On time 1/3; days late (0 + 32 + 1) / 3 = 11.
        "c1": PaymentDiscipline("c1", 3, 1, Decimal("0.3333"), Decimal("11.00")),
        # j1 unpaid 107 days, k1 paid 2 days late; k2 is not due. (107 + 2) / 2 = 54.5.
        "c2": PaymentDiscipline("c2", 2, 0, Decimal("0.0000"), Decimal("54.50")),
    }


def test_payment_discipline_without_anything_due_is_no_verdict() -> None:
    january = datetime(2026, 1, 20, tzinfo=UTC)
    discipline = report_discipline(built(FACTS[:1]), as_of=january)
    assert discipline == {"c1": PaymentDiscipline("c1", 0, 0, None, None)}


def test_on_time_is_judged_by_the_due_day_in_the_zone() -> None:
    facts: list[Fact] = [
        InvoiceIssued(
            "I",
            "D",
            "c",
            "m",
            at(2026, 3, 1),
            Decimal(100),
            "RUB",
            plan(("a", date(2026, 3, 10), "100")),
        ),
        # 2026-03-10 22:30 UTC is already 03-11 01:30 in Moscow: one day late there.
        payment("x", "I", "c", "100", datetime(2026, 3, 10, 22, 30, tzinfo=UTC)),
    ]
    in_moscow = report_discipline(built(facts), as_of=APRIL_FIRST)["c"]
    in_utc = report_discipline(built(facts), as_of=APRIL_FIRST, time_zone="UTC")["c"]
    assert (in_moscow.paid_on_time, in_moscow.average_days_late) == (0, Decimal("1.00"))
    assert (in_utc.paid_on_time, in_utc.average_days_late) == (1, Decimal("0.00"))


def test_same_figures_and_state_in_any_arrival_order() -> None:
    expected_state = built()
    for order in orders(FACTS):
        state = built(order)
        assert state == expected_state
        assert report_overdue(state, as_of=APRIL_FIRST) == report_overdue(
            expected_state, as_of=APRIL_FIRST
        )
        assert report_discipline(state, as_of=APRIL_FIRST) == report_discipline(
            expected_state, as_of=APRIL_FIRST
        )


def test_a_payment_before_its_invoice_is_allocated_once_the_invoice_arrives() -> None:
    state = built([payment("p", "I", "c", "100", at(2026, 3, 2))])
    assert invoice_statuses(state) == ()
    invoice = InvoiceIssued(
        "I",
        "D",
        "c",
        "m",
        at(2026, 3, 1),
        Decimal(100),
        "RUB",
        plan(("a", date(2026, 3, 10), "100")),
    )
    status = invoice_statuses(apply(state, invoice))[0]
    assert status.installments[0].settled_at == at(2026, 3, 2)


def test_redelivered_facts_change_nothing() -> None:
    assert built(FACTS + FACTS) == built()


def test_apply_leaves_the_given_state_alone_and_the_state_is_plain_json() -> None:
    state = built()
    snapshot = copy.deepcopy(state)
    apply(state, payment("p9", "INV1", "c1", "1", at(2026, 3, 30)))
    assert state == snapshot
    assert json.loads(json.dumps(state)) == state
