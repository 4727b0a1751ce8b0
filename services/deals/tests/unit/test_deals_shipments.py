"""Shipments tracked to delivery or return, and claims from open to resolved or rejected."""

from collections.abc import Callable
from datetime import date

import pytest

from deals.domain.shipments import (
    Claim,
    ClaimCategory,
    ClaimStatus,
    InvalidTransition,
    Shipment,
    ShipmentStatus,
    claims_by_category,
)

pytestmark = pytest.mark.unit

PLANNED = Shipment(id="sh-1", deal_id="deal-7f3a", planned_on=date(2026, 3, 16))
CLAIM = Claim(
    id="cl-1",
    category=ClaimCategory.QUALITY,
    description="Изоляция кабеля трескается на морозе",
    opened_on=date(2026, 3, 25),
    shipment_id="sh-1",
)


def test_shipment_goes_planned_shipped_delivered_with_dates() -> None:
    shipped = PLANNED.ship(date(2026, 3, 17))
    delivered = shipped.deliver(date(2026, 3, 19))
    assert (shipped.status, shipped.shipped_on) == (ShipmentStatus.SHIPPED, date(2026, 3, 17))
    assert delivered.status is ShipmentStatus.DELIVERED
    assert delivered.delivered_on == date(2026, 3, 19)
    assert delivered.is_complete
    assert not shipped.is_complete
    assert PLANNED.status is ShipmentStatus.PLANNED


def test_shipped_or_delivered_goods_can_be_returned() -> None:
    refused = PLANNED.ship(date(2026, 3, 17)).mark_returned(date(2026, 3, 18))
    assert refused.status is ShipmentStatus.RETURNED
    assert refused.delivered_on is None
    sent_back = PLANNED.ship(date(2026, 3, 17)).deliver(date(2026, 3, 19))
    sent_back = sent_back.mark_returned(date(2026, 3, 30))
    assert (sent_back.delivered_on, sent_back.returned_on) == (date(2026, 3, 19), date(2026, 3, 30))
    assert not sent_back.is_complete


@pytest.mark.parametrize(
    "move",
    [
        lambda s: s.deliver(date(2026, 3, 19)),
        lambda s: s.mark_returned(date(2026, 3, 19)),
        lambda s: s.ship(date(2026, 3, 17)).ship(date(2026, 3, 18)),
        lambda s: s.ship(date(2026, 3, 17)).deliver(date(2026, 3, 19)).deliver(date(2026, 3, 20)),
        lambda s: s.ship(date(2026, 3, 17)).mark_returned(date(2026, 3, 18)).ship(date(2026, 4, 1)),
    ],
    ids=["deliver-unshipped", "return-unshipped", "ship-twice", "deliver-twice", "reship-returned"],
)
def test_impossible_shipment_moves_are_refused(move: Callable[[Shipment], object]) -> None:
    with pytest.raises(InvalidTransition):
        move(PLANNED)


def test_shipment_dates_must_match_the_status_and_not_go_backwards() -> None:
    with pytest.raises(ValueError, match="backwards"):
        PLANNED.ship(date(2026, 3, 17)).deliver(date(2026, 3, 16))
    with pytest.raises(ValueError, match="needs shipped_on"):
        Shipment("sh-2", "deal-1", date(2026, 3, 16), status=ShipmentStatus.SHIPPED)
    with pytest.raises(ValueError, match="must not have delivered_on"):
        Shipment("sh-3", "deal-1", date(2026, 3, 16), delivered_on=date(2026, 3, 19))


def test_late_shipment_is_one_not_shipped_after_its_planned_date() -> None:
    assert not PLANNED.is_late(date(2026, 3, 16))
    assert PLANNED.is_late(date(2026, 3, 17))
    assert not PLANNED.ship(date(2026, 3, 20)).is_late(date(2026, 3, 21))


def test_claim_goes_open_investigating_resolved() -> None:
    investigating = CLAIM.investigate()
    resolved = investigating.resolve("  Заменили партию 200 м  ", date(2026, 4, 2))
    assert investigating.status is ClaimStatus.INVESTIGATING
    assert resolved.status is ClaimStatus.RESOLVED
    assert resolved.resolution == "Заменили партию 200 м"
    assert resolved.closed_on == date(2026, 4, 2)
    assert resolved.is_closed


def test_claim_can_be_rejected_with_a_reason() -> None:
    rejected = CLAIM.investigate().reject("Нарушены условия хранения", date(2026, 4, 2))
    assert rejected.status is ClaimStatus.REJECTED
    assert rejected.is_closed


def test_claim_cannot_skip_investigation_or_reopen() -> None:
    with pytest.raises(InvalidTransition, match="investigate first"):
        CLAIM.resolve("Заменили", date(2026, 4, 2))
    closed = CLAIM.investigate().resolve("Заменили", date(2026, 4, 2))
    with pytest.raises(InvalidTransition):
        closed.investigate()
    with pytest.raises(InvalidTransition):
        closed.reject("Передумали", date(2026, 4, 3))


def test_closing_a_claim_needs_a_resolution_and_a_sane_date() -> None:
    investigating = CLAIM.investigate()
    with pytest.raises(ValueError, match="needs a resolution"):
        investigating.resolve("   ", date(2026, 4, 2))
    with pytest.raises(ValueError, match="closed before it was opened"):
        investigating.reject("Не наш товар", date(2026, 3, 1))


def test_claims_are_counted_by_category_most_frequent_first() -> None:
    claims = [
        CLAIM,
        Claim("cl-2", ClaimCategory.DELIVERY_DELAY, "Опоздали на неделю", date(2026, 3, 26)),
        Claim("cl-3", ClaimCategory.DELIVERY_DELAY, "Опоздали на 3 дня", date(2026, 3, 27)),
        Claim("cl-4", ClaimCategory.DOCUMENTS, "Нет УПД", date(2026, 3, 28)),
    ]
    counts = claims_by_category(claims)
    assert list(counts.items()) == [
        (ClaimCategory.DELIVERY_DELAY, 2),
        (ClaimCategory.QUALITY, 1),
        (ClaimCategory.DOCUMENTS, 1),
    ]
    assert claims_by_category([]) == {}
