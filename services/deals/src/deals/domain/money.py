"""Money: an exact decimal amount in one ISO 4217 currency, rounded to its minor units."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from types import MappingProxyType

# Digits after the decimal point per currency. A small table on purpose: a currency the
# business has not agreed to invoice in is refused rather than guessed at.
MINOR_UNITS: Mapping[str, int] = MappingProxyType(
    {
        "RUB": 2,
        "USD": 2,
        "EUR": 2,
        "CNY": 2,
        "GBP": 2,
        "CHF": 2,
        "KZT": 2,
        "BYN": 2,
        "UZS": 2,
        "AMD": 2,
        "AED": 2,
        "TRY": 2,
        "INR": 2,
        "JPY": 0,
        "KRW": 0,
        "KWD": 3,
        "BHD": 3,
    }
)


class CurrencyMismatch(ValueError):
    """Two amounts in different currencies were combined or compared."""


def minor_units(currency: str) -> int:
    """Number of decimal places the currency is counted in (RUB 2, JPY 0)."""
    try:
        return MINOR_UNITS[currency]
    except KeyError:
        raise ValueError(f"unsupported currency {currency!r}") from None


def quantum(currency: str) -> Decimal:
    """The smallest amount of the currency: 0.01 for RUB, 1 for JPY."""
    return Decimal(1).scaleb(-minor_units(currency))


def _to_decimal(value: object, what: str) -> Decimal:
    # bool is an int subclass; True roubles is a bug, not an amount.
    if isinstance(value, float | bool):
        raise TypeError(f"{what} must be a Decimal, int or str, not {type(value).__name__}")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | str):
        try:
            number = Decimal(value)
        except ArithmeticError:
            raise ValueError(f"{what} is not a decimal number") from None
    else:
        raise TypeError(f"{what} must be a Decimal, int or str, not {type(value).__name__}")
    if not number.is_finite():
        raise ValueError(f"{what} must be finite")
    return number


def _round(amount: Decimal, currency: str) -> Decimal:
    rounded = amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)
    # -0.00 compares equal to 0.00 but prints oddly; keep zero unsigned.
    return rounded.copy_abs() if rounded.is_zero() else rounded


@dataclass(frozen=True, slots=True)
class Money:
    """An amount of one currency, always held at the currency's minor units (half-up).

    Negative amounts are allowed (a difference, a refund); whether a sign makes sense is
    up to the caller. Floats are refused with TypeError: they are inexact before we see them.
    """

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.currency, str) or not (
            len(self.currency) == 3 and self.currency.isascii() and self.currency.isupper()
        ):
            raise ValueError("currency must be a three-letter upper-case ISO 4217 code")
        number = _to_decimal(self.amount, "amount")
        object.__setattr__(self, "amount", _round(number, self.currency))

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str) -> Money:
        """Build from a Decimal, an int or a decimal string such as "1500.50"."""
        return cls(_to_decimal(amount, "amount"), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Nothing, in the given currency."""
        return cls(Decimal(0), currency)

    def __str__(self) -> str:
        return f"{self.amount:f} {self.currency}"

    @property
    def is_zero(self) -> bool:
        """Whether the amount is zero."""
        return self.amount.is_zero()

    @property
    def is_positive(self) -> bool:
        """Whether the amount is strictly above zero."""
        return self.amount > 0

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        """Multiply by an exact factor and round the result half-up to minor units."""
        if not isinstance(factor, Decimal | int) or isinstance(factor, bool):
            return NotImplemented
        return Money(self.amount * _to_decimal(factor, "factor"), self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return self.amount >= other.amount

    def split(self, parts: int) -> tuple[Money, ...]:
        """Split into `parts` amounts that add up exactly; leftover minor units go first.

        100.00 RUB in 3 is 33.34 + 33.33 + 33.33: the earliest part carries the extra kopeck.
        """
        if isinstance(parts, bool) or not isinstance(parts, int) or parts < 1:
            raise ValueError("parts must be a positive integer")
        return self.allocate([1] * parts)

    def allocate(self, weights: Sequence[Decimal | int]) -> tuple[Money, ...]:
        """Split in proportion to `weights` (e.g. 30, 70); the parts add up exactly.

        Each part is rounded down to minor units, then the leftover units are handed out
        one by one from the first part, so the result is deterministic.
        """
        if not weights:
            raise ValueError("weights must not be empty")
        exact = [_to_decimal(weight, "weight") for weight in weights]
        if any(weight < 0 for weight in exact) or sum(exact) <= 0:
            raise ValueError("weights must be non-negative and add up to more than zero")
        step = quantum(self.currency)
        units = int((self.amount.copy_abs() / step).to_integral_value())
        whole = sum(exact)
        shares = [
            int((units * weight / whole).to_integral_value(rounding=ROUND_DOWN)) for weight in exact
        ]
        leftover = units - sum(shares)
        eligible = [index for index, weight in enumerate(exact) if weight > 0]
        for index in eligible[:leftover]:
            shares[index] += 1
        sign = -1 if self.amount < 0 else 1
        return tuple(Money(sign * share * step, self.currency) for share in shares)


def total(amounts: Iterable[Money], currency: str) -> Money:
    """Sum of the amounts, zero when there are none; every amount must be in `currency`."""
    result = Money.zero(currency)
    for amount in amounts:
        result = result + amount
    return result
