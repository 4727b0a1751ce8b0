"""Discount schemes: the best single discount, exact line pricing and the manager's limit."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from deals.domain.contracts import PaymentForm
from deals.domain.discounts import (
    AppliedDiscount,
    ClientSegment,
    ClientType,
    DiscountContext,
    DiscountKind,
    LineItem,
    PaymentFormDiscount,
    Promotion,
    SegmentDiscount,
    VolumeTier,
    best_discount,
    needs_approval,
    price_line,
)
from deals.domain.money import Money

pytestmark = pytest.mark.unit

TODAY = date(2026, 3, 10)
CABLE = "ВВГ 3х2.5"


def rub(amount: str) -> Money:
    return Money.of(amount, "RUB")


def cable(quantity: str, price: str = "87.40") -> LineItem:
    return LineItem(product=CABLE, quantity=Decimal(quantity), unit_price=rub(price))


RULES = (
    VolumeTier("vol-100", Decimal(100), Decimal(3)),
    VolumeTier("vol-1000", Decimal(1000), Decimal(7)),
    SegmentDiscount("sleeping-back", Decimal(10), segment=ClientSegment.SLEEPING),
    SegmentDiscount("dealer", Decimal(5), client_type=ClientType.DEALER),
    PaymentFormDiscount("prepay", PaymentForm.BANK_TRANSFER, Decimal(2)),
    Promotion("spring", Decimal(8), date(2026, 3, 1), date(2026, 3, 31), product=CABLE),
)


def context(**kwargs: Any) -> DiscountContext:
    return DiscountContext(on=TODAY, rules=RULES, **kwargs)


def test_no_applicable_rule_means_no_discount() -> None:
    outside = DiscountContext(on=date(2026, 4, 1), rules=RULES)
    assert best_discount(cable("10"), outside) is None


@pytest.mark.parametrize(
    ("quantity", "on", "extra", "expected"),
    [
        ("150", date(2026, 4, 1), {}, ("vol-100", DiscountKind.VOLUME, 3)),
        ("1000", date(2026, 4, 1), {}, ("vol-1000", DiscountKind.VOLUME, 7)),
        ("10", TODAY, {}, ("spring", DiscountKind.PROMOTION, 8)),
        ("1000", TODAY, {}, ("spring", DiscountKind.PROMOTION, 8)),
        ("10", TODAY, {"segment": ClientSegment.SLEEPING}, ("sleeping-back", "segment", 10)),
        ("10", date(2026, 4, 1), {"client_type": ClientType.DEALER}, ("dealer", "segment", 5)),
        (
            "10",
            date(2026, 4, 1),
            {"payment_form": PaymentForm.BANK_TRANSFER},
            ("prepay", "payment_form", 2),
        ),
    ],
)
def test_the_largest_applicable_discount_wins_and_they_do_not_stack(
    quantity: str, on: date, extra: dict[str, Any], expected: tuple[str, str, int]
) -> None:
    ctx = DiscountContext(on=on, rules=RULES, **extra)
    rule_id, kind, percent = expected
    assert best_discount(cable(quantity), ctx) == AppliedDiscount(
        rule_id, DiscountKind(kind), Decimal(percent)
    )


def test_promotion_dates_are_inclusive_and_product_specific() -> None:
    spring = RULES[-1]
    assert isinstance(spring, Promotion)
    assert spring.applies(cable("1"), DiscountContext(on=date(2026, 3, 1)))
    assert spring.applies(cable("1"), DiscountContext(on=date(2026, 3, 31)))
    assert not spring.applies(cable("1"), DiscountContext(on=date(2026, 2, 28)))
    other = LineItem("Щит ЩРН-12", Decimal(1), rub("1500"))
    assert not spring.applies(other, DiscountContext(on=TODAY))


def test_segment_rule_with_both_conditions_needs_both() -> None:
    rule = SegmentDiscount(
        "hot-wholesale", Decimal(4), segment=ClientSegment.HOT, client_type=ClientType.WHOLESALE
    )
    line = cable("1")
    hot = DiscountContext(on=TODAY, segment=ClientSegment.HOT)
    assert not rule.applies(line, hot)
    both = DiscountContext(on=TODAY, segment=ClientSegment.HOT, client_type=ClientType.WHOLESALE)
    assert rule.applies(line, both)
    with pytest.raises(ValueError, match="segment"):
        SegmentDiscount("nothing", Decimal(1))


def test_ties_go_to_the_rule_listed_first_and_schemes_beat_an_equal_manual_request() -> None:
    rules = (
        PaymentFormDiscount("a", PaymentForm.CHEQUE, Decimal(5)),
        SegmentDiscount("b", Decimal(5), segment=ClientSegment.HOT),
    )
    ctx = DiscountContext(
        on=TODAY,
        rules=rules,
        payment_form=PaymentForm.CHEQUE,
        segment=ClientSegment.HOT,
        requested_percent=Decimal(5),
    )
    applied = best_discount(cable("1"), ctx)
    assert applied is not None
    assert applied.rule_id == "a"


def test_a_larger_manual_request_replaces_the_scheme_discount() -> None:
    applied = best_discount(cable("10"), context(requested_percent=Decimal(12)))
    assert applied == AppliedDiscount("manual", DiscountKind.MANUAL, Decimal(12))


def test_line_price_is_rounded_half_up_once_and_adds_up() -> None:
    # 87.40 × 123.5 m = 10793.90; 8 % off = 863.512 → net 9930.388 → 9930.39.
    priced = price_line(
        cable("123.5"), AppliedDiscount("spring", DiscountKind.PROMOTION, Decimal(8))
    )
    assert priced.gross == rub("10793.90")
    assert priced.net == rub("9930.39")
    assert priced.discount_amount == rub("863.51")
    assert priced.gross - priced.discount_amount == priced.net


def test_half_a_kopeck_rounds_up() -> None:
    # 0.25 × 1 with 2 % off = 0.245 → 0.25 (half-up, not banker's 0.24).
    priced = price_line(cable("1", "0.25"), AppliedDiscount("x", DiscountKind.MANUAL, Decimal(2)))
    assert priced.net == rub("0.25")
    assert priced.discount_amount == rub("0.00")


def test_line_without_discount_costs_price_times_quantity() -> None:
    priced = price_line(cable("3"), None)
    assert priced.gross == priced.net == rub("262.20")
    assert priced.discount_amount.is_zero


def test_discount_above_the_manager_limit_needs_the_head_of_sales() -> None:
    ten = AppliedDiscount("manual", DiscountKind.MANUAL, Decimal(10))
    assert not needs_approval(ten, Decimal(10))
    assert needs_approval(ten, Decimal("9.99"))
    promo = AppliedDiscount("spring", DiscountKind.PROMOTION, Decimal(8))
    assert needs_approval(promo, Decimal(5))
    assert not needs_approval(None, Decimal(0))


def test_percents_and_quantities_are_exact_and_bounded() -> None:
    with pytest.raises(TypeError):
        VolumeTier("v", Decimal(1), 2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="between 0 and 100"):
        VolumeTier("v", Decimal(1), Decimal(101))
    with pytest.raises(TypeError):
        LineItem(CABLE, 1.5, rub("1"))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="positive"):
        LineItem(CABLE, Decimal(0), rub("1"))
    with pytest.raises(ValueError, match="before"):
        Promotion("p", Decimal(5), date(2026, 3, 31), date(2026, 3, 1))
    with pytest.raises(ValueError, match="requested_percent"):
        DiscountContext(on=TODAY, requested_percent=Decimal(-1))
