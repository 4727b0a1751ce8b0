"""Discount schemes (volume, segment, payment form, promotion), line pricing and approval."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from deals.domain.contracts import PaymentForm
from deals.domain.money import Money

HUNDRED = Decimal(100)
MANUAL_RULE_ID = "manual"


class DiscountKind(StrEnum):
    """Which factor a discount depends on; `manual` is a manager's own discount."""

    VOLUME = "volume"
    SEGMENT = "segment"
    PAYMENT_FORM = "payment_form"
    PROMOTION = "promotion"
    MANUAL = "manual"


class ClientSegment(StrEnum):
    """Client segment by last purchase (see the domain notes)."""

    HOT = "hot"
    WARM = "warm"
    SLEEPING = "sleeping"


class ClientType(StrEnum):
    """What kind of buyer the client is."""

    WHOLESALE = "wholesale"
    RETAIL = "retail"
    DEALER = "dealer"
    DISTRIBUTOR = "distributor"


def _exact(value: object, what: str) -> Decimal:
    if isinstance(value, float | bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{what} must be a Decimal or an int, not {type(value).__name__}")
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(f"{what} must be finite")
    return number


def _percent(value: object, what: str = "percent") -> Decimal:
    number = _exact(value, what)
    if not Decimal(0) <= number <= HUNDRED:
        raise ValueError(f"{what} must be between 0 and 100")
    return number


@dataclass(frozen=True, slots=True)
class LineItem:
    """A product line of a deal: `quantity` may be fractional (metres, kilograms)."""

    product: str
    quantity: Decimal
    unit_price: Money

    def __post_init__(self) -> None:
        quantity = _exact(self.quantity, "quantity")
        if quantity <= 0:
            raise ValueError("quantity must be positive")
        if self.unit_price.amount < 0:
            raise ValueError("unit price must not be negative")
        object.__setattr__(self, "quantity", quantity)


@dataclass(frozen=True, slots=True)
class VolumeTier:
    """`percent` off when a line's quantity reaches `min_quantity` (of `product`, or any)."""

    id: str
    min_quantity: Decimal
    percent: Decimal
    product: str | None = None

    kind: ClassVar[DiscountKind] = DiscountKind.VOLUME

    def __post_init__(self) -> None:
        object.__setattr__(self, "min_quantity", _exact(self.min_quantity, "min_quantity"))
        object.__setattr__(self, "percent", _percent(self.percent))

    def applies(self, line: LineItem, context: DiscountContext) -> bool:
        """Whether the line is large enough (and of the rule's product, if any)."""
        return (self.product is None or self.product == line.product) and (
            line.quantity >= self.min_quantity
        )


@dataclass(frozen=True, slots=True)
class SegmentDiscount:
    """`percent` off for a client segment and/or client type; both must match when both set."""

    id: str
    percent: Decimal
    segment: ClientSegment | None = None
    client_type: ClientType | None = None

    kind: ClassVar[DiscountKind] = DiscountKind.SEGMENT

    def __post_init__(self) -> None:
        if self.segment is None and self.client_type is None:
            raise ValueError(f"segment discount {self.id}: name a segment or a client type")
        object.__setattr__(self, "percent", _percent(self.percent))

    def applies(self, line: LineItem, context: DiscountContext) -> bool:
        """Whether the client is in the segment and of the type the rule names."""
        return (self.segment is None or self.segment == context.segment) and (
            self.client_type is None or self.client_type == context.client_type
        )


@dataclass(frozen=True, slots=True)
class PaymentFormDiscount:
    """`percent` off for paying in a given form (say, prepayment by bank transfer)."""

    id: str
    payment_form: PaymentForm
    percent: Decimal

    kind: ClassVar[DiscountKind] = DiscountKind.PAYMENT_FORM

    def __post_init__(self) -> None:
        object.__setattr__(self, "percent", _percent(self.percent))

    def applies(self, line: LineItem, context: DiscountContext) -> bool:
        """Whether the deal is paid in the rule's form."""
        return context.payment_form == self.payment_form


@dataclass(frozen=True, slots=True)
class Promotion:
    """`percent` off from `valid_from` to `valid_to` inclusive, on `product` or on everything."""

    id: str
    percent: Decimal
    valid_from: date
    valid_to: date
    product: str | None = None

    kind: ClassVar[DiscountKind] = DiscountKind.PROMOTION

    def __post_init__(self) -> None:
        if self.valid_to < self.valid_from:
            raise ValueError(f"promotion {self.id}: valid_to is before valid_from")
        object.__setattr__(self, "percent", _percent(self.percent))

    def applies(self, line: LineItem, context: DiscountContext) -> bool:
        """Whether the pricing date falls in the promotion and the product matches."""
        return self.valid_from <= context.on <= self.valid_to and (
            self.product is None or self.product == line.product
        )


DiscountRule = VolumeTier | SegmentDiscount | PaymentFormDiscount | Promotion


@dataclass(frozen=True, slots=True)
class DiscountContext:
    """What discounts depend on besides the line; `requested_percent` is a manual discount."""

    on: date
    rules: tuple[DiscountRule, ...] = ()
    segment: ClientSegment | None = None
    client_type: ClientType | None = None
    payment_form: PaymentForm | None = None
    requested_percent: Decimal | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "rules", tuple(self.rules))
        if self.requested_percent is not None:
            object.__setattr__(
                self, "requested_percent", _percent(self.requested_percent, "requested_percent")
            )


