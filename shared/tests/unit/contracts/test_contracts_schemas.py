"""The committed JSON Schemas match the models, and every field is documented."""

import json
import types
import typing
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from shared.contracts import REGISTRY, Envelope
from shared.contracts.schemas import (
    SCHEMA_DIR,
    differences,
    find_repo_root,
    main,
    render,
    schema_documents,
    write,
)

pytestmark = pytest.mark.unit

FIX = "run `uv run python -m shared.contracts.schemas --write` and commit docs/schemas/events/"


def committed_dir() -> Path:
    root = find_repo_root()
    assert root is not None, "no uv.lock above the contracts package"
    return root / SCHEMA_DIR


def test_committed_schema_of_every_registered_model_is_current() -> None:
    documents = schema_documents()
    assert sorted(documents) == sorted(f"{t}.v{v}.json" for t, v in REGISTRY.versions())
    for name, document in documents.items():
        path = committed_dir() / name
        assert path.is_file(), f"{path} is missing: {FIX}"
        committed = json.loads(path.read_text(encoding="utf-8"))
        assert committed == document, f"{path} is stale: {FIX}"


def test_every_committed_schema_has_a_registered_model() -> None:
    documents = schema_documents()
    orphans = [p.name for p in committed_dir().glob("*.json") if p.name not in documents]
    assert not orphans, f"schemas without a model: {orphans}; {FIX}"


def test_schema_documents_carry_id_title_and_event_coordinates() -> None:
    document = schema_documents()["lead.received.v1.json"]

    assert document["$id"] == "urn:voronka:schema:event:lead.received:v1"
    assert document["title"] == "LeadReceivedV1"
    assert document["x-event-type"] == "lead.received"
    assert document["x-event-version"] == 1
    assert document["$defs"]["Money"]["properties"]["amount"]["type"] == "string"


def test_write_then_check_round_trips_and_removes_orphans(tmp_path: Path) -> None:
    (tmp_path / "gone.v1.json").write_text("{}\n", encoding="utf-8")
    documents = schema_documents()

    write(tmp_path, documents)

    assert differences(tmp_path, documents) == []
    assert not (tmp_path / "gone.v1.json").exists()
    text = (tmp_path / "lead.received.v1.json").read_text(encoding="utf-8")
    assert text == render(documents["lead.received.v1.json"])
    assert text.endswith("}\n")
    assert "Иван Петров" in text


def test_check_exits_one_and_lists_stale_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--write", "--out", str(tmp_path)]) == 0
    (tmp_path / "payment.due.v1.json").write_text("{}\n", encoding="utf-8")
    (tmp_path / "extra.v1.json").write_text("{}\n", encoding="utf-8")

    assert main(["--check", "--out", str(tmp_path)]) == 1

    err = capsys.readouterr().err
    assert "differs:" in err
    assert "payment.due.v1.json" in err
    assert "no model:" in err
    assert "--write" in err
    (tmp_path / "extra.v1.json").unlink()
    (tmp_path / "payment.due.v1.json").unlink()
    assert main(["--check", "--out", str(tmp_path)]) == 1
    assert "missing:" in capsys.readouterr().err


def _nested_models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _nested_models(typing.get_args(annotation)[0])
    if origin is not None or isinstance(annotation, types.UnionType):
        for arg in typing.get_args(annotation):
            found.extend(_nested_models(arg))
    return found


def _undocumented(model: type[BaseModel], seen: set[type[BaseModel]]) -> list[str]:
    if model in seen:
        return []
    seen.add(model)
    problems: list[str] = []
    for name, field in model.model_fields.items():
        where = f"{model.__name__}.{name}"
        if not field.description:
            problems.append(f"{where} has no description")
        if not field.examples:
            problems.append(f"{where} has no example")
        for nested in _nested_models(field.annotation):
            problems.extend(_undocumented(nested, seen))
    return problems


@pytest.mark.parametrize("model", [*REGISTRY.models(), Envelope], ids=lambda m: m.__name__)
def test_every_field_has_a_description_and_an_example(model: type[BaseModel]) -> None:
    assert _undocumented(model, set()) == []


def test_nested_models_are_checked_for_documentation_too() -> None:
    lead = REGISTRY.resolve("lead.received", 1)
    nested = {m.__name__ for f in lead.model_fields.values() for m in _nested_models(f.annotation)}

    assert {"LeadContact", "Money", "UtmTags"} <= nested
