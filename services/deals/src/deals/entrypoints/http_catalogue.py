"""HTTP API of the product catalogue: products with units, VAT rates and dated prices."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from deals.domain.catalogue import PriceEntry, Product, ProductCard
from deals.entrypoints.access import ACCESS
from deals.entrypoints.api_models import PriceIn, ProductIn
from deals.entrypoints.http_common import DealsHttp, out, page
from shared.platform.access import HEADS

Sku = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.\-]{1,64}$", description="The product's SKU.")]


def catalogue_router(deps: DealsHttp) -> APIRouter:
    """Routes under /v1/products."""
    router = APIRouter(prefix="/v1/products", tags=["catalogue"])

    @router.put(
        "/{sku}",
        summary="Add or describe a product (its prices stay)",
        dependencies=[ACCESS.admin(HEADS)],
    )
    async def put_product(sku: Sku, body: ProductIn) -> dict[str, Any]:
        card = ProductCard(body.name, body.unit, body.vat_rate, body.active)
        return _view(await deps.catalogue.put(sku, card))

    @router.post(
        "/{sku}/prices",
        status_code=201,
        summary="List a dated price; one overlapping another of its currency is refused (409)",
        dependencies=[ACCESS.admin(HEADS)],
    )
    async def add_price(sku: Sku, body: PriceIn) -> dict[str, Any]:
        entry = PriceEntry(body.price.currency, body.price.amount, body.valid_from, body.valid_to)
        return _view(await deps.catalogue.add_price(sku, entry))

    @router.get("", summary="The catalogue, by SKU", dependencies=[ACCESS.read()])
    async def list_products(
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> dict[str, Any]:
        items, total = await deps.catalogue.page(offset=offset, limit=limit)
        return page([out(item) for item in items], total, offset)

    @router.get("/{sku}", summary="A product with its prices", dependencies=[ACCESS.read()])
    async def get_product(sku: Sku) -> dict[str, Any]:
        return out(await deps.catalogue.get(sku))

    return router


def _view(product: Product) -> dict[str, Any]:
    card = product.card
    return {
        "id": product.sku,
        "name": card.name,
        "unit": card.unit,
        "vat_rate": None if card.vat_rate is None else str(card.vat_rate),
        "active": card.active,
        "prices": [
            {
                "id": p.id,
                "price": {"amount": str(p.amount), "currency": p.currency},
                "valid_from": p.valid_from.isoformat(),
                "valid_to": None if p.valid_to is None else p.valid_to.isoformat(),
            }
            for p in product.prices
        ],
    }