@dataclass(frozen=True, slots=True)
class AppliedDiscount:
    """The one discount a line gets: which rule, of which kind, how many percent."""

    rule_id: str
    rule_kind: DiscountKind
    percent: Decimal


@dataclass(frozen=True, slots=True)
class PricedLine:
    """A priced line: `gross` − `discount_amount` == `net`, all in minor units."""

    line: LineItem
    discount: AppliedDiscount | None
    gross: Money
    discount_amount: Money
    net: Money


def best_discount(line: LineItem, context: DiscountContext) -> AppliedDiscount | None:
    """The largest applicable discount, or None; discounts never stack.

    Not stacking keeps the price explainable ("promotion 10%", not a product of four
    factors) and caps the total at the best single scheme; a manager wanting more asks for
    a manual discount, which competes like any rule. Ties go to the rule listed first, and
    scheme rules come before the manual one, so an equal manual request changes nothing.
    """
    candidates = [
        AppliedDiscount(rule.id, rule.kind, rule.percent)
        for rule in context.rules
        if rule.percent > 0 and rule.applies(line, context)
    ]
    if context.requested_percent is not None and context.requested_percent > 0:
        candidates.append(
            AppliedDiscount(MANUAL_RULE_ID, DiscountKind.MANUAL, context.requested_percent)
        )
    best: AppliedDiscount | None = None
    for candidate in candidates:
        if best is None or candidate.percent > best.percent:
            best = candidate
    return best


def price_line(line: LineItem, discount: AppliedDiscount | None) -> PricedLine:
    """Unit price × quantity − discount, rounded half-up to minor units once, at the end.

    Gross and net are each rounded from exact values and the discount amount is their
    difference, so the three always add up.
    """
    currency = line.unit_price.currency
    gross = line.unit_price.amount * line.quantity
    percent = discount.percent if discount is not None else Decimal(0)
    net = gross - gross * percent / HUNDRED
    gross_money = Money(gross, currency)
    net_money = Money(net, currency)
    return PricedLine(
        line=line,
        discount=discount,
        gross=gross_money,
        discount_amount=gross_money - net_money,
        net=net_money,
    )


def needs_approval(discount: AppliedDiscount | None, manager_max_percent: Decimal) -> bool:
    """Whether the head of sales must approve: the discount exceeds the manager's own limit.

    Scheme discounts count too: the limit is on what the client gets, whatever the source,
    so a tenant whose promotions go deeper than its managers' limits raises the limits.
    """
    limit = _percent(manager_max_percent, "manager_max_percent")
    return discount is not None and discount.percent > limit
