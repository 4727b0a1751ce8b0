"""JSON Schema documents of every registered event version, and the command that writes them.

``uv run python -m shared.contracts.schemas --write`` regenerates ``docs/schemas/events/``;
``--check`` exits 1 when the committed files differ from the models.
"""

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from shared.contracts.registry import REGISTRY, EventRegistry

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_DIR = Path("docs") / "schemas" / "events"
"""Where the schemas are committed, relative to the repository root."""


def schema_file_name(event_type: str, version: int) -> str:
    """Name of the committed schema file of one event version."""
    return f"{event_type}.v{version}.json"


def schema_documents(registry: EventRegistry = REGISTRY) -> dict[str, dict[str, Any]]:
    """Build the schema of every registered model, keyed by its file name.

    Serialization mode describes what producers actually emit (decimals as strings), which
    is what a reader of the topic has to parse.
    """
    documents: dict[str, dict[str, Any]] = {}
    for model in registry.models():
        schema = model.model_json_schema(mode="serialization")
        schema["$schema"] = JSON_SCHEMA_DIALECT
        schema["$id"] = f"urn:voronka:schema:event:{model.event_type}:v{model.event_version}"
        schema["title"] = model.__name__
        schema["x-event-type"] = model.event_type
        schema["x-event-version"] = model.event_version
        documents[schema_file_name(model.event_type, model.event_version)] = schema
    return documents


def render(document: dict[str, Any]) -> str:
    """Render a schema as committed: pretty JSON, sorted keys, readable Cyrillic, final newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def find_repo_root(start: Path | None = None) -> Path | None:
    """Walk up from this module (or ``start``) to the directory holding ``uv.lock``."""
    here = (start or Path(__file__)).resolve()
    for directory in (here, *here.parents):
        if (directory / "uv.lock").is_file():
            return directory
    return None


def differences(out_dir: Path, documents: dict[str, dict[str, Any]]) -> list[str]:
    """List files that are missing, differ from the models, or have no model any more."""
    problems: list[str] = []
    for name, document in sorted(documents.items()):
        path = out_dir / name
        if not path.is_file():
            problems.append(f"missing: {path}")
        elif json.loads(path.read_text(encoding="utf-8")) != document:
            problems.append(f"differs: {path}")
    if out_dir.is_dir():
        for path in sorted(out_dir.glob("*.json")):
            if path.name not in documents:
                problems.append(f"no model: {path}")
    return problems


def write(out_dir: Path, documents: dict[str, dict[str, Any]]) -> list[Path]:
    """Write every schema and delete committed ones whose model is gone; return changed paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    changed: list[Path] = []
    for name, document in sorted(documents.items()):
        path = out_dir / name
        text = render(document)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    for path in sorted(out_dir.glob("*.json")):
        if path.name not in documents:
            path.unlink()
            changed.append(path)
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    """Write or check the committed schemas; exit 1 when ``--check`` finds differences."""
    parser = argparse.ArgumentParser(prog="python -m shared.contracts.schemas", description=__doc__)
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help="regenerate the schema files")
    action.add_argument("--check", action="store_true", help="fail if the files are stale")
    parser.add_argument("--out", type=Path, help="directory of the schema files")
    args = parser.parse_args(argv)

    out_dir: Path | None = args.out
    if out_dir is None:
        root = find_repo_root()
        if root is None:
            parser.error("no uv.lock above this module; pass --out DIR")
        out_dir = root / SCHEMA_DIR
    documents = schema_documents()

    if args.write:
        for path in write(out_dir, documents):
            sys.stdout.write(f"updated {path}\n")
        return 0
    problems = differences(out_dir, documents)
    for problem in problems:
        sys.stderr.write(f"{problem}\n")
    if problems:
        sys.stderr.write("run: uv run python -m shared.contracts.schemas --write\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
