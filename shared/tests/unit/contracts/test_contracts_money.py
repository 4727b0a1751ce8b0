"""Money on the wire: exact decimals as strings, never binary floats."""

from decimal import Decimal

import pytest
from pydantic import ValidationError

from shared.contracts import Money, describe_validation_error

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"amount": "12.50", "currency": "RUB"}', Decimal("12.50")),
        (b'{"amount": 4990, "currency": "RUB"}', Decimal(4990)),
        (b'{"amount": "0", "currency": "USD"}', Decimal(0)),
    ],
)
def test_money_accepts_decimal_strings_and_integers(raw: bytes, expected: Decimal) -> None:
    assert Money.model_validate_json(raw).amount == expected


def test_money_is_serialised_as_a_fixed_point_string_keeping_its_scale() -> None:
    assert Money(amount=Decimal("12.50"), currency="RUB").model_dump_json() == (
        '{"amount":"12.50","currency":"RUB"}'
    )
    assert Money(amount=Decimal("1E+3"), currency="RUB").model_dump(mode="json") == {
        "amount": "1000",
        "currency": "RUB",
    }


def test_money_rejects_json_floats_so_no_binary_rounding_reaches_an_amount() -> None:
    with pytest.raises(ValidationError) as caught:
        Money.model_validate_json(b'{"amount": 0.30000000000000004, "currency": "RUB"}')

    assert "floating-point" in describe_validation_error(caught.value)


def test_money_rejects_python_floats_and_booleans_too() -> None:
    with pytest.raises(ValidationError):
        Money.model_validate({"amount": 0.1, "currency": "RUB"})
    with pytest.raises(ValidationError):
        Money.model_validate({"amount": True, "currency": "RUB"})


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-Infinity", "sNaN", "1e40", "-1"])
def test_money_rejects_non_finite_huge_and_negative_amounts(amount: str) -> None:
    with pytest.raises(ValidationError):
        Money.model_validate({"amount": amount, "currency": "RUB"})


@pytest.mark.parametrize("currency", ["rub", "RUBL", "RU", "₽", ""])
def test_money_requires_an_iso_4217_code(currency: str) -> None:
    with pytest.raises(ValidationError, match="currency"):
        Money.model_validate({"amount": "1", "currency": currency})


def test_negative_zero_is_written_as_plain_zero() -> None:
    assert Money(amount=Decimal("-0.00"), currency="RUB").model_dump(mode="json")["amount"] == (
        "0.00"
    )
