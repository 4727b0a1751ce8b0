"""Folding facts into per-entity records with the domain's own merge rules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reporting.domain import activity, claims, funnel, receivables, sales
from reporting.domain.facts import (
    ActivityLogged,
    ClaimRecorded,
    DealReassigned,
    DealStageChanged,
    Fact,
    InvoiceIssued,
    PaymentReceived,
    TaskDone,
    TaskOverdue,
)
from reporting.domain.funnel import LEAD_FACTS


def entity_of(fact: Fact) -> tuple[str, str] | None:
    """Which record a fact merges into: (kind, entity id)."""
    if isinstance(fact, LEAD_FACTS):
        return "leads", fact.lead_id
    if isinstance(fact, DealStageChanged | DealReassigned):
        return "deals", fact.deal_id
    if isinstance(fact, ActivityLogged):
        return "activities", fact.activity_id
    if isinstance(fact, TaskDone | TaskOverdue):
        return "tasks", activity.task_slot(fact)
    if isinstance(fact, InvoiceIssued):
        return "invoices", fact.invoice_id
    if isinstance(fact, PaymentReceived):
        return "payments", fact.payment_id
    if isinstance(fact, ClaimRecorded):
        return "claims", fact.claim_id
    return None


def merge(kind: str, records: dict[str, Any], facts: Sequence[Fact]) -> dict[str, Any]:
    """Fold facts into the given records of one kind with the domain's own merge rules."""
    if kind == "leads":
        return dict(funnel.fold(funnel.FunnelState(leads=records, deals={}), facts)["leads"])
    if kind == "deals":
        return dict(sales.fold(sales.SalesState(deals=records), facts)["deals"])
    if kind in ("activities", "tasks"):
        state = activity.ActivityState(
            activities=records if kind == "activities" else {},
            tasks=records if kind == "tasks" else {},
            leads={},
            deals={},
        )
        return dict(activity.fold(state, facts)[kind])  # type: ignore[literal-required]
    if kind in ("invoices", "payments"):
        state_r = receivables.ReceivablesState(
            invoices=records if kind == "invoices" else {},
            payments=records if kind == "payments" else {},
        )
        return dict(receivables.fold(state_r, facts)[kind])  # type: ignore[literal-required]
    if kind == "claims":
        return dict(claims.fold(claims.ClaimsState(claims=records), facts)["claims"])
    raise ValueError(f"unknown record kind {kind}")
