"""The reporting service's AsyncAPI 3.0 document: `python -m reporting.asyncapi --write|--check`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from reporting.service_layer.translate import TOPICS
from shared.contracts.asyncapi import asyncapi_document, command
from shared.contracts.topics import Topic

RECEIVES: tuple[Topic, ...] = (*TOPICS, Topic.PERSON_CHANGED)
"""Topics this service consumes (a test checks them against its registered subscribers)."""

SENDS: tuple[Topic, ...] = (
    Topic.CLIENT_SEGMENT_CHANGED,
    Topic.AUDIT_RECORDED,
)
"""Topics this service publishes."""

DOCUMENT = Path(__file__).resolve().parents[4] / "docs" / "asyncapi" / "reporting.json"


def document() -> dict[str, Any]:
    """The service's AsyncAPI document."""
    return asyncapi_document(
        service="reporting",
        description="Projections from every business topic; publishes client segment changes.",
        receives=RECEIVES,
        sends=SENDS,
    )


if __name__ == "__main__":
    raise SystemExit(command(DOCUMENT, document(), sys.argv[1:]))
