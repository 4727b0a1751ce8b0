"""Wire events of March 2026 for the reporting tests, unit and integration alike."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from shared.contracts import (
    ActivityDirection,
    ActivityKind,
    DealActivityLoggedV1,
    DealStageChangedV1,
    InvoiceIssuedV1,
    Money,
    StageKind,
    TaskCompletedV1,
    TaskOverdueV1,
)
from shared.contracts.events.activities import ActivitySubject
from shared.contracts.events.tasks import OverdueLevel, TaskLinks, TaskResolution


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


def deal_activity(
    activity_id: str,
    kind: ActivityKind,
    when: datetime,
    *,
    deal: str | None = None,
    client: str | None = None,
    manager: str = "m1",
    category: str | None = None,
) -> DealActivityLoggedV1:
    """An activity the deals service recorded on a deal (when `deal` is given) or a client."""
    return DealActivityLoggedV1(
        activity_id=activity_id,
        subject=ActivitySubject.DEAL if deal is not None else ActivitySubject.CLIENT,
        deal_id=deal,
        client_id=client if client is not None else f"client-{deal}",
        manager_id=manager,
        team="sales",
        kind=kind,
        direction=ActivityDirection.OUTBOUND,
        outcome="answered" if kind is ActivityKind.CALL else None,
        duration_seconds=185 if kind is ActivityKind.CALL else None,
        objection_category=category,
        occurred_at=when,
    )


def task_completed(
    task: str,
    when: datetime,
    *,
    manager: str = "m1",
    resolution: TaskResolution = TaskResolution.DONE,
) -> TaskCompletedV1:
    """A task about deal D1 closed by its assignee."""
    return TaskCompletedV1(
        task_id=task,
        assignee_id=manager,
        team="sales",
        resolution=resolution,
        origin="manual",
        links=TaskLinks(deal_id="D1"),
        was_overdue=False,
        completed_at=when,
    )


def task_overdue(
    task: str,
    when: datetime,
    *,
    manager: str = "m1",
    level: OverdueLevel = OverdueLevel.ASSIGNEE,
) -> TaskOverdueV1:
    """A task about deal D1 past due at `when`, told to its assignee (or their team lead)."""
    return TaskOverdueV1(
        task_id=task,
        title="Call back",
        assignee_id=manager,
        team="sales",
        due_at=when,
        level=level,
        notify_person_id=manager if level is OverdueLevel.ASSIGNEE else "tl-olga",
        links=TaskLinks(deal_id="D1"),
        overdue_at=when,
    )
