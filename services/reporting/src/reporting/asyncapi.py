"""The reporting service's AsyncAPI 3.0 document: `python -m reporting.asyncapi --write|--check`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from reporting.service_layer.translate import TOPICS
from shared.contracts.asyncapi import asyncapi_document, render
from shared.contracts.topics import Topic

RECEIVES: tuple[Topic, ...] = TOPICS
"""Topics this service consumes (a test checks them against its registered subscribers)."""

SENDS: tuple[Topic, ...] = (Topic.CLIENT_SEGMENT_CHANGED,)
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


def main(argv: list[str]) -> int:
    """Write the committed document, or check it is current (exit 1 if not)."""
    text = render(document())
    if "--write" in argv:
        DOCUMENT.parent.mkdir(parents=True, exist_ok=True)
        DOCUMENT.write_text(text, encoding="utf-8")
        return 0
    current = DOCUMENT.read_text(encoding="utf-8") if DOCUMENT.exists() else ""
    if current != text:
        sys.stderr.write(f"{DOCUMENT} is out of date: run `make schemas`\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
