"""The notifications AsyncAPI 3.0 document: `python -m notifications.asyncapi --write|--check`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from shared.contracts.asyncapi import asyncapi_document, command
from shared.contracts.topics import Topic

RECEIVES: tuple[Topic, ...] = (
    Topic.LEAD_ASSIGNED,
    Topic.LEAD_REASSIGNED,
    Topic.LEAD_SLA_BREACHED,
    Topic.PAYMENT_DUE,
    Topic.PAYMENT_RECEIVED,
    Topic.DEAL_STAGE_CHANGED,
    Topic.CONTRACT_RENEWAL_DUE,
    Topic.CLIENT_SEGMENT_CHANGED,
    Topic.TASK_OVERDUE,
    Topic.TASK_COMPLETED,
    Topic.MEETING_REMINDER_DUE,
    Topic.PROPOSAL_SENT,
    Topic.PROPOSAL_ACCEPTED,
    Topic.PROPOSAL_DECLINED,
    Topic.PERSON_CHANGED,
)
"""Topics this service consumes (a test checks them against its registered subscribers)."""

SENDS: tuple[Topic, ...] = (
    Topic.NOTIFICATION_SENT,
    Topic.NOTIFICATION_FAILED,
    Topic.AUDIT_RECORDED,
)
"""Topics this service publishes."""

DOCUMENT = Path(__file__).resolve().parents[4] / "docs" / "asyncapi" / "notifications.json"


def document() -> dict[str, Any]:
    """The service's AsyncAPI document."""
    return asyncapi_document(
        service="notifications",
        description="E-mail, SMS, messenger and webhooks from events, exactly once towards people.",
        receives=RECEIVES,
        sends=SENDS,
    )


if __name__ == "__main__":
    raise SystemExit(command(DOCUMENT, document(), sys.argv[1:]))
