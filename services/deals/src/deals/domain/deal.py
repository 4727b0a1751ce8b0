"""The deal aggregate: opening, pricing, approval, stage gates, shipments, claims, contract."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from deals.domain.contracts import PaymentForm
from deals.domain.deal_lines import (
    BLOCKING_APPROVAL,
    DealLine,
    DiscountApproval,
    LineRequest,
    PricingTerms,
    lines_currency,
    lines_total,
    price_request,
)
from deals.domain.deal_pipeline import ConfiguredPipeline
from deals.domain.money import Money
from deals.domain.pipeline import StageKind
from deals.domain.refusal import Refused
from deals.domain.shipments import (
    Claim,
    ClaimCategory,
    ClaimStatus,
    InvalidTransition,
    Shipment,
    ShipmentStatus,
)
from shared.contracts.events.base import EventModel
from shared.contracts.events.deal_reassigned import DealReassignedV1
from shared.contracts.events.deal_stage_changed import DealStageChangedV1, StageLine
from shared.contracts.events.deal_stage_changed import StageKind as WireStageKind
from shared.contracts.events.fulfilment import ClaimStatus as WireClaimStatus
from shared.contracts.events.fulfilment import (
    ClaimStatusChangedV1,
    ShipmentStatusChangedV1,
)
from shared.contracts.events.fulfilment import ShipmentStatus as WireShipmentStatus
from shared.contracts.events.money import Money as WireMoney
from shared.kernel.aggregate import Aggregate


class UnknownPart(LookupError):
    """The deal has no shipment or claim with the id a command names."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


class _Keep(Enum):
    KEEP = "keep"


KEEP = _Keep.KEEP
"""An edit that leaves a field as it is (None would clear it)."""


