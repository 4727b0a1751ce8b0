"""Money on the wire: a non-negative decimal amount as a JSON string plus an ISO 4217 code."""

from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, WithJsonSchema

from shared.contracts.events.base import ContractModel
from shared.contracts.values import fixed_point, plain_zero


def _reject_binary_float(value: object) -> object:
    """Refuse amounts that were ever binary floats.

    Decision: a JSON number with a fraction (``12.3``) is rejected rather than converted,
    because by the time we see it the producer's float may already have drifted
    (``0.1 + 0.2``); silently rounding money hides that bug. Integers are exact and so
    accepted; fractional amounts must be strings (``"12.30"``), which is what we emit.
    """
    if isinstance(value, bool):
        raise ValueError("an amount must be a decimal string or an integer, not a boolean")
    if isinstance(value, float):
        raise ValueError(
            "an amount must be a decimal string or an integer, not a binary floating-point number"
        )
    return value


Amount = Annotated[
    Decimal,
    BeforeValidator(_reject_binary_float),
    Field(ge=0, max_digits=28, allow_inf_nan=False),
    AfterValidator(plain_zero),
    PlainSerializer(fixed_point, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": r"^\d+(\.\d+)?$"}, mode="serialization"),
]
"""A non-negative amount: string, integer or Decimal in; fixed-point string out; no NaN/inf."""

CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
"""An ISO 4217 alphabetic currency code in upper case."""


class Money(ContractModel):
    """An amount of one currency; the direction (owed, paid) is stated by the event, not a sign."""

    amount: Amount = Field(
        description=(
            "Amount in major units as a decimal string (at most 28 digits); "
            "JSON floats are rejected to keep money exact."
        ),
        examples=["150000.00", "4990"],
    )
    currency: CurrencyCode = Field(
        description="ISO 4217 alphabetic currency code.",
        examples=["RUB", "USD"],
    )
