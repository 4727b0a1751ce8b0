"""Deal use cases over in-memory ports: opening, pricing, approval, gates, fulfilment, contract."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from deals_fakes import START, World, world

from deals.domain.contracts import PaymentForm
from deals.domain.deal import Deal, DealEdits, Paperwork
from deals.domain.deal_lines import ApprovalStatus, LineRequest
from deals.domain.deal_pipeline import ConfiguredPipeline
from deals.domain.deal_search import DealFilter
from deals.domain.discounts import ClientSegment, ClientType, SegmentDiscount, VolumeTier
from deals.domain.money import Money
from deals.domain.pipeline import Pipeline, Stage, StageKind
from deals.domain.shipments import ClaimCategory, ClaimStatus, ShipmentStatus
from deals.service_layer.deals import OpenDeal, deal_id_for_lead
from deals.service_layer.errors import Invalid, NotFound, Refused
from deals.service_layer.pipelines import Pipelines
from shared.contracts.events.lead_lifecycle import (
    ConvertedContact,
    LeadConvertedV1,
    ProductInterest,
)
from shared.contracts.events.lead_received import LeadChannel
from shared.contracts.events.money import Money as WireMoney

pytestmark = pytest.mark.unit

STAGES = "deal.stage_changed"
SHIPMENTS = "shipment.status_changed"
CLAIMS = "claim.status_changed"

CONVERTED = LeadConvertedV1(
    lead_id="lead-77",
    manager_id="mgr-b",
    team="key-accounts",
    channel=LeadChannel.EMAIL,
    source="mail-gateway",
    received_at=datetime(2026, 2, 27, 14, 30, tzinfo=UTC),
    converted_at=datetime(2026, 3, 1, 10, 15, tzinfo=UTC),
    contact=ConvertedContact(name="Пётр Сидоров", phone="+79120000000"),
    products=(
        ProductInterest(
            product="Станок ЧПУ X200",
            quantity=Decimal(2),
            unit_price=WireMoney(amount=Decimal("1250000.50"), currency="RUB"),
        ),
        ProductInterest(
            product="Пусконаладка", unit_price=WireMoney(amount=Decimal(80000), currency="RUB")
        ),
        ProductInterest(product="Обучение"),
    ),
)


def rub(amount: str) -> Money:
    return Money.of(amount, "RUB")


async def opened(w: World, **fields: Any) -> Deal:
    return await w.book.open(OpenDeal(**{"title": "Насосы", "manager_id": "mgr-a", **fields}))


async def test_converted_lead_opens_one_deal_and_a_redelivery_adds_nothing() -> None:
    w = await world()
    first = await w.book.open_from_lead(CONVERTED, event_id="evt-conv-77")
    again = await w.book.open_from_lead(CONVERTED, event_id="evt-conv-77")

    assert first == again == deal_id_for_lead("lead-77")
    deal = await w.book.get(first)
    assert deal.title == "Пётр Сидоров: Станок ЧПУ X200"
    assert (deal.stage, deal.stage_kind, deal.stage_entered_at) == ("new", StageKind.OPEN, START)
    # 2 × 1 250 000.50 + 1 × 80 000.00; the line without a price is left out.
    assert [line.net for line in deal.line_items] == [rub("2500001.00"), rub("80000.00")]
    assert deal.amount == rub("2580001.00")
    assert deal.prospect == {"name": "Пётр Сидоров", "phone": "+79120000000"}
    assert deal.approval.status is ApprovalStatus.NOT_NEEDED
    assert [(e.type, e.details) for e in deal.history] == [
        ("created", {"stage": "new", "by": "mgr-b"})
    ]
    messages = w.deals.published_on(STAGES)
    assert len(messages) == 1 and len(w.wakes) == 1
    assert messages[0].key == first
    assert messages[0].headers["ce_causationid"] == "evt-conv-77"
    [event] = w.events(STAGES)
    assert (event["from_stage"], event["to_stage"], event["to_stage_kind"]) == (None, "new", "open")
    assert (event["lead_id"], event["channel"], event["team"]) == (
        "lead-77",
        "email",
        "key-accounts",
    )
    assert event["amount"] == {"amount": "2580001.00", "currency": "RUB"}


async def test_deal_opened_by_hand_starts_in_new_with_its_lines_priced() -> None:
    w = await world()
    line = LineRequest("Насос", Decimal(2), rub("100000.00"), requested_discount_percent=Decimal(5))

    deal = await opened(w, client_id="client-1", currency="RUB", line_items=[line])

    stored = await w.book.get(deal.id)
    assert stored.stage == "new" and stored.client_id == "client-1"
    # 2 × 100 000.00 − 5 % (a manual discount within the default 10 % limit).
    assert stored.amount == rub("190000.00")
    assert stored.approval.status is ApprovalStatus.NOT_NEEDED
    assert [e.type for e in stored.history] == ["created", "priced"]
    [event] = w.events(STAGES)
    assert event["to_stage"] == "new" and event["amount"]["amount"] == "0.00"


async def test_lines_get_the_best_scheme_discount_for_the_client() -> None:
    w = await world()
    w.clients.profiles["client-1"] = (ClientSegment.HOT, ClientType.WHOLESALE)
    w.settings.rules = (
        VolumeTier("vol10", Decimal(10), Decimal(10)),
        SegmentDiscount("hot7", Decimal(7), segment=ClientSegment.HOT),
    )
    deal = await opened(w, client_id="client-1")

    priced = await w.book.set_line_items(
        deal.id,
        [
            LineRequest("Насос", Decimal(10), rub("1000.00")),
            LineRequest("Фильтр", Decimal(1), rub("500.00")),
        ],
        payment_form=PaymentForm.BANK_TRANSFER,
    )

    pumps, filters = priced.line_items
    assert pumps.priced.discount is not None and pumps.priced.discount.rule_id == "vol10"
    assert (pumps.priced.gross, pumps.net) == (rub("10000.00"), rub("9000.00"))
    assert filters.priced.discount is not None and filters.priced.discount.rule_id == "hot7"
    assert (filters.priced.discount_amount, filters.net) == (rub("35.00"), rub("465.00"))
    assert priced.amount == rub("9465.00")
    assert priced.payment_form is PaymentForm.BANK_TRANSFER
    assert priced.history[-1].details == {"amount": rub("9465.00")}


async def test_lines_in_two_currencies_are_refused() -> None:
    w = await world()
    deal = await opened(w)
    lines = [
        LineRequest("Насос", Decimal(1), rub("10.00")),
        LineRequest("Pump", Decimal(1), Money.of("10.00", "EUR")),
    ]

    with pytest.raises(Refused) as refused:
        await w.book.set_line_items(deal.id, lines, payment_form=None)

    assert refused.value.problems == ("line_items",)
    assert (await w.book.get(deal.id)).line_items == []


async def client_deal_with_discount(w: World, percent: str) -> Deal:
    w.clients.profiles["client-1"] = (None, None)
    w.settings.limits["mgr-a"] = Decimal(5)
    deal = await opened(w, client_id="client-1")
    line = LineRequest("Насос", Decimal(2), rub("100000.00"), Decimal(percent))
    return await w.book.set_line_items(deal.id, [line], payment_form=None)


async def test_discount_above_the_managers_limit_waits_for_approval_and_blocks_moves() -> None:
    w = await world()
    deal = await client_deal_with_discount(w, "12")

    assert deal.amount == rub("176000.00")  # 200 000.00 − 12 %
    assert deal.approval.status is ApprovalStatus.PENDING
    assert (deal.approval.max_percent, deal.approval.manager_limit) == (Decimal(12), Decimal(5))
    assert deal.approval.requested_at == START
    with pytest.raises(Refused) as blocked:
        await w.book.move(deal.id, to_stage="qualification", by="mgr-a", lost_reason=None)
    assert blocked.value.problems == ("approval: pending",)

    w.clock.advance(timedelta(hours=1))
    approved = await w.book.decide_discount(deal.id, approved=True, by="head-1")
    assert approved.approval.status is ApprovalStatus.APPROVED
    assert (approved.approval.decided_by, approved.approval.decided_at) == (
        "head-1",
        START + timedelta(hours=1),
    )
    assert approved.history[-1].type == "discount_approved"
    moved = await w.book.move(deal.id, to_stage="qualification", by="mgr-a", lost_reason=None)
    assert moved.stage == "qualification"
    with pytest.raises(Refused):
        await w.book.decide_discount(deal.id, approved=False, by="head-1")


async def test_discount_within_the_limit_needs_no_approval() -> None:
    w = await world()
    deal = await client_deal_with_discount(w, "5")

    assert deal.approval.status is ApprovalStatus.NOT_NEEDED
    with pytest.raises(Refused):
        await w.book.decide_discount(deal.id, approved=True, by="head-1")


async def test_rejected_discount_still_lets_the_deal_be_lost() -> None:
    w = await world()
    deal = await client_deal_with_discount(w, "20")
    await w.book.decide_discount(deal.id, approved=False, by="head-1")

    with pytest.raises(Refused) as blocked:
        await w.book.move(deal.id, to_stage="qualification", by="mgr-a", lost_reason=None)
    lost = await w.book.move(deal.id, to_stage="lost", by="mgr-a", lost_reason="price")

    assert blocked.value.problems == ("approval: rejected",)
    assert (lost.stage, lost.lost_reason) == ("lost", "price")


async def test_gate_refusal_names_the_missing_fields_and_publishes_nothing() -> None:
    w = await world()
    deal = await opened(w)

    with pytest.raises(Refused) as missing_client:
        await w.book.move(deal.id, to_stage="qualification", by="mgr-a", lost_reason=None)
    with pytest.raises(Refused) as skipping:
        await w.book.move(deal.id, to_stage="contract", by="mgr-a", lost_reason=None)

    assert missing_client.value.missing == ("client_id",)
    assert str(missing_client.value) == "cannot move from new to qualification"
    assert skipping.value.problems == ("skips stages: qualification, proposal, negotiation",)
    assert skipping.value.missing == (
        "contract.type",
        "payment_form",
        "client_id",
        "line_items",
        "proposal.sent_on",
    )
    assert (await w.book.get(deal.id)).stage == "new"
    assert len(w.events(STAGES)) == 1


async def test_move_through_an_open_gate_is_recorded_and_published() -> None:
    w = await world()
    w.clients.profiles["client-1"] = (None, None)
    deal = await opened(w)
    await w.book.update(deal.id, DealEdits(client_id="client-1"))
    w.clock.advance(timedelta(hours=2))

    moved = await w.book.move(deal.id, to_stage="qualification", by="mgr-b", lost_reason=None)
    again = await w.book.move(deal.id, to_stage="qualification", by="mgr-b", lost_reason=None)

    later = START + timedelta(hours=2)
    assert (moved.stage, moved.stage_entered_at, moved.updated_at) == (
        "qualification",
        later,
        later,
    )
    assert moved.history[-1].details == {"from": "new", "to": "qualification", "by": "mgr-b"}
    assert again.history == moved.history  # already there: nothing happens
    _, event = w.events(STAGES)
    assert (event["from_stage"], event["to_stage"], event["changed_by"]) == (
        "new",
        "qualification",
        "mgr-b",
    )
    assert Decimal(event["stage_probability"]) == Decimal("0.10")
    assert event["client_id"] == "client-1"


async def test_losing_needs_an_allowed_reason_and_closes_the_deal() -> None:
    w = await world()
    deal = await opened(w)

    with pytest.raises(Refused) as no_reason:
        await w.book.move(deal.id, to_stage="lost", by="mgr-a", lost_reason=None)
    with pytest.raises(Refused) as odd_reason:
        await w.book.move(deal.id, to_stage="lost", by="mgr-a", lost_reason="weather")
    lost = await w.book.move(deal.id, to_stage="lost", by="mgr-a", lost_reason="competitor")

    assert no_reason.value.problems == ("lost_reason: required to lose a deal",)
    assert odd_reason.value.problems == ("lost_reason: not one of the allowed reasons",)
    assert (lost.stage_kind, lost.lost_reason, lost.closed_at) == (
        StageKind.LOST,
        "competitor",
        START,
    )
    event = w.events(STAGES)[-1]
    assert (event["to_stage_kind"], event["lost_reason"]) == ("lost", "competitor")
    with pytest.raises(Refused, match=r"the deal is closed \(lost\)"):
        await w.book.update(deal.id, DealEdits(title="Другое"))
    with pytest.raises(Refused) as reopened:
        await w.book.move(deal.id, to_stage="new", by="mgr-a", lost_reason=None)
    assert reopened.value.problems == ("deal is closed (lost): it cannot leave lost",)


async def test_edit_changes_only_the_fields_given_and_refuses_an_unknown_client() -> None:
    w = await world()
    w.clients.profiles["client-1"] = (None, None)
    deal = await opened(w, expected_close_on=date(2026, 4, 1))

    with pytest.raises(Refused) as unknown:
        await w.book.update(deal.id, DealEdits(client_id="client-9"))
    edited = await w.book.update(
        deal.id, DealEdits(client_id="client-1", proposal_sent_on=date(2026, 3, 2))
    )

    assert unknown.value.problems == ("client_id",)
    assert (edited.title, edited.client_id) == ("Насосы", "client-1")
    assert (edited.expected_close_on, edited.proposal_sent_on) == (
        date(2026, 4, 1),
        date(2026, 3, 2),
    )
    with pytest.raises(NotFound):
        await w.book.update("deal-missing", DealEdits(title="x"))


def short_pipeline() -> ConfiguredPipeline:
    """new → invoice → payment (an invoice issued) → won (paid and delivered), or lost."""
    stages = (
        Stage("new", "Новая", Decimal("0.1")),
        Stage("invoice", "Счёт", Decimal("0.5")),
        Stage("payment", "Оплата", Decimal("0.7"), ("invoice_id",)),
        Stage(
            "won",
            "Успешно",
            Decimal(1),
            ("payment.received_on", "shipment.delivered_on"),
            StageKind.WON,
        ),
        Stage("lost", "Проиграна", Decimal(0), (), StageKind.LOST),
    )
    return ConfiguredPipeline(Pipeline("short", "Коротко", stages), ("price",), ("invoice",))


async def test_payment_and_delivery_gates_read_invoices_and_shipments() -> None:
    w = await world()
    w.pipelines.pipelines["short"] = short_pipeline()
    deal = await opened(w, pipeline_id="short")
    await w.book.move(deal.id, to_stage="invoice", by="mgr-a", lost_reason=None)

    with pytest.raises(Refused) as no_invoice:
        await w.book.move(deal.id, to_stage="payment", by="mgr-a", lost_reason=None)
    w.paperwork.by_deal[deal.id] = Paperwork(first_invoice_id="inv-1")
    await w.book.move(deal.id, to_stage="payment", by="mgr-a", lost_reason=None)
    with pytest.raises(Refused) as unpaid:
        await w.book.move(deal.id, to_stage="won", by="mgr-a", lost_reason=None)
    w.paperwork.by_deal[deal.id] = Paperwork("inv-1", START + timedelta(days=1))
    await w.fulfilment.plan_shipment(deal.id, planned_on=date(2026, 3, 4), shipment_id="s1")
    with pytest.raises(Refused) as undelivered:
        await w.book.move(deal.id, to_stage="won", by="mgr-a", lost_reason=None)
    await w.fulfilment.move_shipment(
        deal.id, "s1", status=ShipmentStatus.SHIPPED, on=date(2026, 3, 4)
    )
    await w.fulfilment.move_shipment(
        deal.id, "s1", status=ShipmentStatus.DELIVERED, on=date(2026, 3, 5)
    )
    won = await w.book.move(deal.id, to_stage="won", by="mgr-a", lost_reason=None)

    assert no_invoice.value.missing == ("invoice_id",)
    assert unpaid.value.missing == ("payment.received_on", "shipment.delivered_on")
    assert undelivered.value.missing == ("shipment.delivered_on",)
    assert (won.stage_kind, won.closed_at, won.lost_reason) == (StageKind.WON, START, None)
    assert [e["to_stage"] for e in w.events(STAGES)] == ["new", "invoice", "payment", "won"]


async def test_deal_waiting_for_money_too_long_is_flagged_stuck() -> None:
    w = await world()
    w.pipelines.pipelines["short"] = short_pipeline()
    waiting = await opened(w, pipeline_id="short")
    await opened(w, pipeline_id="short", title="Другая")
    w.clock.advance(timedelta(minutes=1))
    await w.book.move(waiting.id, to_stage="invoice", by="mgr-a", lost_reason=None)

    w.clock.advance(timedelta(hours=72))
    at_72_hours = await w.book.list(DealFilter(), only_stuck=True, offset=0, limit=50)
    w.clock.advance(timedelta(minutes=1))
    past_72_hours = await w.book.list(DealFilter(), only_stuck=True, offset=0, limit=50)
    everything = await w.book.list(
        DealFilter(manager_id="mgr-a"), only_stuck=False, offset=0, limit=1
    )

    assert (at_72_hours.items, at_72_hours.total) == ([], 0)
    assert [(i.deal.id, i.stuck) for i in past_72_hours.items] == [(waiting.id, True)]
    assert past_72_hours.total == 1
    assert everything.total == 2 and [i.deal.id for i in everything.items] == [waiting.id]


async def test_the_stuck_list_pages_and_counts_stuck_deals_only_longest_waiting_first() -> None:
    w = await world()
    w.pipelines.pipelines["short"] = short_pipeline()
    deals = []
    for n in range(4):  # entering `invoice` an hour apart
        deal = await opened(w, pipeline_id="short", title=f"Сделка {n}")
        await w.book.move(deal.id, to_stage="invoice", by="mgr-a", lost_reason=None)
        deals.append(deal.id)
        w.clock.advance(timedelta(hours=1))
    await opened(w, pipeline_id="short", title="Новая")  # not waiting for money
    # The last entered 1 h before the loop ended; 70 h 30 min on, the waits are 74 h 30 min,
    # 73 h 30 min, 72 h 30 min and 71 h 30 min: three are stuck.
    w.clock.advance(timedelta(hours=70, minutes=30))
    first = await w.book.list(DealFilter(), only_stuck=True, offset=0, limit=2)
    second = await w.book.list(DealFilter(), only_stuck=True, offset=2, limit=2)
    assert (first.total, second.total) == (3, 3)
    assert [i.deal.id for i in first.items + second.items] == deals[:3]
    assert all(i.stuck for i in first.items + second.items)


async def test_shipment_is_planned_once_then_shipped_and_delivered_in_order() -> None:
    w = await world()
    deal = await opened(w, client_id="client-1")

    await w.fulfilment.plan_shipment(deal.id, planned_on=date(2026, 3, 5), shipment_id="s1")
    await w.fulfilment.plan_shipment(deal.id, planned_on=date(2026, 3, 9), shipment_id="s1")
    with pytest.raises(Refused, match="cannot go from planned to delivered"):
        await w.fulfilment.move_shipment(
            deal.id, "s1", status=ShipmentStatus.DELIVERED, on=date(2026, 3, 6)
        )
    with pytest.raises(NotFound, match="no shipment"):
        await w.fulfilment.move_shipment(
            deal.id, "s9", status=ShipmentStatus.SHIPPED, on=date(2026, 3, 6)
        )
    await w.fulfilment.move_shipment(
        deal.id, "s1", status=ShipmentStatus.SHIPPED, on=date(2026, 3, 6)
    )
    done = await w.fulfilment.move_shipment(
        deal.id, "s1", status=ShipmentStatus.DELIVERED, on=date(2026, 3, 7)
    )

    shipment = done.shipments["s1"]
    assert (shipment.planned_on, shipment.shipped_on, shipment.delivered_on) == (
        date(2026, 3, 5),
        date(2026, 3, 6),
        date(2026, 3, 7),
    )
    events = w.events(SHIPMENTS)
    assert [(e["status"], e["on"]) for e in events] == [
        ("planned", "2026-03-05"),
        ("shipped", "2026-03-06"),
        ("delivered", "2026-03-07"),
    ]
    assert {(e["deal_id"], e["client_id"], e["manager_id"]) for e in events} == {
        (deal.id, "client-1", "mgr-a")
    }
    assert {m.key for m in w.deals.published_on(SHIPMENTS)} == {deal.id}
    assert [(e.type, e.details["status"]) for e in done.history[1:]] == [
        ("shipment", "planned"),
        ("shipment", "shipped"),
        ("shipment", "delivered"),
    ]


async def test_claim_is_investigated_before_it_is_resolved_with_a_resolution() -> None:
    w = await world()
    deal = await opened(w)
    with_claim = await w.fulfilment.open_claim(
        deal.id, category=ClaimCategory.QUALITY, description="Трещина", shipment_id=None
    )
    [claim_id] = with_claim.claims

    with pytest.raises(Refused, match="investigate first"):
        await w.fulfilment.move_claim(
            deal.id, claim_id, status=ClaimStatus.RESOLVED, resolution="Замена"
        )
    await w.fulfilment.move_claim(
        deal.id, claim_id, status=ClaimStatus.INVESTIGATING, resolution=None
    )
    with pytest.raises(Refused) as no_text:
        await w.fulfilment.move_claim(
            deal.id, claim_id, status=ClaimStatus.RESOLVED, resolution=None
        )
    w.clock.advance(timedelta(days=3))
    done = await w.fulfilment.move_claim(
        deal.id, claim_id, status=ClaimStatus.RESOLVED, resolution="Замена корпуса"
    )

    assert no_text.value.problems == ("resolution",)
    claim = done.claims[claim_id]
    assert (claim.status, claim.resolution) == (ClaimStatus.RESOLVED, "Замена корпуса")
    assert (claim.opened_on, claim.closed_on) == (date(2026, 3, 2), date(2026, 3, 5))
    events = w.events(CLAIMS)
    assert [(e["status"], e["category"]) for e in events] == [
        ("open", "quality"),
        ("investigating", "quality"),
        ("resolved", "quality"),
    ]
    assert events[-1]["resolution"] == "Замена корпуса"
    with pytest.raises(NotFound, match="no claim"):
        await w.fulfilment.move_claim(
            deal.id, "clm-missing", status=ClaimStatus.INVESTIGATING, resolution=None
        )


async def test_attached_contract_is_kept_on_the_deal_for_its_gates() -> None:
    w = await world()
    deal = await opened(w)
    contract = {
        "id": "contract-1",
        "number": "Д-1",
        "type": "supply",
        "payment_form": "bank_transfer",
        "terms": "",
        "signed_on": "2026-03-02",
        "renewal_on": None,
    }

    await w.book.attach_contract(deal.id, contract=contract, payment_form="bank_transfer")

    stored = await w.book.get(deal.id)
    assert stored.contract == contract
    assert stored.payment_form is PaymentForm.BANK_TRANSFER
    facts = stored.gate_facts(Paperwork())
    assert facts["contract"] == {"type": "supply", "number": "Д-1", "signed_on": "2026-03-02"}
    assert len(w.events(STAGES)) == 1  # attaching publishes nothing of the deal's
    with pytest.raises(NotFound):
        await w.book.attach_contract("deal-missing", contract=contract, payment_form="cheque")


async def test_pipeline_with_an_unknown_stuck_stage_is_refused() -> None:
    w = await world()
    stages = short_pipeline().pipeline

    with pytest.raises(Invalid) as invalid:
        await Pipelines(w.pipelines).put(stages, lost_reasons=["price"], stuck_stages=["waiting"])

    assert invalid.value.problems == ("stuck_stages: unknown stages waiting",)
    assert "short" not in w.pipelines.pipelines
