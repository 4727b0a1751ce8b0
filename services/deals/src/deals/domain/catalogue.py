"""The product catalogue: SKUs with a unit, a VAT rate and dated prices per currency."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from deals.domain.deal_lines import CatalogueItem
from deals.domain.money import Money
from deals.domain.refusal import Refused
from shared.contracts.events.base import EventModel
from shared.kernel.aggregate import Aggregate

VAT_RATES = (Decimal(0), Decimal(5), Decimal(7), Decimal(10), Decimal(20), Decimal(22))
"""Rates a Russian seller may charge (the simplified system's 5 and 7 %, 22 % from 2026)."""


@dataclass(frozen=True)
class PriceEntry:
    """A list price in one currency from `valid_from` to `valid_to` (both days included)."""

    currency: str
    amount: Decimal
    valid_from: date
    valid_to: date | None = None

    @property
    def id(self) -> str:
        """`<currency>:<first day>`: one entry per currency starts on a day."""
        return f"{self.currency}:{self.valid_from.isoformat()}"

    def covers(self, on: date) -> bool:
        """Whether the price holds on `on`."""
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)

    def overlaps(self, other: PriceEntry) -> bool:
        """Whether both hold on some day in the same currency."""
        if self.currency != other.currency:
            return False
        ends_first = self.valid_to is not None and self.valid_to < other.valid_from
        starts_after = other.valid_to is not None and other.valid_to < self.valid_from
        return not (ends_first or starts_after)


@dataclass(frozen=True)
class ProductCard:
    """What describes a product."""

    name: str
    unit: str
    vat_rate: Decimal | None
    active: bool = True


@dataclass(eq=False)
class Product(Aggregate[EventModel]):
    """A catalogue product and its price lists."""

    sku: str
    card: ProductCard
    created_at: datetime
    updated_at: datetime
    prices: list[PriceEntry] = field(default_factory=list)

    @property
    def aggregate_id(self) -> str:
        """The SKU."""
        return self.sku

    @classmethod
    def add(cls, sku: str, card: ProductCard, *, now: datetime) -> Product:
        """A new product without prices yet."""
        _check(card)
        return cls(sku=sku, card=card, created_at=now, updated_at=now)

    def describe(self, card: ProductCard, *, now: datetime) -> None:
        """A new name, unit, VAT rate or status; prices stay."""
        _check(card)
        self.card, self.updated_at = card, now

    def add_price(self, entry: PriceEntry, *, now: datetime) -> None:
        """A dated price; one overlapping another of the same currency is refused, named."""
        problems = []
        if entry.amount <= 0:
            problems.append("amount: must be above zero")
        if entry.valid_to is not None and entry.valid_to < entry.valid_from:
            problems.append("valid_to: before valid_from")
        if problems:
            raise Refused("the price cannot be listed so", problems=tuple(problems))
        clash = next((p for p in self.prices if p.overlaps(entry)), None)
        if clash is not None:
            raise Refused(
                f"overlaps the {clash.id} price of this product",
                problems=(f"valid_from: overlaps price {clash.id}",),
            )
        self.prices = sorted([*self.prices, entry], key=lambda p: (p.currency, p.valid_from))
        self.updated_at = now

    def price_on(self, currency: str, on: date) -> Money | None:
        """The list price in `currency` on `on`, if one holds."""
        entry = next((p for p in self.prices if p.currency == currency and p.covers(on)), None)
        return None if entry is None else Money.of(entry.amount, currency)

    def item(self) -> CatalogueItem:
        """What a deal's line keeps of the product."""
        return CatalogueItem(sku=self.sku, unit=self.card.unit, vat_rate=self.card.vat_rate)


def _check(card: ProductCard) -> None:
    if card.vat_rate is not None and card.vat_rate not in VAT_RATES:
        rates = ", ".join(str(r) for r in VAT_RATES)
        raise Refused("unknown VAT rate", problems=(f"vat_rate: one of {rates}, or none",))
