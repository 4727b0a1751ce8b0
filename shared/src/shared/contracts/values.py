"""Annotated value types shared by the envelope and the event models."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def plain_zero(value: Decimal) -> Decimal:
    """Turn ``-0`` (a valid Decimal) into ``0``: on the wire a signed zero only confuses."""
    return value.copy_abs() if value.is_zero() else value


def fixed_point(value: Decimal) -> str:
    """Render a decimal without an exponent: ``1E+3`` becomes ``1000`` and ``12.50`` stays."""
    return format(value, "f")


DECIMAL_STRING_SCHEMA: dict[str, Any] = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}

UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
"""An aware datetime normalised to UTC; naive datetimes are rejected (no guessing of zones)."""

DecimalString = Annotated[
    Decimal,
    AfterValidator(plain_zero),
    PlainSerializer(fixed_point, return_type=str, when_used="json"),
    WithJsonSchema(DECIMAL_STRING_SCHEMA, mode="serialization"),
]
"""A decimal that travels as a fixed-point JSON string, never as a binary float."""

EntityId = Annotated[str, StringConstraints(min_length=1, max_length=128)]
"""An identifier minted by some service or publisher: opaque, non-empty, bounded."""

ShortText = Annotated[str, StringConstraints(max_length=1_000)]
"""A raw text field as sent (a name, a phone as typed): bounded only against abuse."""

LongText = Annotated[str, StringConstraints(max_length=20_000)]
"""Free text such as a lead's request: bounded only against abuse."""
