"""The catalogue in MongoDB: one document per SKU with its price lists."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from deals.domain.catalogue import PriceEntry, Product, ProductCard
from shared.platform.clock import Clock
from shared.platform.mongo import count_matching
from shared.platform.repository import Document, MessageOf, MongoRepository

Record = dict[str, Any]


class ProductMapper:
    """A product as stored; amounts and rates as decimal strings, days as ISO text."""

    def to_document(self, product: Product) -> Document:
        """The product's document."""
        card = product.card
        return {
            "_id": product.sku,
            "name": card.name,
            "unit": card.unit,
            "vat_rate": None if card.vat_rate is None else str(card.vat_rate),
            "active": card.active,
            "prices": [
                {
                    "id": p.id,
                    "currency": p.currency,
                    "amount": str(p.amount),
                    "valid_from": p.valid_from.isoformat(),
                    "valid_to": None if p.valid_to is None else p.valid_to.isoformat(),
                }
                for p in product.prices
            ],
            "created_at": product.created_at,
            "updated_at": product.updated_at,
        }

    def from_document(self, document: Mapping[str, Any]) -> Product:
        """The product a stored document describes."""
        rate = document.get("vat_rate")
        return Product(
            sku=document["_id"],
            card=ProductCard(
                name=document["name"],
                unit=document["unit"],
                vat_rate=None if rate is None else Decimal(rate),
                active=bool(document.get("active", True)),
            ),
            created_at=document["created_at"],
            updated_at=document["updated_at"],
            prices=[
                PriceEntry(
                    currency=p["currency"],
                    amount=Decimal(p["amount"]),
                    valid_from=date.fromisoformat(p["valid_from"]),
                    valid_to=None
                    if p.get("valid_to") is None
                    else date.fromisoformat(p["valid_to"]),
                )
                for p in document.get("prices") or []
            ],
        )


class MongoProductRepository(MongoRepository[Product]):
    """Products by SKU and the catalogue's pages."""

    def __init__(
        self, collection: AsyncCollection[Any], *, clock: Clock, message_of: MessageOf[Product]
    ) -> None:
        super().__init__(collection, ProductMapper(), clock=clock, message_of=message_of)

    async def page(self, *, offset: int, limit: int) -> tuple[list[Record], int]:
        """Products by SKU."""
        total = await count_matching(self.collection, {})
        cursor = self.collection.find({}).sort("_id", 1).skip(offset).limit(limit)
        return [doc async for doc in cursor], total

    async def record(self, sku: str) -> Record | None:
        """The stored product as the API shows it."""
        found: Record | None = await self.collection.find_one({"_id": sku})
        return found


def _day(stored: str | None) -> date | None:
    return None if stored is None else date.fromisoformat(stored)
