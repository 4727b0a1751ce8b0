"""The catalogue on the real database: prices listed, overlaps refused, lines priced from it."""

from __future__ import annotations

from typing import Any

import pytest
from deals_testkit import ServiceFactory

pytestmark = pytest.mark.integration

RULES = [{"id": "vol-10", "kind": "volume", "min_quantity": "10", "percent": "5"}]


async def test_a_line_by_sku_takes_the_list_price_unit_and_vat_and_discounts_apply(
    deals_service: ServiceFactory,
) -> None:
    async with deals_service() as (_service, http):
        product = {"name": "Насос Н-50", "unit": "шт", "vat_rate": "20"}
        assert (await http.put("/v1/products/PUMP-50", json=product)).status_code == 200
        march = {
            "price": {"amount": "150000.00", "currency": "RUB"},
            "valid_from": "2026-01-01",
            "valid_to": "2026-03-31",
        }
        april = {"price": {"amount": "162000.00", "currency": "RUB"}, "valid_from": "2026-04-01"}
        assert (await http.post("/v1/products/PUMP-50/prices", json=march)).status_code == 201
        assert (await http.post("/v1/products/PUMP-50/prices", json=april)).status_code == 201
        clash = {"price": {"amount": "1.00", "currency": "RUB"}, "valid_from": "2026-03-15"}
        refused = await http.post("/v1/products/PUMP-50/prices", json=clash)
        assert refused.status_code == 409
        assert refused.json()["problems"] == ["valid_from: overlaps price RUB:2026-01-01"]
        listed = (await http.get("/v1/products/PUMP-50")).json()
        assert [p["id"] for p in listed["prices"]] == ["RUB:2026-01-01", "RUB:2026-04-01"]
        assert (await http.put("/v1/discount-rules", json=RULES)).status_code == 200

        opened = await http.post("/v1/deals", json={"title": "Насосы", "manager_id": "mgr-a"})
        deal_id = opened.json()["id"]
        lines: dict[str, Any] = {"items": [{"sku": "PUMP-50", "quantity": "10"}]}
        priced = await http.put(f"/v1/deals/{deal_id}/line-items", json=lines)
        assert priced.status_code == 200, priced.text
        [line] = priced.json()["line_items"]
        # On 2 March the March list holds: 10 × 150 000 = 1 500 000, less 5 % volume = 1 425 000.
        assert (line["product"], line["sku"], line["unit"], line["vat_rate"]) == (
            "Насос Н-50",
            "PUMP-50",
            "шт",
            "20",
        )
        assert line["unit_price"] == {"amount": "150000.00", "currency": "RUB"}
        assert line["net"] == {"amount": "1425000.00", "currency": "RUB"}
        assert line["discount"]["rule_id"] == "vol-10"

        unknown = {"items": [{"sku": "NOPE", "quantity": "1"}]}
        missing = await http.put(f"/v1/deals/{deal_id}/line-items", json=unknown)
        assert missing.status_code == 422
        assert missing.json()["detail"][0]["loc"] == ["body", "items", "0", "sku"]
        in_euro = {"items": [{"sku": "PUMP-50", "quantity": "1", "currency": "EUR"}]}
        unpriced = await http.put(f"/v1/deals/{deal_id}/line-items", json=in_euro)
        assert unpriced.status_code == 422
        assert "no EUR price on 2026-03-02" in unpriced.json()["detail"][0]["msg"]
        both = {
            "items": [
                {
                    "sku": "PUMP-50",
                    "quantity": "1",
                    "unit_price": {"amount": "1.00", "currency": "RUB"},
                }
            ]
        }
        assert (await http.put(f"/v1/deals/{deal_id}/line-items", json=both)).status_code == 422

        withdrawn = {**product, "active": False}
        assert (await http.put("/v1/products/PUMP-50", json=withdrawn)).status_code == 200
        assert (await http.put(f"/v1/deals/{deal_id}/line-items", json=lines)).status_code == 422
        kept = (await http.get("/v1/products/PUMP-50")).json()
        assert len(kept["prices"]) == 2  # describing a product keeps its prices
