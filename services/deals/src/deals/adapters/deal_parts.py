"""Stored forms of a deal's parts: priced lines, discount approval, shipments, claims, history."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from deals.adapters.money_fields import is_money_field, money_field, money_from_field
from deals.domain.deal import HistoryEntry
from deals.domain.deal_lines import ApprovalStatus, CatalogueItem, DealLine, DiscountApproval
from deals.domain.discounts import AppliedDiscount, DiscountKind, LineItem, PricedLine
from deals.domain.money import Money
from deals.domain.shipments import Claim, ClaimCategory, ClaimStatus, Shipment, ShipmentStatus
from shared.platform.repository import Document


def line_document(line: DealLine) -> Document:
    """A priced line with its discount and the three amounts that add up."""
    priced, discount = line.priced, line.priced.discount
    return {
        "product": priced.line.product,
        "quantity": str(priced.line.quantity),
        "unit_price": money_field(priced.line.unit_price),
        "discount": (
            {
                "rule_id": discount.rule_id,
                "kind": discount.rule_kind.value,
                "percent": str(discount.percent),
            }
            if discount
            else None
        ),
        "gross": money_field(priced.gross),
        "discount_amount": money_field(priced.discount_amount),
        "net": money_field(priced.net),
        "needs_approval": line.needs_approval,
        **(
            {}
            if line.item is None
            else {
                "sku": line.item.sku,
                "unit": line.item.unit,
                "vat_rate": None if line.item.vat_rate is None else str(line.item.vat_rate),
            }
        ),
    }


def line_of(stored: Mapping[str, Any]) -> DealLine:
    """A stored line as priced then (not priced again: the rules may have changed since)."""
    raw_discount = stored.get("discount")
    discount = (
        AppliedDiscount(
            rule_id=raw_discount["rule_id"],
            rule_kind=DiscountKind(raw_discount["kind"]),
            percent=Decimal(str(raw_discount["percent"])),
        )
        if raw_discount
        else None
    )
    line = LineItem(
        product=str(stored["product"]),
        quantity=Decimal(str(stored["quantity"])),
        unit_price=money_from_field(stored["unit_price"]),
    )
    return DealLine(
        priced=PricedLine(
            line=line,
            discount=discount,
            gross=money_from_field(stored["gross"]),
            discount_amount=money_from_field(stored["discount_amount"]),
            net=money_from_field(stored["net"]),
        ),
        needs_approval=bool(stored.get("needs_approval")),
        item=None
        if stored.get("sku") is None
        else CatalogueItem(
            sku=str(stored["sku"]),
            unit=str(stored["unit"]),
            vat_rate=None if stored.get("vat_rate") is None else Decimal(str(stored["vat_rate"])),
        ),
    )


def approval_document(approval: DiscountApproval) -> Document:
    """The approval state; only the fields its status has are stored."""
    fields: Document = {
        "status": approval.status.value,
        "requested_at": approval.requested_at,
        "max_percent": _text(approval.max_percent),
        "manager_limit": _text(approval.manager_limit),
        "decided_by": approval.decided_by,
        "decided_at": approval.decided_at,
    }
    return {name: value for name, value in fields.items() if value is not None}


def approval_of(stored: Mapping[str, Any] | None) -> DiscountApproval:
    """A stored approval state (none stored: no approval needed)."""
    stored = stored or {}
    return DiscountApproval(
        status=ApprovalStatus(stored.get("status", ApprovalStatus.NOT_NEEDED.value)),
        requested_at=stored.get("requested_at"),
        max_percent=_decimal(stored.get("max_percent")),
        manager_limit=_decimal(stored.get("manager_limit")),
        decided_by=stored.get("decided_by"),
        decided_at=stored.get("decided_at"),
    )


def shipment_document(shipment: Shipment) -> Document:
    """A shipment with the dates of its steps (ISO dates)."""
    return {
        "id": shipment.id,
        "deal_id": shipment.deal_id,
        "planned_on": shipment.planned_on.isoformat(),
        "status": shipment.status.value,
        "shipped_on": iso_day(shipment.shipped_on),
        "delivered_on": iso_day(shipment.delivered_on),
        "returned_on": iso_day(shipment.returned_on),
    }


def shipment_of(stored: Mapping[str, Any]) -> Shipment:
    """A stored shipment."""
    return Shipment(
        id=stored["id"],
        deal_id=stored["deal_id"],
        planned_on=date.fromisoformat(stored["planned_on"]),
        status=ShipmentStatus(stored["status"]),
        shipped_on=day_of(stored.get("shipped_on")),
        delivered_on=day_of(stored.get("delivered_on")),
        returned_on=day_of(stored.get("returned_on")),
    )


def claim_document(claim: Claim) -> Document:
    """A claim with its status and, once closed, its resolution."""
    return {
        "id": claim.id,
        "category": claim.category.value,
        "description": claim.description,
        "opened_on": claim.opened_on.isoformat(),
        "shipment_id": claim.shipment_id,
        "status": claim.status.value,
        "resolution": claim.resolution,
        "closed_on": iso_day(claim.closed_on),
    }


def claim_of(stored: Mapping[str, Any]) -> Claim:
    """A stored claim."""
    return Claim(
        id=stored["id"],
        category=ClaimCategory(stored["category"]),
        description=stored["description"],
        opened_on=date.fromisoformat(stored["opened_on"]),
        shipment_id=stored.get("shipment_id"),
        status=ClaimStatus(stored["status"]),
        resolution=stored.get("resolution"),
        closed_on=day_of(stored.get("closed_on")),
    )


def history_document(entry: HistoryEntry) -> Document:
    """A history line: `at`, `type` and its particulars side by side."""
    details = {
        name: money_field(value) if isinstance(value, Money) else value
        for name, value in entry.details.items()
    }
    return {"at": entry.at, "type": entry.type, **details}


def history_of(stored: Mapping[str, Any]) -> HistoryEntry:
    """A stored history line."""
    details = {
        name: money_from_field(value) if is_money_field(value) else value
        for name, value in stored.items()
        if name not in ("at", "type")
    }
    return HistoryEntry(at=stored["at"], type=stored["type"], details=details)


def day_of(value: Any) -> date | None:
    """A stored ISO date (None when absent)."""
    return date.fromisoformat(str(value)) if value else None


def iso_day(value: date | None) -> str | None:
    """A date as stored (ISO), or None."""
    return value.isoformat() if value else None


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))