@dataclass(frozen=True, slots=True)
class DealEdits:
    """Plain fields a manager edits directly; each one KEEP unless given."""

    title: str | _Keep | None = KEEP
    client_id: str | _Keep | None = KEEP
    expected_close_on: date | _Keep | None = KEEP
    proposal_sent_on: date | _Keep | None = KEEP
    payment_form: PaymentForm | _Keep | None = KEEP


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One line of a deal's history: when, what kind of change, and its particulars."""

    at: datetime
    type: str
    details: Mapping[str, str | Money | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Paperwork:
    """What the gates learn from the deal's invoices: the first one issued, the first payment."""

    first_invoice_id: str | None = None
    first_paid_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DealOpening:
    """Who and what a new deal is about; everything but its stage and history."""

    title: str | None
    manager_id: str
    amount: Money
    team: str | None = None
    client_id: str | None = None
    lead_id: str | None = None
    channel: str | None = None
    source: str | None = None
    prospect: Mapping[str, Any] | None = None
    request_text: str | None = None
    expected_close_on: date | None = None
    line_items: tuple[DealLine, ...] = ()


def wire_money(money: Money) -> WireMoney:
    """Domain money as the contracts' money."""
    return WireMoney(amount=money.amount, currency=money.currency)


@dataclass(eq=False)
class Deal(Aggregate[EventModel]):
    """A sale to one client, walked through a pipeline's stages; every move is published."""

    id: str
    title: str | None
    manager_id: str
    pipeline_id: str
    stage: str
    stage_kind: StageKind
    stage_entered_at: datetime
    amount: Money
    created_at: datetime
    updated_at: datetime
    team: str | None = None
    client_id: str | None = None
    lead_id: str | None = None
    channel: str | None = None
    source: str | None = None
    prospect: Mapping[str, Any] | None = None
    request_text: str | None = None
    line_items: list[DealLine] = field(default_factory=list)
    expected_close_on: date | None = None
    proposal_sent_on: date | None = None
    payment_form: PaymentForm | None = None
    contract: Mapping[str, Any] | None = None
    approval: DiscountApproval = field(default_factory=DiscountApproval)
    shipments: dict[str, Shipment] = field(default_factory=dict)
    claims: dict[str, Claim] = field(default_factory=dict)
    history: list[HistoryEntry] = field(default_factory=list)
    lost_reason: str | None = None
    closed_at: datetime | None = None

    @property
    def aggregate_id(self) -> str:
        """The deal id: every event of the deal is keyed by it, so they stay in order."""
        return self.id

    @classmethod
    def open(
        cls,
        deal_id: str,
        opening: DealOpening,
        pipeline: ConfiguredPipeline,
        *,
        by: str,
        now: datetime,
    ) -> Deal:
        """A new deal in the pipeline's first stage; records its first `deal.stage_changed`."""
        first = pipeline.pipeline.first
        deal = cls(
            id=deal_id,
            title=opening.title,
            manager_id=opening.manager_id,
            pipeline_id=pipeline.id,
            stage=first.code,
            stage_kind=first.kind,
            stage_entered_at=now,
            amount=opening.amount,
            created_at=now,
            updated_at=now,
            team=opening.team,
            client_id=opening.client_id,
            lead_id=opening.lead_id,
            channel=opening.channel,
            source=opening.source,
            prospect=opening.prospect,
            request_text=opening.request_text,
            line_items=list(opening.line_items),
            expected_close_on=opening.expected_close_on,
            history=[HistoryEntry(now, "created", {"stage": first.code, "by": by})],
        )
        deal._record_stage_change(
            None, first.code, first.kind, first.probability, now, by, lost_reason=None
        )
        return deal

    @property
    def is_closed(self) -> bool:
        """Won or lost: a closed deal is not edited or priced any more."""
        return self.stage_kind in (StageKind.WON, StageKind.LOST)

    def require_open(self) -> None:
        """Refuse changes to a won or lost deal."""
        if self.is_closed:
            raise Refused(f"the deal is closed ({self.stage})")

    def edit(self, edits: DealEdits, *, now: datetime) -> None:
        """Change the plain fields given; a closed deal refuses."""
        self.require_open()
        if edits.title is not KEEP:
            self.title = edits.title
        if edits.client_id is not KEEP:
            self.client_id = edits.client_id
        if edits.expected_close_on is not KEEP:
            self.expected_close_on = edits.expected_close_on
        if edits.proposal_sent_on is not KEEP:
            self.proposal_sent_on = edits.proposal_sent_on
        if edits.payment_form is not KEEP:
            self.payment_form = edits.payment_form
        self.updated_at = now

    def price(self, requests: Sequence[LineRequest], terms: PricingTerms, *, now: datetime) -> None:
        """Replace the lines, each at its best discount; past the manager's limit approval waits.

        Pricing again starts the approval over: what was approved was another set of lines.
        """
        self.require_open()
        lines = [price_request(request, terms) for request in requests]
        try:
            currency = lines_currency(lines) or self.amount.currency
        except ValueError as exc:
            raise Refused(str(exc), problems=("line_items",)) from None
        self.line_items = lines
        self.amount = lines_total(lines, currency)
        self.approval = DiscountApproval.for_lines(lines, manager_limit=terms.manager_limit, at=now)
        if terms.payment_form is not None:
            self.payment_form = terms.payment_form
        self.updated_at = now
        self.history.append(HistoryEntry(now, "priced", {"amount": self.amount}))

    def decide_discount(self, *, approved: bool, by: str, now: datetime) -> None:
        """The head of sales approves or rejects a discount above the manager's limit."""
        try:
            self.approval = self.approval.decide(approved=approved, by=by, at=now)
        except ValueError as exc:
            raise Refused(str(exc)) from None
        self.updated_at = now
        self.history.append(HistoryEntry(now, f"discount_{self.approval.status}", {"by": by}))

    def gate_facts(self, paperwork: Paperwork) -> dict[str, object]:
        """Field paths the pipeline's `required_fields` name, filled from where they live.

        Invoices and payments come from their own records (`paperwork`) rather than copies on
        the deal, so a crash between two writes never leaves a gate believing stale data.
        """
        contract = self.contract or {}
        delivered = sorted(
            s.delivered_on
            for s in self.shipments.values()
            if s.delivered_on is not None and s.status is ShipmentStatus.DELIVERED
        )
        return {
            "client_id": self.client_id,
            "line_items": self.line_items,
            "expected_close_on": self.expected_close_on,
            "proposal": {"sent_on": self.proposal_sent_on},
            "contract": {
                "type": contract.get("type"),
                "number": contract.get("number"),
                "signed_on": contract.get("signed_on"),
            },
            "payment_form": self.payment_form or contract.get("payment_form"),
            "invoice_id": paperwork.first_invoice_id,
            "payment": {"received_on": paperwork.first_paid_at},
            "shipment": {"delivered_on": delivered[0] if delivered else None},
        }

    def move_to(
        self,
        to_stage: str,
        pipeline: ConfiguredPipeline,
        paperwork: Paperwork,
        *,
        by: str,
        lost_reason: str | None,
        now: datetime,
    ) -> bool:
        """Move through the pipeline's gates, publishing the move; False when already there.

        A discount awaiting (or refused by) the head of sales blocks every move but to lost.
        """
        if self.stage == to_stage:
            return False
        decision = pipeline.pipeline.check_move(
            self.gate_facts(paperwork),
            self.stage,
            to_stage,
            lost_reason=lost_reason,
            allowed_lost_reasons=pipeline.lost_reasons,
        )
        if not decision.allowed:
            raise Refused(
                f"cannot move from {self.stage} to {to_stage}",
                problems=decision.problems,
                missing=decision.missing,
            )
        target = pipeline.pipeline.stage(to_stage)
        if self.approval.status in BLOCKING_APPROVAL and target.kind is not StageKind.LOST:
            raise Refused(
                "a discount above the manager's limit awaits the head of sales",
                problems=(f"approval: {self.approval.status}",),
            )
        from_stage = self.stage
        self.stage, self.stage_kind, self.stage_entered_at = to_stage, target.kind, now
        self.updated_at = now
        if target.kind is StageKind.LOST:
            self.lost_reason = lost_reason
        if target.is_closed:
            self.closed_at = now
        self.history.append(
            HistoryEntry(now, "stage_changed", {"from": from_stage, "to": to_stage, "by": by})
        )
        self._record_stage_change(
            from_stage, to_stage, target.kind, target.probability, now, by, lost_reason
        )
        return True

    def attach_contract(
        self, contract: Mapping[str, Any], *, payment_form: PaymentForm, now: datetime
    ) -> None:
        """Keep a copy of the contract the gates check, and pay in the contract's form."""
        self.contract = dict(contract)
        self.payment_form = payment_form
        self.updated_at = now

    def plan_shipment(self, shipment_id: str, *, planned_on: date, now: datetime) -> bool:
        """Add a planned shipment; False (and nothing recorded) when the id is planned already."""
        if shipment_id in self.shipments:
            return False
        shipment = Shipment(id=shipment_id, deal_id=self.id, planned_on=planned_on)
        self._put_shipment(shipment, on=planned_on, now=now)
        return True

    def move_shipment(
        self, shipment_id: str, status: ShipmentStatus, *, on: date, now: datetime
    ) -> None:
        """Ship, deliver or return a shipment, in that order."""
        current = self.shipments.get(shipment_id)
        if current is None:
            raise UnknownPart("shipment")
        moves = {
            ShipmentStatus.SHIPPED: current.ship,
            ShipmentStatus.DELIVERED: current.deliver,
            ShipmentStatus.RETURNED: current.mark_returned,
        }
        if status not in moves:
            raise Refused("a shipment moves to shipped, delivered or returned")
        try:
            moved = moves[status](on)
        except InvalidTransition as exc:
            raise Refused(str(exc)) from None
        self._put_shipment(moved, on=on, now=now)

    def open_claim(
        self,
        claim_id: str,
        *,
        category: ClaimCategory,
        description: str,
        shipment_id: str | None,
        now: datetime,
    ) -> None:
        """Record a claim (претензия, рекламация) against the deal."""
        claim = Claim(
            id=claim_id,
            category=category,
            description=description,
            opened_on=now.date(),
            shipment_id=shipment_id,
        )
        self._put_claim(claim, now=now)

    def move_claim(
        self, claim_id: str, status: ClaimStatus, *, resolution: str | None, now: datetime
    ) -> None:
        """Investigate a claim, or close it (resolved or rejected) with a resolution."""
        current = self.claims.get(claim_id)
        if current is None:
            raise UnknownPart("claim")
        try:
            if status is ClaimStatus.INVESTIGATING:
                moved = current.investigate()
            elif status in (ClaimStatus.RESOLVED, ClaimStatus.REJECTED):
                if not resolution:
                    raise Refused("a closed claim needs a resolution", problems=("resolution",))
                close = current.resolve if status is ClaimStatus.RESOLVED else current.reject
                moved = close(resolution, now.date())
            else:
                raise Refused("a claim moves to investigating, resolved or rejected")
        except InvalidTransition as exc:
            raise Refused(str(exc)) from None
        self._put_claim(moved, now=now)

    def _put_shipment(self, shipment: Shipment, *, on: date, now: datetime) -> None:
        self.shipments[shipment.id] = shipment
        self._log_part(now, "shipment", shipment.id, shipment.status)
        self.record(
            ShipmentStatusChangedV1(
                shipment_id=shipment.id,
                deal_id=self.id,
                client_id=self.client_id,
                manager_id=self.manager_id,
                status=WireShipmentStatus(shipment.status.value),
                on=on,
                changed_at=now,
            )
        )

    def _put_claim(self, claim: Claim, *, now: datetime) -> None:
        self.claims[claim.id] = claim
        self._log_part(now, "claim", claim.id, claim.status)
        self.record(
            ClaimStatusChangedV1(
                claim_id=claim.id,
                deal_id=self.id,
                client_id=self.client_id,
                manager_id=self.manager_id,
                category=claim.category.value,
                status=WireClaimStatus(claim.status.value),
                resolution=claim.resolution,
                changed_at=now,
            )
        )

    def hand_over(self, to: str, *, reason: str, now: datetime) -> bool:
        """Give an open deal to another manager; False for a closed deal or the same owner."""
        if self.is_closed or self.manager_id == to:
            return False
        previous, self.manager_id, self.updated_at = self.manager_id, to, now
        self.history.append(
            HistoryEntry(now, "reassigned", {"from": previous, "to": to, "reason": reason})
        )
        self.record(
            DealReassignedV1(
                deal_id=self.id,
                from_manager_id=previous,
                to_manager_id=to,
                reason=reason,
                team=self.team,
                reassigned_at=now,
            )
        )
        return True

    def _log_part(self, now: datetime, kind: str, part_id: str, status: str) -> None:
        self.updated_at = now
        self.history.append(HistoryEntry(now, kind, {"id": part_id, "status": str(status)}))

    def _record_stage_change(
        self,
        from_stage: str | None,
        to_stage: str,
        kind: StageKind,
        probability: Decimal,
        at: datetime,
        by: str,
        lost_reason: str | None,
    ) -> None:
        self.record(
            DealStageChangedV1(
                deal_id=self.id,
                pipeline_id=self.pipeline_id,
                from_stage=from_stage,
                to_stage=to_stage,
                changed_at=at,
                changed_by=by,
                amount=wire_money(self.amount),
                client_id=self.client_id,
                manager_id=self.manager_id,
                lost_reason=lost_reason,
                stage_probability=probability,
                to_stage_kind=WireStageKind(kind.value),
                lead_id=self.lead_id,
                channel=self.channel,
                team=self.team,
                expected_close_on=self.expected_close_on,
                lines=[
                    StageLine(
                        sku=None if line.item is None else line.item.sku,
                        product=line.priced.line.product,
                        quantity=line.priced.line.quantity,
                        net=wire_money(line.net),
                    )
                    for line in self.line_items
                ],
            )
        )
