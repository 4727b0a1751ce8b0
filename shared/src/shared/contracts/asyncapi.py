"""AsyncAPI 3.0 documents of a service, built from the versioned event contracts."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from shared.contracts.registry import REGISTRY, EventRegistry
from shared.contracts.topics import TOPIC_SPECS, Topic

_DESCRIPTIONS = {spec.name: spec.description for spec in TOPIC_SPECS}


def _message(topic: Topic, registry: EventRegistry) -> tuple[str, dict[str, Any]]:
    version = registry.latest_version(topic.value)
    model = registry.resolve(topic.value, version)
    name = model.__name__
    return name, {
        "name": name,
        "title": f"{topic.value} v{version}",
        "summary": (model.__doc__ or "").strip().splitlines()[0],
        "contentType": "application/json",
        "headers": {
            "type": "object",
            "description": "CloudEvents 1.0 binary-mode attributes (ce_id, ce_source, ce_type, "
            "ce_specversion, ce_time, ce_dataversion, ce_correlationid); optional for "
            "publishers of bare JSON.",
        },
        "payload": model.model_json_schema(mode="serialization"),
    }


def asyncapi_document(
    *,
    service: str,
    description: str,
    receives: Sequence[Topic],
    sends: Sequence[Topic],
    registry: EventRegistry = REGISTRY,
) -> dict[str, Any]:
    """The service's channels (topics), messages (event versions) and operations."""
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for action, topics in (("receive", receives), ("send", sends)):
        for topic in topics:
            name, message = _message(topic, registry)
            messages[name] = message
            channel_id = topic.value.replace(".", "_")
            channels[channel_id] = {
                "address": topic.value,
                "description": _DESCRIPTIONS[topic.value],
                "messages": {name: {"$ref": f"#/components/messages/{name}"}},
            }
            operations[f"{action}_{channel_id}"] = {
                "action": action,
                "channel": {"$ref": f"#/channels/{channel_id}"},
                "messages": [{"$ref": f"#/channels/{channel_id}/messages/{name}"}],
            }
    return {
        "asyncapi": "3.0.0",
        "info": {"title": f"Voronka {service}", "version": "0.1.0", "description": description},
        "defaultContentType": "application/json",
        "channels": dict(sorted(channels.items())),
        "operations": dict(sorted(operations.items())),
        "components": {"messages": dict(sorted(messages.items()))},
    }


def render(document: dict[str, Any]) -> str:
    """The committed form: stable key order, UTF-8, trailing newline."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def command(path: Path, document: dict[str, Any], argv: Sequence[str]) -> int:
    """`--write` the committed document, or check it is current (1 if it is not)."""
    text = render(document)
    if "--write" in argv:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return 0
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        sys.stderr.write(f"{path} is out of date: run `make schemas`\n")
        return 1
    return 0
