"""Money: exact decimals, minor units, same-currency arithmetic and exact splits."""

from decimal import Decimal
from typing import Any

import pytest

from deals.domain.money import CurrencyMismatch, Money, minor_units, total

pytestmark = pytest.mark.unit


def rub(amount: str) -> Money:
    return Money.of(amount, "RUB")


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("10", "RUB", Decimal("10.00")),
        ("10.005", "RUB", Decimal("10.01")),
        ("10.004", "RUB", Decimal("10.00")),
        ("-10.005", "RUB", Decimal("-10.01")),
        ("0.125", "USD", Decimal("0.13")),
        ("1999.5", "JPY", Decimal("2000")),
        ("1.2345", "KWD", Decimal("1.235")),
    ],
)
def test_amount_is_rounded_half_up_to_the_currency_minor_units(
    amount: str, currency: str, expected: Decimal
) -> None:
    money = Money.of(amount, currency)
    assert money.amount == expected
    assert money.amount.as_tuple().exponent == -minor_units(currency)


def test_minor_units_table() -> None:
    assert [minor_units(c) for c in ("RUB", "USD", "EUR", "JPY")] == [2, 2, 2, 0]


@pytest.mark.parametrize("amount", [0.1, 1.0, True])
def test_floats_and_booleans_are_refused(amount: Any) -> None:
    with pytest.raises(TypeError):
        Money(amount, "RUB")
    with pytest.raises(TypeError):
        Money.of(amount, "RUB")


def test_multiplying_by_a_float_is_refused() -> None:
    with pytest.raises(TypeError):
        rub("10") * 1.5  # type: ignore[operator]


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "12,50", "abc"])
def test_non_finite_and_malformed_amounts_are_refused(amount: str) -> None:
    with pytest.raises(ValueError, match="amount"):
        Money.of(amount, "RUB")


@pytest.mark.parametrize("currency", ["rub", "RU", "RUBL", "XXX", "РУБ"])
def test_unknown_or_malformed_currencies_are_refused(currency: str) -> None:
    with pytest.raises(ValueError, match="currency"):
        Money.of("1", currency)


def test_arithmetic_within_one_currency() -> None:
    assert rub("10.10") + rub("0.95") == rub("11.05")
    assert rub("10.10") - rub("20") == rub("-9.90")
    assert -rub("5") == rub("-5")
    assert rub("10.00") * Decimal("0.333") == rub("3.33")
    assert 3 * rub("0.35") == rub("1.05")
    assert rub("1") < rub("1.01") <= rub("1.01")
    assert rub("2") > rub("1.99") >= rub("1.99")


def test_combining_currencies_raises_currency_mismatch() -> None:
    usd = Money.of("1", "USD")
    with pytest.raises(CurrencyMismatch):
        rub("1") + usd
    with pytest.raises(CurrencyMismatch):
        rub("1") - usd
    with pytest.raises(CurrencyMismatch):
        assert rub("1") < usd
    assert rub("1") != usd


def test_zero_is_unsigned_and_str_is_fixed_point() -> None:
    assert str(rub("-0.001")) == "0.00 RUB"
    assert str(Money.of(Decimal("1E+3"), "RUB")) == "1000.00 RUB"
    assert Money.zero("JPY").is_zero


def test_total_sums_and_checks_the_currency() -> None:
    assert total([rub("1.10"), rub("2.20")], "RUB") == rub("3.30")
    assert total([], "EUR") == Money.zero("EUR")
    with pytest.raises(CurrencyMismatch):
        total([rub("1")], "USD")


@pytest.mark.parametrize(
    ("amount", "currency", "parts", "expected"),
    [
        ("100.00", "RUB", 3, ["33.34", "33.33", "33.33"]),
        ("0.05", "RUB", 3, ["0.02", "0.02", "0.01"]),
        ("0.01", "RUB", 3, ["0.01", "0.00", "0.00"]),
        ("1000", "JPY", 3, ["334", "333", "333"]),
        ("-100.00", "RUB", 3, ["-33.34", "-33.33", "-33.33"]),
        ("250000.00", "RUB", 1, ["250000.00"]),
    ],
)
def test_split_adds_up_exactly_with_leftover_on_the_first_parts(
    amount: str, currency: str, parts: int, expected: list[str]
) -> None:
    money = Money.of(amount, currency)
    result = money.split(parts)
    assert [str(part.amount) for part in result] == expected
    assert total(result, currency) == money


def test_allocate_by_weights_adds_up_exactly() -> None:
    result = rub("1000.01").allocate([30, 70])
    assert result == (rub("300.01"), rub("700.00"))
    result = rub("100").allocate([Decimal(1), Decimal(0), Decimal(2)])
    assert result == (rub("33.34"), rub("0"), rub("66.66"))


@pytest.mark.parametrize("parts", [0, -1])
def test_split_into_no_parts_is_refused(parts: int) -> None:
    with pytest.raises(ValueError, match="parts"):
        rub("1").split(parts)


def test_allocate_refuses_bad_weights() -> None:
    with pytest.raises(ValueError, match="weights"):
        rub("1").allocate([])
    with pytest.raises(ValueError, match="weights"):
        rub("1").allocate([0, 0])
    with pytest.raises(ValueError, match="weights"):
        rub("1").allocate([1, -1])
