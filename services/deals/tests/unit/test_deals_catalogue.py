"""The catalogue: dated prices per currency that never overlap, and the price on a day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from deals.domain.catalogue import PriceEntry, Product, ProductCard
from deals.domain.money import Money
from deals.domain.refusal import Refused

pytestmark = pytest.mark.unit

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def pump() -> Product:
    product = Product.add("PUMP-50", ProductCard("Насос Н-50", "шт", Decimal(20)), now=NOW)
    product.add_price(
        PriceEntry("RUB", Decimal("150000.00"), date(2026, 1, 1), date(2026, 3, 31)), now=NOW
    )
    product.add_price(PriceEntry("RUB", Decimal("162000.00"), date(2026, 4, 1)), now=NOW)
    product.add_price(PriceEntry("USD", Decimal("1650.00"), date(2026, 1, 1)), now=NOW)
    return product


@pytest.mark.parametrize(
    ("currency", "on", "expected"),
    [
        ("RUB", date(2025, 12, 31), None),  # before the first list
        ("RUB", date(2026, 1, 1), Money.of("150000.00", "RUB")),
        ("RUB", date(2026, 3, 31), Money.of("150000.00", "RUB")),  # its last day included
        ("RUB", date(2026, 4, 1), Money.of("162000.00", "RUB")),
        ("RUB", date(2030, 1, 1), Money.of("162000.00", "RUB")),  # open-ended
        ("USD", date(2026, 6, 1), Money.of("1650.00", "USD")),
        ("EUR", date(2026, 6, 1), None),  # no list in that currency
    ],
)
def test_the_price_on_a_day_is_the_list_that_holds_then(
    currency: str, on: date, expected: Money | None
) -> None:
    assert pump().price_on(currency, on) == expected


@pytest.mark.parametrize(
    ("entry", "clash"),
    [
        (PriceEntry("RUB", Decimal(1), date(2026, 3, 31), date(2026, 3, 31)), "RUB:2026-01-01"),
        (PriceEntry("RUB", Decimal(1), date(2025, 6, 1), date(2026, 1, 1)), "RUB:2026-01-01"),
        (PriceEntry("RUB", Decimal(1), date(2027, 1, 1)), "RUB:2026-04-01"),
        (PriceEntry("USD", Decimal(1), date(2025, 1, 1)), "USD:2026-01-01"),  # open-ended both
    ],
)
def test_a_price_overlapping_another_of_its_currency_is_refused_naming_it(
    entry: PriceEntry, clash: str
) -> None:
    with pytest.raises(Refused) as refused:
        pump().add_price(entry, now=NOW)
    assert refused.value.problems == (f"valid_from: overlaps price {clash}",)


def test_adjacent_and_other_currency_prices_are_accepted() -> None:
    product = pump()
    product.add_price(PriceEntry("EUR", Decimal("1500.00"), date(2026, 1, 1)), now=NOW)
    product.add_price(
        PriceEntry("USD", Decimal("1600.00"), date(2025, 1, 1), date(2025, 12, 31)), now=NOW
    )
    assert [p.id for p in product.prices] == [
        "EUR:2026-01-01",
        "RUB:2026-01-01",
        "RUB:2026-04-01",
        "USD:2025-01-01",
        "USD:2026-01-01",
    ]


def test_bad_prices_and_rates_are_refused_with_the_field() -> None:
    with pytest.raises(Refused) as refused:
        pump().add_price(PriceEntry("RUB", Decimal(0), date(2027, 2, 1), date(2027, 1, 1)), now=NOW)
    assert refused.value.problems == ("amount: must be above zero", "valid_to: before valid_from")
    with pytest.raises(Refused) as rate:
        Product.add("X", ProductCard("X", "шт", Decimal(18)), now=NOW)
    assert rate.value.problems[0].startswith("vat_rate: one of 0, 5, 7, 10, 20, 22")


def test_a_line_keeps_the_products_sku_unit_and_vat_rate() -> None:
    item = pump().item()
    assert (item.sku, item.unit, item.vat_rate) == ("PUMP-50", "шт", Decimal(20))
