"""Catalogue use cases: describe products, list their prices, price a deal's line from them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from deals.domain.catalogue import PriceEntry, Product, ProductCard
from deals.domain.deal_lines import LineRequest
from deals.domain.refusal import Refused
from deals.service_layer.errors import Invalid, NotFound
from shared.platform.clock import Clock

R = TypeVar("R")
Record = dict[str, Any]


class ProductRepository(Protocol):
    """Products by SKU."""

    async def get(self, aggregate_id: str) -> Product | None:
        """One product, or None."""

    async def add(self, aggregate: Product, *, causation_id: str | None = None) -> bool:
        """Store a new product; False when the SKU exists."""

    async def update(
        self,
        aggregate_id: str,
        change: Callable[[Product], R],
        *,
        causation_id: str | None = None,
        attempts: int = 5,
    ) -> tuple[Product, R] | None:
        """Load, change and save; None if it is gone."""

    async def page(self, *, offset: int, limit: int) -> tuple[list[Record], int]:
        """Products by SKU."""

    async def record(self, sku: str) -> Record | None:
        """The stored product."""


class Catalogue:
    """The products a deal's lines are sold from, and their list prices."""

    def __init__(self, products: ProductRepository, *, clock: Clock) -> None:
        self._products = products
        self._clock = clock

    async def put(self, sku: str, card: ProductCard) -> Product:
        """Add a product or describe it anew (its prices stay)."""
        now = self._clock.now()
        try:
            changed = await self._products.update(sku, lambda p: p.describe(card, now=now))
            if changed is not None:
                return changed[0]
            product = Product.add(sku, card, now=now)
        except Refused as exc:
            raise Invalid(exc.problems) from exc
        if not await self._products.add(product):
            return await self.put(sku, card)  # added meanwhile: describe that one
        return product

    async def add_price(self, sku: str, entry: PriceEntry) -> Product:
        """List a dated price; an overlap in the same currency is refused, naming the other."""
        now = self._clock.now()
        try:
            changed = await self._products.update(sku, lambda p: p.add_price(entry, now=now))
        except Refused as exc:
            if any(p.startswith("valid_from: overlaps") for p in exc.problems):
                raise
            raise Invalid(exc.problems) from exc
        if changed is None:
            raise NotFound("product")
        return changed[0]

    async def get(self, sku: str) -> Record:
        """The stored product; NotFound if there is none."""
        found = await self._products.record(sku)
        if found is None:
            raise NotFound("product")
        return found

    async def page(self, *, offset: int, limit: int) -> tuple[list[Record], int]:
        """Products by SKU."""
        return await self._products.page(offset=offset, limit=limit)

    async def line(
        self,
        sku: str,
        *,
        quantity: Decimal,
        currency: str,
        on: date,
        requested_discount_percent: Decimal | None,
        field: str,
    ) -> LineRequest:
        """A deal's line of a catalogue product at its list price on `on`.

        Unknown, withdrawn or unpriced products are refused with `field` as the path.
        """
        product = await self._products.get(sku)
        if product is None or not product.card.active:
            raise Invalid((f"{field}.sku: no active product with this SKU",))
        price = product.price_on(currency, on)
        if price is None:
            raise Invalid((f"{field}.sku: no {currency} price on {on.isoformat()}",))
        return LineRequest(
            product=product.card.name,
            quantity=quantity,
            unit_price=price,
            requested_discount_percent=requested_discount_percent,
            item=product.item(),
        )
