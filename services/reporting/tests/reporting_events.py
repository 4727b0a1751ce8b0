"""Wire events of March 2026 for the reporting tests, unit and integration alike."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from shared.contracts import DealStageChangedV1, InvoiceIssuedV1, Money, StageKind


def at(day: int, hour: int = 9, month: int = 3) -> datetime:
    """That day of 2026 (March unless told), at 09:00 UTC unless told."""
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


def rub(amount: str) -> Money:
    """An amount in roubles."""
    return Money(amount=Decimal(amount), currency="RUB")


def stage_change(
    deal: str,
    to: str,
    kind: StageKind,
    day: int,
    amount: str,
    *,
    lead: str | None = None,
    manager: str = "m1",
    previous: str | None = None,
    probability: str = "0.5",
    lost_reason: str | None = None,
    channel: str | None = None,
) -> DealStageChangedV1:
    """A March stage change of a RUB deal in team "sales" whose client is `client-<deal>`."""
    return DealStageChangedV1(
        deal_id=deal,
        pipeline_id="default",
        from_stage=previous,
        to_stage=to,
        changed_at=at(day),
        changed_by=manager,
        amount=rub(amount),
        client_id=f"client-{deal}",
        manager_id=manager,
        lost_reason=lost_reason,
        stage_probability=Decimal(probability),
        to_stage_kind=kind,
        lead_id=lead,
        channel=channel,
        team="sales",
    )


def empty_invoice() -> InvoiceIssuedV1:
    """An invoice without installments: the contract allows it, no projection can fold it."""
    return InvoiceIssuedV1(
        invoice_id="I-empty",
        number="СЧ-0",
        deal_id="D1",
        client_id="client-D1",
        manager_id="m1",
        issued_at=datetime(2026, 3, 9, tzinfo=UTC),
        total=rub("10.00"),
        installments=(),
    )
