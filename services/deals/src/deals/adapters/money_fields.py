"""Money in stored documents: `{"amount": "<decimal string>", "currency": "RUB"}`, never floats."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from deals.domain.money import Money


def money_field(money: Money) -> dict[str, str]:
    """Stored form; FerretDB has no Decimal128, and a string keeps every digit."""
    return {"amount": str(money.amount), "currency": money.currency}


def money_from_field(stored: Mapping[str, Any]) -> Money:
    """Stored form back to domain money."""
    return Money.of(Decimal(stored["amount"]), stored["currency"])


def is_money_field(value: object) -> bool:
    """Whether a stored value has the shape of a money field."""
    return isinstance(value, Mapping) and set(value) == {"amount", "currency"}
