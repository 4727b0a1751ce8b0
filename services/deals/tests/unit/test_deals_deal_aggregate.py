"""The deal aggregate on its own: transitions, recorded events, and its stored form."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from deals.adapters.deal_repository import DealMapper
from deals.domain.contracts import PaymentForm
from deals.domain.deal import Deal, DealOpening, Paperwork
from deals.domain.deal_lines import ApprovalStatus, LineRequest, PricingTerms
from deals.domain.deal_pipeline import default_configured_pipeline
from deals.domain.money import Money
from deals.domain.refusal import Refused
from deals.domain.shipments import ClaimCategory, ClaimStatus, ShipmentStatus
from shared.contracts.events.deal_reassigned import DealReassignedV1
from shared.contracts.events.deal_stage_changed import DealStageChangedV1
from shared.contracts.events.fulfilment import ShipmentStatusChangedV1

pytestmark = pytest.mark.unit

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PIPELINE = default_configured_pipeline()
TERMS = PricingTerms(on=NOW.date(), manager_limit=Decimal(5))


def new_deal() -> Deal:
    opening = DealOpening(title="Насосы", manager_id="mgr-a", amount=Money.zero("RUB"))
    return Deal.open("deal-1", opening, PIPELINE, by="mgr-a", now=NOW)


def test_opening_records_the_first_stage_change() -> None:
    deal = new_deal()

    [event] = deal.collect_events()
    assert isinstance(event, DealStageChangedV1)
    assert (event.deal_id, event.from_stage, event.to_stage) == ("deal-1", None, "new")
    assert (event.pipeline_id, event.changed_at, event.amount.amount) == (
        "default",
        NOW,
        Decimal("0.00"),
    )
    assert deal.aggregate_id == "deal-1"


def test_pricing_again_starts_the_approval_over() -> None:
    deal = new_deal()
    deep = LineRequest("Насос", Decimal(1), Money.of("1000.00", "RUB"), Decimal(8))
    deal.price([deep], TERMS, now=NOW)
    deal.decide_discount(approved=True, by="head-1", now=NOW)

    deal.price([deep], TERMS, now=NOW + timedelta(hours=1))

    assert deal.approval.status is ApprovalStatus.PENDING
    assert deal.approval.requested_at == NOW + timedelta(hours=1)
    assert deal.approval.decided_by is None
    assert deal.amount == Money.of("920.00", "RUB")


def test_moving_to_the_current_stage_records_nothing() -> None:
    deal = new_deal()
    deal.collect_events()

    assert (
        deal.move_to("new", PIPELINE, Paperwork(), by="mgr-a", lost_reason=None, now=NOW) is False
    )
    assert deal.collect_events() == []


def test_an_open_deal_changes_hands_once_and_a_closed_one_never() -> None:
    deal, closed = new_deal(), new_deal()
    closed.move_to("lost", PIPELINE, Paperwork(), by="mgr-a", lost_reason="price", now=NOW)
    deal.collect_events()
    closed.collect_events()

    assert deal.hand_over("mgr-b", reason="absence", now=NOW) is True
    assert deal.hand_over("mgr-b", reason="absence", now=NOW) is False
    assert closed.hand_over("mgr-b", reason="absence", now=NOW) is False

    [event] = deal.collect_events()
    assert isinstance(event, DealReassignedV1)
    assert (event.from_manager_id, event.to_manager_id, event.reason) == (
        "mgr-a",
        "mgr-b",
        "absence",
    )
    assert deal.manager_id == "mgr-b" and closed.manager_id == "mgr-a"
    assert deal.history[-1].type == "reassigned"
    assert closed.collect_events() == []


def test_a_closed_deal_is_not_priced_again() -> None:
    deal = new_deal()
    deal.move_to("lost", PIPELINE, Paperwork(), by="mgr-a", lost_reason="price", now=NOW)

    with pytest.raises(Refused, match="closed"):
        deal.price([LineRequest("Насос", Decimal(1), Money.of("1.00", "RUB"))], TERMS, now=NOW)


def test_gates_take_the_payment_form_from_the_contract_when_the_deal_has_none() -> None:
    deal = new_deal()
    deal.contract = {"type": "supply", "payment_form": "cheque"}

    assert deal.gate_facts(Paperwork())["payment_form"] == "cheque"
    deal.payment_form = PaymentForm.BANK_TRANSFER
    assert deal.gate_facts(Paperwork())["payment_form"] is PaymentForm.BANK_TRANSFER


def test_shipment_event_carries_the_date_of_the_step() -> None:
    deal = new_deal()
    deal.plan_shipment("s1", planned_on=date(2026, 3, 5), now=NOW)
    deal.collect_events()

    deal.move_shipment("s1", ShipmentStatus.SHIPPED, on=date(2026, 3, 4), now=NOW)

    [event] = deal.collect_events()
    assert isinstance(event, ShipmentStatusChangedV1)
    assert (event.status.value, event.on, event.changed_at) == ("shipped", date(2026, 3, 4), NOW)


def test_stored_form_keeps_every_field_and_reads_back_the_same() -> None:
    deal = new_deal()
    deal.price(
        [LineRequest("Насос", Decimal("2.5"), Money.of("100.00", "RUB"), Decimal(10))],
        TERMS,
        now=NOW,
    )
    deal.plan_shipment("s1", planned_on=date(2026, 3, 5), now=NOW)
    deal.open_claim(
        "clm-1", category=ClaimCategory.DAMAGE, description="Вмятина", shipment_id="s1", now=NOW
    )
    deal.move_claim("clm-1", ClaimStatus.INVESTIGATING, resolution=None, now=NOW)
    mapper = DealMapper()

    document = mapper.to_document(deal)

    assert mapper.to_document(mapper.from_document(document)) == document
    assert document["amount"] == {"amount": "225.00", "currency": "RUB"}
    assert document["line_items"][0]["discount"] == {
        "rule_id": "manual",
        "kind": "manual",
        "percent": "10",
    }
    assert document["approval"] == {
        "status": "pending",
        "requested_at": NOW,
        "max_percent": "10",
        "manager_limit": "5",
    }
    assert document["history"][1] == {
        "at": NOW,
        "type": "priced",
        "amount": {"amount": "225.00", "currency": "RUB"},
    }
    assert document["claims"]["clm-1"]["status"] == "investigating"
    assert document["shipments"]["s1"]["planned_on"] == "2026-03-05"
