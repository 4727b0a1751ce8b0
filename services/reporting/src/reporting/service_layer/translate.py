"""Wire events to the reporting domain's facts: the one place that knows both vocabularies."""

from __future__ import annotations

from reporting.domain.facts import (
    ActivityKind,
    ActivityLogged,
    ClaimRecorded,
    DealLine,
    DealReassigned,
    DealStageChanged,
    Fact,
    InvoiceIssued,
    LeadAssigned,
    LeadContacted,
    LeadConverted,
    LeadDisqualified,
    LeadQualified,
    LeadSlaBreached,
    PaymentReceived,
    PlannedInstallment,
    StageKind,
    TaskDone,
    TaskOverdue,
)
from shared.contracts.events.activities import DealActivityLoggedV1
from shared.contracts.events.base import EventModel
from shared.contracts.events.deal_reassigned import DealReassignedV1
from shared.contracts.events.deal_stage_changed import DealStageChangedV1
from shared.contracts.events.fulfilment import ClaimStatus, ClaimStatusChangedV1
from shared.contracts.events.invoicing import InvoiceIssuedV1, PaymentReceivedV1
from shared.contracts.events.lead_lifecycle import (
    LeadActivityLoggedV1,
    LeadAssignedV1,
    LeadContactedV1,
    LeadConvertedV1,
    LeadDisqualifiedV1,
    LeadQualifiedV1,
    LeadSlaBreachedV1,
)
from shared.contracts.events.tasks import (
    OverdueLevel,
    TaskCompletedV1,
    TaskOverdueV1,
    TaskResolution,
)
from shared.contracts.topics import Topic

UNKNOWN = "unknown"

TOPICS: tuple[Topic, ...] = (
    Topic.LEAD_ASSIGNED,
    Topic.LEAD_CONTACTED,
    Topic.LEAD_SLA_BREACHED,
    Topic.LEAD_QUALIFIED,
    Topic.LEAD_CONVERTED,
    Topic.LEAD_DISQUALIFIED,
    Topic.LEAD_ACTIVITY_LOGGED,
    Topic.DEAL_ACTIVITY_LOGGED,
    Topic.TASK_COMPLETED,
    Topic.TASK_OVERDUE,
    Topic.DEAL_STAGE_CHANGED,
    Topic.DEAL_REASSIGNED,
    Topic.INVOICE_ISSUED,
    Topic.PAYMENT_RECEIVED,
    Topic.CLAIM_STATUS_CHANGED,
)
"""Every topic the projections are built from."""


def fact_of(e: EventModel) -> Fact | None:
    """The fact an event states, or None for events the reports do not use.

    A cancelled task and an overdue task told to the team lead state nothing the reports
    count: a task counts as done once done, as overdue once its assignee was told.

    Raises ValueError for an event that fits its contract but no fold can take.
    """
    if isinstance(e, LeadAssignedV1):
        return LeadAssigned(
            lead_id=e.lead_id,
            channel=e.channel.value,
            source=e.source,
            manager_id=e.manager_id,
            team=e.team,
            received_at=e.received_at,
            assigned_at=e.assigned_at,
        )
    if isinstance(e, LeadContactedV1):
        return LeadContacted(
            lead_id=e.lead_id,
            manager_id=e.manager_id,
            contacted_at=e.contacted_at,
            response_seconds=e.response_seconds,
            within_sla=e.within_sla,
        )
    if isinstance(e, LeadSlaBreachedV1):
        return LeadSlaBreached(
            lead_id=e.lead_id, manager_id=e.manager_id, breached_at=e.breached_at
        )
    if isinstance(e, LeadQualifiedV1):
        return LeadQualified(lead_id=e.lead_id, at=e.qualified_at)
    if isinstance(e, LeadConvertedV1):
        return LeadConverted(
            lead_id=e.lead_id, manager_id=e.manager_id, channel=e.channel.value, at=e.converted_at
        )
    if isinstance(e, LeadDisqualifiedV1):
        return LeadDisqualified(lead_id=e.lead_id, reason=e.reason, at=e.disqualified_at)
    if isinstance(e, LeadActivityLoggedV1):
        return ActivityLogged(
            activity_id=e.activity_id,
            lead_id=e.lead_id,
            manager_id=e.manager_id,
            kind=ActivityKind(e.kind.value),
            occurred_at=e.occurred_at,
        )
    if isinstance(e, DealActivityLoggedV1):
        return ActivityLogged(
            activity_id=e.activity_id,
            lead_id=None,
            manager_id=e.manager_id,
            kind=ActivityKind(e.kind.value),
            occurred_at=e.occurred_at,
            deal_id=e.deal_id,
            client_id=e.client_id,
            objection_category=e.objection_category,
        )
    if isinstance(e, TaskCompletedV1) and e.resolution is TaskResolution.DONE:
        return TaskDone(task_id=e.task_id, manager_id=e.assignee_id, done_at=e.completed_at)
    if isinstance(e, TaskOverdueV1) and e.level is OverdueLevel.ASSIGNEE:
        return TaskOverdue(task_id=e.task_id, manager_id=e.assignee_id, overdue_at=e.overdue_at)
    if isinstance(e, DealStageChangedV1):
        return DealStageChanged(
            deal_id=e.deal_id,
            pipeline_id=e.pipeline_id,
            from_stage=e.from_stage,
            to_stage=e.to_stage,
            to_stage_kind=StageKind(e.to_stage_kind.value if e.to_stage_kind else "open"),
            changed_at=e.changed_at,
            amount=e.amount.amount,
            currency=e.amount.currency,
            client_id=e.client_id,
            manager_id=e.manager_id,
            lead_id=e.lead_id,
            channel=e.channel,
            lost_reason=e.lost_reason,
            stage_probability=e.stage_probability,
            expected_close_on=e.expected_close_on,
            lines=None
            if e.lines is None
            else tuple(
                DealLine(line.sku, line.product, line.quantity, line.net.amount, line.net.currency)
                for line in e.lines
            ),
        )
    if isinstance(e, DealReassignedV1):
        return DealReassigned(deal_id=e.deal_id, manager_id=e.to_manager_id, at=e.reassigned_at)
    if isinstance(e, InvoiceIssuedV1):
        return InvoiceIssued(
            invoice_id=e.invoice_id,
            deal_id=e.deal_id,
            client_id=e.client_id,
            manager_id=e.manager_id,
            issued_at=e.issued_at,
            total=e.total.amount,
            currency=e.total.currency,
            installments=tuple(
                PlannedInstallment(i.installment_id, i.due_date, i.amount.amount)
                for i in e.installments
            ),
        )
    if isinstance(e, PaymentReceivedV1):
        return PaymentReceived(
            payment_id=e.payment_id,
            invoice_id=e.invoice_id,
            client_id=e.client_id or UNKNOWN,
            amount=e.amount.amount,
            currency=e.amount.currency,
            paid_at=e.paid_at,
            installment_id=e.installment_id,
        )
    if isinstance(e, ClaimStatusChangedV1) and e.status is ClaimStatus.OPEN:
        return ClaimRecorded(
            claim_id=e.claim_id,
            client_id=e.client_id or UNKNOWN,
            deal_id=e.deal_id,
            category=e.category,
            at=e.changed_at,
        )
    return None
