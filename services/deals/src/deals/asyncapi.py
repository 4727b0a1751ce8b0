"""The deals service's AsyncAPI 3.0 document: `python -m deals.asyncapi --write|--check`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from shared.contracts.asyncapi import asyncapi_document, command
from shared.contracts.topics import Topic

RECEIVES: tuple[Topic, ...] = (
    Topic.LEAD_CONVERTED,
    Topic.PAYMENT_RECEIVED,
    Topic.CLIENT_SEGMENT_CHANGED,
    Topic.PERSON_CHANGED,
    Topic.ACTIVITY_LOGGED,
    Topic.CONTRACT_RENEWAL_DUE,
    Topic.LEAD_ASSIGNED,
    Topic.LEAD_REASSIGNED,
    Topic.LEAD_CONTACTED,
    Topic.LEAD_DISQUALIFIED,
)
"""Topics this service consumes (a test checks them against its registered subscribers)."""

SENDS: tuple[Topic, ...] = (
    Topic.DEAL_STAGE_CHANGED,
    Topic.PAYMENT_DUE,
    Topic.PAYMENT_RECEIVED,
    Topic.INVOICE_ISSUED,
    Topic.CONTRACT_RENEWAL_DUE,
    Topic.SHIPMENT_STATUS_CHANGED,
    Topic.CLAIM_STATUS_CHANGED,
    Topic.DEAL_REASSIGNED,
    Topic.DEAL_ACTIVITY_LOGGED,
    Topic.TASK_CREATED,
    Topic.TASK_COMPLETED,
    Topic.TASK_OVERDUE,
    Topic.TASK_REASSIGNED,
    Topic.MEETING_REMINDER_DUE,
    Topic.PROPOSAL_SENT,
    Topic.PROPOSAL_ACCEPTED,
    Topic.PROPOSAL_DECLINED,
    Topic.AUDIT_RECORDED,
)
"""Topics this service publishes."""

DOCUMENT = Path(__file__).resolve().parents[4] / "docs" / "asyncapi" / "deals.json"


def document() -> dict[str, Any]:
    """The service's AsyncAPI document."""
    return asyncapi_document(
        service="deals",
        description="Clients, pipelines, invoices and reminders, payments, shipments, claims, "
        "activities, tasks, meetings and the work queue.",
        receives=RECEIVES,
        sends=SENDS,
    )


if __name__ == "__main__":
    raise SystemExit(command(DOCUMENT, document(), sys.argv[1:]))
