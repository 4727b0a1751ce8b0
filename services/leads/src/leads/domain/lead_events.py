"""The events a lead records, each built from the lead's state right after the move it reports."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from leads.domain.lead_records import Activity, Conversion, Owner
from shared.contracts.events.lead_lifecycle import (
    LeadActivityLoggedV1,
    LeadAssignedV1,
    LeadContactedV1,
    LeadConvertedV1,
    LeadDisqualifiedV1,
    LeadQualifiedV1,
    LeadReassignedV1,
    LeadSlaBreachedV1,
    ProductInterest,
    ReassignReason,
)

if TYPE_CHECKING:
    from leads.domain.lead import Lead


def assigned(lead: Lead, owner: Owner, now: datetime) -> LeadAssignedV1:
    """A new lead got its first owner and deadline."""
    return LeadAssignedV1(
        lead_id=lead.id,
        manager_id=owner.manager_id,
        team=owner.team,
        reason=owner.reason,
        channel=lead.channel,
        source=lead.source,
        received_at=lead.received_at,
        assigned_at=now,
        sla_deadline=owner.deadline,
        priority=lead.priority.score,
        returning_client=lead.returning_client,
    )


def activity_logged(
    lead: Lead, activity: Activity, *, counts_as_contact: bool
) -> LeadActivityLoggedV1:
    """An activity joined the lead's timeline."""
    return LeadActivityLoggedV1(
        activity_id=activity.activity_id,
        lead_id=lead.id,
        manager_id=activity.manager_id,
        kind=activity.kind,
        direction=activity.direction,
        outcome=activity.outcome,
        duration_seconds=activity.duration_seconds,
        occurred_at=activity.occurred_at,
        team=lead.team,
        counts_as_contact=counts_as_contact,
    )


def contacted(lead: Lead, activity: Activity) -> LeadContactedV1:
    """The activity was the first response to the lead, as the lead measured it."""
    if lead.first_contact_at is None or lead.response_seconds is None or lead.within_sla is None:
        raise ValueError("a lead announces contact only once it measured the first contact")
    return LeadContactedV1(
        lead_id=lead.id,
        manager_id=activity.manager_id,
        team=lead.team,
        activity_id=activity.activity_id,
        kind=activity.kind,
        contacted_at=lead.first_contact_at,
        received_at=lead.received_at,
        response_seconds=lead.response_seconds,
        within_sla=lead.within_sla,
    )


def qualified(lead: Lead, manager: str, now: datetime) -> LeadQualifiedV1:
    """The lead is a real opportunity, in `manager`'s judgement."""
    return LeadQualifiedV1(
        lead_id=lead.id, manager_id=manager, team=lead.team, channel=lead.channel, qualified_at=now
    )


def converted(lead: Lead, conversion: Conversion, manager: str, now: datetime) -> LeadConvertedV1:
    """What the deal starts with; products and amount default to what the lead asked for."""
    products = conversion.products
    if not products and lead.product:
        products = (ProductInterest(product=lead.product, quantity=lead.quantity),)
    return LeadConvertedV1(
        lead_id=lead.id,
        manager_id=manager,
        team=lead.team,
        channel=lead.channel,
        source=lead.source,
        received_at=lead.received_at,
        converted_at=now,
        contact=lead.contact.for_deal(),
        request_text=lead.request_text,
        products=products,
        amount_estimate=conversion.amount_estimate or lead.budget,
        region=lead.region,
        utm=lead.utm,
        expected_close_on=conversion.expected_close_on,
    )


def disqualified(lead: Lead, by: str | None, now: datetime) -> LeadDisqualifiedV1:
    """The lead was closed for the reason it now carries."""
    if lead.disqualify_reason is None:
        raise ValueError("a lead announces its disqualification only once it has a reason")
    return LeadDisqualifiedV1(
        lead_id=lead.id,
        manager_id=by or lead.manager_id,
        team=lead.team,
        channel=lead.channel,
        reason=lead.disqualify_reason,
        note=lead.disqualify_note,
        disqualified_at=now,
    )


def reassigned(
    lead: Lead,
    *,
    previous: str | None,
    reason: ReassignReason,
    detail: str | None,
    sla_deadline: datetime | None,
    now: datetime,
) -> LeadReassignedV1:
    """The lead moved from `previous` to its current owner and team."""
    return LeadReassignedV1(
        lead_id=lead.id,
        from_manager_id=previous,
        to_manager_id=lead.manager_id,
        team=lead.team or None,
        reason=reason,
        detail=detail,
        breach_count=lead.sla_breaches,
        reassigned_at=now,
        sla_deadline=sla_deadline,
    )


def sla_breached(
    lead: Lead,
    *,
    deadline: datetime,
    breach_count: int,
    escalated_to: str | None,
    escalated: bool,
    now: datetime,
) -> LeadSlaBreachedV1:
    """The owner let the first-contact deadline pass (recorded before the lead moves on)."""
    return LeadSlaBreachedV1(
        lead_id=lead.id,
        manager_id=lead.manager_id,
        team=lead.team,
        channel=lead.channel,
        deadline=deadline,
        breached_at=now,
        breach_count=breach_count,
        escalated=escalated,
        escalated_to=escalated_to,
    )
