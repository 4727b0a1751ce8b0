"""Money in stored documents: `{"amount": "<decimal string>", "currency": "RUB"}`, never floats."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from deals.domain.money import Money
from shared.contracts.events.money import Money as WireMoney


def money_doc(money: Money) -> dict[str, str]:
    """Stored form; FerretDB has no Decimal128, and a string keeps every digit."""
    return {"amount": str(money.amount), "currency": money.currency}


def money_of(doc: dict[str, Any]) -> Money:
    """Stored form back to domain money."""
    return Money.of(Decimal(doc["amount"]), doc["currency"])


def wire(money: Money) -> WireMoney:
    """Domain money as the contracts' money."""
    return WireMoney(amount=money.amount, currency=money.currency)
