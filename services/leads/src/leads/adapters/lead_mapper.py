"""How a lead is stored: one document per lead, its activities and history inside.

The field names are those the collection's indexes, the list queries and reporting of stored
data use; fields a lead gets only at some step (first contact, qualification, closing, the
running timer `sla_due_at`) are absent until then.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, fields
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from leads.domain.dedupe import LeadStatus
from leads.domain.lead import Lead
from leads.domain.lead_records import ActivityRecord, HistoryEntry, LeadContact
from leads.domain.priority import Priority, Reason
from shared.contracts.events.lead_received import LeadChannel, UtmTags
from shared.contracts.events.money import Money

Document = dict[str, Any]
Record = TypeVar("Record", ActivityRecord, HistoryEntry)

# Stored only once the lead reached the step that sets them.
_OPTIONAL_FIELDS = (
    "sla_due_at",
    "first_contact_by",
    "response_seconds",
    "within_sla",
    "qualified_at",
    "converted_at",
    "disqualified_at",
    "disqualify_reason",
    "disqualify_note",
)


class LeadMapper:
    """`DocumentMapper[Lead]` of the `leads` collection."""

    def to_document(self, lead: Lead) -> Document:
        """The lead as stored (without revision and outbox)."""
        document: Document = {
            "_id": lead.id,
            "aliases": list(lead.aliases),
            "source": lead.source,
            "external_id": lead.external_id,
            "channel": lead.channel.value,
            "channels": list(lead.channels),
            "received_at": lead.received_at,
            "created_at": lead.created_at,
            "updated_at": lead.updated_at,
            "last_inbound_at": lead.last_inbound_at,
            "contact": asdict(lead.contact),
            "flags": list(lead.flags),
            "dedupe_keys": list(lead.dedupe_keys),
            "request_text": lead.request_text,
            "product": lead.product,
            "quantity": str(lead.quantity) if lead.quantity is not None else None,
            "budget": _money_document(lead.budget),
            "region": lead.region,
            "deadline": lead.deadline.isoformat() if lead.deadline else None,
            "utm": lead.utm.model_dump(exclude_none=True) if lead.utm else None,
            "referred_by": lead.referred_by,
            "priority": {
                "score": lead.priority.score,
                "reasons": [asdict(reason) for reason in lead.priority.reasons],
            },
            "returning_client": lead.returning_client,
            "client_lead_id": lead.client_lead_id,
            "status": lead.status.value,
            "manager_id": lead.manager_id,
            "team": lead.team,
            "assignment_reason": lead.assignment_reason,
            "sla_deadline": lead.sla_deadline,
            "sla_breaches": lead.sla_breaches,
            "sla_missed_by": list(lead.sla_missed_by),
            "escalated": lead.escalated,
            "first_contact_at": lead.first_contact_at,
            "activities": [activity.as_data() for activity in lead.activities],
            "activity_ids": list(lead.activity_ids),
            "history": [entry.as_data() for entry in lead.history],
        }
        for name in _OPTIONAL_FIELDS:
            value = getattr(lead, name)
            if value is not None:
                document[name] = value
        return document

    def from_document(self, document: Mapping[str, Any]) -> Lead:
        """The lead a stored document describes."""
        optional = {name: document.get(name) for name in _OPTIONAL_FIELDS}
        return Lead(
            id=document["_id"],
            aliases=list(document.get("aliases") or []),
            source=document["source"],
            external_id=document.get("external_id"),
            channel=LeadChannel(document["channel"]),
            channels=list(document.get("channels") or [document["channel"]]),
            received_at=document["received_at"],
            created_at=document["created_at"],
            updated_at=document["updated_at"],
            last_inbound_at=document["last_inbound_at"],
            contact=LeadContact(**document.get("contact") or {}),
            flags=list(document.get("flags") or []),
            dedupe_keys=list(document.get("dedupe_keys") or []),
            request_text=document.get("request_text"),
            product=document.get("product"),
            quantity=Decimal(document["quantity"]) if document.get("quantity") else None,
            budget=_money(document.get("budget")),
            region=document.get("region"),
            deadline=date.fromisoformat(document["deadline"]) if document.get("deadline") else None,
            utm=UtmTags(**document["utm"]) if document.get("utm") else None,
            referred_by=document.get("referred_by"),
            priority=_priority(document["priority"]),
            returning_client=bool(document.get("returning_client")),
            client_lead_id=document.get("client_lead_id"),
            status=LeadStatus(document["status"]),
            manager_id=document.get("manager_id"),
            team=document.get("team"),
            assignment_reason=document.get("assignment_reason"),
            sla_deadline=document.get("sla_deadline"),
            sla_breaches=int(document.get("sla_breaches") or 0),
            sla_missed_by=list(document.get("sla_missed_by") or []),
            escalated=bool(document.get("escalated")),
            first_contact_at=document.get("first_contact_at"),
            activities=[_record(ActivityRecord, item) for item in document.get("activities") or []],
            activity_ids=list(document.get("activity_ids") or []),
            history=[_record(HistoryEntry, item) for item in document.get("history") or []],
            **optional,
        )


def _record(kind: type[Record], item: Mapping[str, Any]) -> Record:
    """A history entry or an activity from its sub-document (absent facts are None)."""
    values: dict[str, Any] = {f.name: item.get(f.name) for f in fields(kind)}
    return kind(**values)


def _priority(stored: Mapping[str, Any]) -> Priority:
    return Priority(
        score=int(stored["score"]),
        reasons=tuple(Reason(**reason) for reason in stored.get("reasons") or []),
    )


def _money_document(money: Money | None) -> Document | None:
    return {"amount": str(money.amount), "currency": money.currency} if money else None


def _money(stored: Mapping[str, Any] | None) -> Money | None:
    return Money(amount=Decimal(stored["amount"]), currency=stored["currency"]) if stored else None
