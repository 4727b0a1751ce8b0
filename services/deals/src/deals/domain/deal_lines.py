"""A deal's lines priced with the best discount each, and the approval a deep discount waits for."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from deals.domain.contracts import PaymentForm
from deals.domain.discounts import (
    ClientSegment,
    ClientType,
    DiscountContext,
    DiscountKind,
    DiscountRule,
    LineItem,
    PricedLine,
    best_discount,
    needs_approval,
    price_line,
)
from deals.domain.money import Money, total


@dataclass(frozen=True, slots=True)
class CatalogueItem:
    """What a line of a catalogue product keeps of it: its SKU, unit and VAT rate."""

    sku: str
    unit: str
    vat_rate: Decimal | None


@dataclass(frozen=True, slots=True)
class LineRequest:
    """A line as the manager enters it, with the manual discount asked for, if any."""

    product: str
    quantity: Decimal
    unit_price: Money
    requested_discount_percent: Decimal | None = None
    item: CatalogueItem | None = None


@dataclass(frozen=True, slots=True)
class PricingTerms:
    """What prices a deal's lines: the day, the schemes, the client and the manager's limit."""

    on: date
    manager_limit: Decimal
    rules: tuple[DiscountRule, ...] = ()
    segment: ClientSegment | None = None
    client_type: ClientType | None = None
    payment_form: PaymentForm | None = None


@dataclass(frozen=True, slots=True)
class DealLine:
    """A priced line; `needs_approval` when its manual discount exceeds the manager's limit."""

    priced: PricedLine
    needs_approval: bool = False
    item: CatalogueItem | None = None

    @property
    def net(self) -> Money:
        """What the client pays for the line."""
        return self.priced.net


def price_request(request: LineRequest, terms: PricingTerms) -> DealLine:
    """The line with its best discount; only a manual one (the manager's) can need approval."""
    line = LineItem(request.product, request.quantity, request.unit_price)
    context = DiscountContext(
        on=terms.on,
        rules=terms.rules,
        segment=terms.segment,
        client_type=terms.client_type,
        payment_form=terms.payment_form,
        requested_percent=request.requested_discount_percent,
    )
    discount = best_discount(line, context)
    manual = discount is not None and discount.rule_kind is DiscountKind.MANUAL
    return DealLine(
        priced=price_line(line, discount),
        needs_approval=manual and needs_approval(discount, terms.manager_limit),
        item=request.item,
    )


def lines_currency(lines: Sequence[DealLine]) -> str | None:
    """The one currency of the lines (None without lines); ValueError when they mix currencies."""
    currencies = {line.net.currency for line in lines}
    if len(currencies) > 1:
        raise ValueError("all lines of a deal must be in one currency")
    return currencies.pop() if currencies else None


def lines_total(lines: Sequence[DealLine], currency: str) -> Money:
    """What the client pays for all lines."""
    return total((line.net for line in lines), currency)


class ApprovalStatus(StrEnum):
    """Whether a discount above the manager's limit waits for (or got) the head of sales."""

    NOT_NEEDED = "not_needed"
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


BLOCKING_APPROVAL: frozenset[ApprovalStatus] = frozenset(
    {ApprovalStatus.PENDING, ApprovalStatus.REJECTED}
)
"""Approval states that keep a deal from moving anywhere but lost."""


@dataclass(frozen=True, slots=True)
class DiscountApproval:
    """The approval state of a deal's discounts; pricing again starts it over."""

    status: ApprovalStatus = ApprovalStatus.NOT_NEEDED
    requested_at: datetime | None = None
    max_percent: Decimal | None = None
    manager_limit: Decimal | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None

    @classmethod
    def for_lines(
        cls, lines: Sequence[DealLine], *, manager_limit: Decimal, at: datetime
    ) -> DiscountApproval:
        """Pending, naming the deepest discount, when a line needs approval; else not needed."""
        over = [
            line.priced.discount.percent
            for line in lines
            if line.needs_approval and line.priced.discount is not None
        ]
        if not over:
            return cls()
        return cls(
            status=ApprovalStatus.PENDING,
            requested_at=at,
            max_percent=max(over),
            manager_limit=manager_limit,
        )

    def decide(self, *, approved: bool, by: str, at: datetime) -> DiscountApproval:
        """The head of sales' decision; ValueError when nothing awaits approval."""
        if self.status is not ApprovalStatus.PENDING:
            raise ValueError("no discount awaits approval on this deal")
        status = ApprovalStatus.APPROVED if approved else ApprovalStatus.REJECTED
        return replace(self, status=status, decided_by=by, decided_at=at)
