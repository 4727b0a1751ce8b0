"""The leads service's AsyncAPI 3.0 document: `python -m leads.asyncapi --write|--check`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from shared.contracts.asyncapi import asyncapi_document, command
from shared.contracts.topics import Topic

RECEIVES: tuple[Topic, ...] = (
    Topic.LEAD_RECEIVED,
    Topic.LEAD_ACTIVITY_LOGGED,
)
"""Topics this service consumes (a test checks them against its registered subscribers)."""

SENDS: tuple[Topic, ...] = (
    Topic.LEAD_RECEIVED,
    Topic.LEAD_ASSIGNED,
    Topic.LEAD_REASSIGNED,
    Topic.LEAD_SLA_BREACHED,
    Topic.LEAD_CONTACTED,
    Topic.LEAD_ACTIVITY_LOGGED,
    Topic.LEAD_QUALIFIED,
    Topic.LEAD_CONVERTED,
    Topic.LEAD_DISQUALIFIED,
    Topic.PERSON_CHANGED,
    Topic.AUDIT_RECORDED,
)
"""Topics this service publishes."""

DOCUMENT = Path(__file__).resolve().parents[4] / "docs" / "asyncapi" / "leads.json"


def document() -> dict[str, Any]:
    """The service's AsyncAPI document."""
    return asyncapi_document(
        service="leads",
        description="Intake, dedupe, priority, assignment and the response SLA of leads.",
        receives=RECEIVES,
        sends=SENDS,
    )


if __name__ == "__main__":
    raise SystemExit(command(DOCUMENT, document(), sys.argv[1:]))
