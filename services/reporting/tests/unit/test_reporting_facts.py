"""Reporting facts and shared vocabulary: validation, periods in a zone, ratios, percentiles."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from reporting.domain.facts import (
    ActivityKind,
    ActivityLogged,
    DealStageChanged,
    InvoiceIssued,
    LeadContacted,
    PaymentReceived,
    Period,
    PlannedInstallment,
    StageKind,
    amount_text,
    earliest,
    from_text,
    median,
    nearest_rank,
    ratio,
    to_text,
    with_entry,
)

pytestmark = pytest.mark.unit

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def deal_change(**overrides: Any) -> DealStageChanged:
    fields: dict[str, Any] = {
        "deal_id": "D1",
        "pipeline_id": "p",
        "from_stage": None,
        "to_stage": "new",
        "to_stage_kind": StageKind.OPEN,
        "changed_at": AT,
        "amount": Decimal("100.00"),
        "currency": "RUB",
        "client_id": None,
        "manager_id": "mgr-a",
    } | overrides
    return DealStageChanged(**fields)


def test_period_reads_instants_in_its_own_zone() -> None:
    march = Period(date(2026, 3, 1), date(2026, 4, 1), "Europe/Moscow")
    # 2026-02-28 22:30 UTC is 2026-03-01 01:30 in Moscow (UTC+3): already March there.
    assert march.contains(datetime(2026, 2, 28, 22, 30, tzinfo=UTC))
    # 2026-03-31 21:00 UTC is 2026-04-01 00:00 in Moscow: the end is exclusive.
    assert not march.contains(datetime(2026, 3, 31, 21, 0, tzinfo=UTC))
    assert Period(date(2026, 3, 1), date(2026, 4, 1), "UTC").contains(
        datetime(2026, 3, 31, 21, 0, tzinfo=UTC)
    )


def test_open_ended_periods_and_the_period_before() -> None:
    assert Period().contains(AT)
    assert Period(start=date(2026, 3, 2)).contains(AT)
    assert not Period(end=date(2026, 3, 2)).contains(AT)
    # [03-10, 03-17) is 7 days long; the 7 days before it are [03-03, 03-10).
    assert Period(date(2026, 3, 10), date(2026, 3, 17)).before() == Period(
        date(2026, 3, 3), date(2026, 3, 10)
    )
    with pytest.raises(ValueError, match="bounded"):
        Period(start=date(2026, 3, 1)).before()


def test_bad_periods_are_refused() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        Period(date(2026, 3, 2), date(2026, 3, 1))
    with pytest.raises(ValueError, match="unknown time zone"):
        Period(time_zone="Mars/Olympus")


def test_ratio_has_four_places_and_none_for_an_empty_denominator() -> None:
    assert ratio(1, 3) == Decimal("0.3333")
    assert ratio(2, 3) == Decimal("0.6667")
    assert ratio(3, 3) == Decimal("1.0000")
    assert ratio(0, 0) is None


def test_median_takes_the_mean_of_the_two_middle_values() -> None:
    assert median([Decimal(3), Decimal(1), Decimal(2)]) == 2
    # Sorted 1, 2, 3, 4: (2 + 3) / 2 = 2.5.
    assert median([Decimal(4), Decimal(1), Decimal(3), Decimal(2)]) == Decimal("2.5")
    assert median([timedelta(days=2), timedelta(days=3)]) == timedelta(days=2, hours=12)
    assert median([]) is None


def test_nearest_rank_percentile_returns_an_observed_value() -> None:
    one_to_ten = [Decimal(n) for n in range(10, 0, -1)]
    # rank = ceil(0.9 * 10) = 9 -> the 9th smallest value.
    assert nearest_rank(one_to_ten, 90) == 9
    # rank = ceil(0.9 * 4) = ceil(3.6) = 4 -> the largest of four.
    assert nearest_rank([Decimal(n) for n in (1, 2, 3, 4)], 90) == 4
    # rank = ceil(0.5 * 4) = 2.
    assert nearest_rank([Decimal(n) for n in (1, 2, 3, 4)], 50) == 2
    assert nearest_rank([Decimal(7)], 90) == 7
    assert nearest_rank([], 90) is None
    with pytest.raises(ValueError, match="percent"):
        nearest_rank([Decimal(1)], 0)


def test_stored_forms_round_trip() -> None:
    moscow_time = datetime.fromisoformat("2026-03-02T12:00:00+03:00")
    assert to_text(moscow_time) == "2026-03-02T09:00:00+00:00"
    assert from_text(to_text(moscow_time)) == moscow_time
    assert amount_text(Decimal("1E+3")) == "1000"
    assert amount_text(Decimal("-0.00")) == "0.00"
    assert amount_text(Decimal("12.50")) == "12.50"


def test_earliest_is_independent_of_the_order_it_sees_entries_in() -> None:
    early = {"at": "2026-03-02T09:00:00+00:00", "who": "b"}
    late = {"at": "2026-03-02T10:00:00+00:00", "who": "a"}
    same_time = {"at": "2026-03-02T09:00:00+00:00", "who": "a"}
    assert earliest(early, late) == earliest(late, early) == early
    # Same instant: the smaller canonical JSON wins whichever came first.
    assert earliest(early, same_time) == earliest(same_time, early) == same_time
    assert earliest(None, late) == late


def test_with_entry_keeps_a_sorted_set() -> None:
    first = {"at": "2026-03-02T09:00:00+00:00", "n": 1}
    second = {"at": "2026-03-02T10:00:00+00:00", "n": 2}
    entries = with_entry(with_entry([], second), first)
    assert entries == [first, second]
    assert with_entry(entries, first) == entries
    assert with_entry(with_entry([], first), second) == entries


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        LeadContacted("L1", "mgr-a", datetime(2026, 3, 2, 9, 0), 60, True)  # noqa: DTZ001


def test_money_must_be_an_exact_decimal() -> None:
    with pytest.raises(TypeError, match="Decimal"):
        deal_change(amount=100.0)
    with pytest.raises(ValueError, match="between 0 and 1"):
        deal_change(stage_probability=Decimal("1.5"))
    with pytest.raises(ValueError, match="negative"):
        PaymentReceived("P1", "I1", "c1", Decimal(-1), "RUB", AT)


def test_kinds_given_as_strings_become_enums() -> None:
    change = deal_change(to_stage_kind="won")
    assert change.to_stage_kind is StageKind.WON
    activity = ActivityLogged("A1", None, "mgr-a", "call", AT)  # type: ignore[arg-type]
    assert activity.kind is ActivityKind.CALL
    with pytest.raises(ValueError, match="'fax'"):
        ActivityLogged("A2", None, "mgr-a", "fax", AT)  # type: ignore[arg-type]


def test_invoice_installments_may_be_plain_tuples_but_not_missing() -> None:
    invoice = InvoiceIssued(
        "I1",
        "D1",
        "c1",
        "mgr-a",
        AT,
        Decimal(100),
        "RUB",
        (("i1", date(2026, 3, 31), Decimal(100)),),  # type: ignore[arg-type]
    )
    assert invoice.installments == (PlannedInstallment("i1", date(2026, 3, 31), Decimal(100)),)
    assert invoice.installments[0].due_on == date(2026, 3, 31)
    with pytest.raises(ValueError, match="at least one installment"):
        InvoiceIssued("I2", "D1", "c1", "mgr-a", AT, Decimal(100), "RUB", ())
