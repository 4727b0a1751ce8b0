"""Demand by product and products bought together, over the deals won in a period.

A won deal's lines are those of its latest stage change that carried lines (normally the
win itself); a deal won before the deals service sent lines counts in neither report. A
product is its SKU, or its name (trimmed) on a free line without one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from itertools import combinations

from reporting.domain.facts import DealLine, Period, add_amount
from reporting.domain.sales import DealRecord, DealView, closed_within, deal_views


def product_key(line: DealLine) -> str:
    """What a line is counted as: its SKU, else its product name."""
    return line.sku or line.product.strip()


@dataclass(frozen=True, slots=True)
class ProductDemand:
    """One product: deals won with it, the quantity and the net amount per currency.

    `name` is the product's name on its line in the latest won deal counted.
    """

    product: str
    sku: str | None
    name: str
    deals: int
    quantity: Decimal
    net: Mapping[str, Decimal]


@dataclass(frozen=True, slots=True)
class ProductPair:
    """Two products (in name order) bought together, and in how many won deals."""

    products: tuple[str, str]
    deals: int


def won_with_lines(
    deals: Mapping[str, DealRecord], period: Period | None, as_of: datetime | None = None
) -> list[DealView]:
    """Deals won in the period (standing won at `as_of`) whose lines are known."""
    return [
        view
        for view in deal_views(deals, as_of)
        if view.is_won and closed_within(view, period) and view.lines is not None
    ]


@dataclass(slots=True)
class _Demand:
    sku: str | None
    name: str
    last_won: datetime
    deals: set[str] = field(default_factory=set)
    quantity: Decimal = Decimal(0)
    net: dict[str, Decimal] = field(default_factory=dict)


def report_products(
    deals: Mapping[str, DealRecord], *, period: Period | None = None
) -> tuple[ProductDemand, ...]:
    """Demand per product over deals won in the period, most deals first, then by product."""
    demand: dict[str, _Demand] = {}
    for view in won_with_lines(deals, period):
        for line in view.lines or ():
            key = product_key(line)
            won_at = view.closed_at or view.opened_at
            entry = demand.setdefault(key, _Demand(line.sku, line.product.strip(), won_at))
            if won_at > entry.last_won:
                entry.name, entry.last_won = line.product.strip(), won_at
            entry.deals.add(view.deal_id)
            entry.quantity += line.quantity
            add_amount(entry.net, line.currency, line.net)
    rows = [
        ProductDemand(key, d.sku, d.name, len(d.deals), d.quantity, dict(sorted(d.net.items())))
        for key, d in demand.items()
    ]
    return tuple(sorted(rows, key=lambda row: (-row.deals, row.product)))


def report_cross_sell(
    deals: Mapping[str, DealRecord], *, period: Period | None = None
) -> tuple[ProductPair, ...]:
    """Unordered pairs of products won together in one deal, by deals, most frequent first."""
    pairs: Counter[tuple[str, str]] = Counter()
    for view in won_with_lines(deals, period):
        products = sorted({product_key(line) for line in view.lines or ()})
        pairs.update(combinations(products, 2))
    ordered = sorted(pairs.items(), key=lambda item: (-item[1], item[0]))
    return tuple(ProductPair((a, b), n) for (a, b), n in ordered)
