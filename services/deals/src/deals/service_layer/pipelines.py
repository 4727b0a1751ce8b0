"""Pipelines as stored documents and as domain objects; the default one is created at start."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from deals.adapters.store import DealsStore, Doc
from deals.domain.pipeline import (
    DEFAULT_LOST_REASONS,
    Pipeline,
    Stage,
    StageKind,
    default_pipeline,
)
from deals.service_layer.errors import Invalid, NotFound

DEFAULT_PIPELINE_ID = "default"
DEFAULT_STUCK_STAGES = ("invoice", "payment")


def pipeline_document(
    pipeline: Pipeline, *, lost_reasons: list[str], stuck_stages: list[str]
) -> Doc:
    """The stored form of a pipeline."""
    return {
        "_id": pipeline.id,
        "name": pipeline.name,
        "stages": [
            {
                "code": s.code,
                "name": s.name,
                "probability": str(s.probability),
                "required_fields": list(s.required_fields),
                "kind": s.kind.value,
            }
            for s in pipeline.stages
        ],
        "lost_reasons": lost_reasons,
        "stuck_stages": stuck_stages,
    }


def pipeline_of(doc: Doc) -> Pipeline:
    """A stored pipeline as the domain object that checks moves."""
    return Pipeline(
        id=doc["_id"],
        name=doc["name"],
        stages=tuple(
            Stage(
                code=s["code"],
                name=s["name"],
                probability=Decimal(s["probability"]),
                required_fields=tuple(s.get("required_fields") or ()),
                kind=StageKind(s.get("kind", "open")),
            )
            for s in doc["stages"]
        ),
    )


class Pipelines:
    """Read and configure pipelines."""

    def __init__(self, store: DealsStore) -> None:
        self._store = store

    async def ensure_default(self) -> None:
        """Create the default pipeline unless it exists (a configured one is left alone)."""
        doc = pipeline_document(
            default_pipeline(DEFAULT_PIPELINE_ID),
            lost_reasons=list(DEFAULT_LOST_REASONS),
            stuck_stages=list(DEFAULT_STUCK_STAGES),
        )
        await self._store.pipelines.update_one(
            {"_id": doc["_id"]},
            {"$setOnInsert": {k: v for k, v in doc.items() if k != "_id"}},
            upsert=True,
        )

    async def get(self, pipeline_id: str) -> Doc:
        """A stored pipeline."""
        doc: Doc | None = await self._store.pipelines.find_one({"_id": pipeline_id})
        if doc is None:
            raise NotFound("pipeline")
        return doc

    async def put(self, pipeline_id: str, fields: dict[str, Any]) -> Doc:
        """Create or replace a pipeline after checking it is well formed."""
        doc = {"_id": pipeline_id, **fields}
        try:
            pipeline_of(doc)
        except (ValueError, TypeError) as exc:
            raise Invalid((f"stages: {exc}",)) from None
        codes = {s["code"] for s in fields["stages"]}
        unknown = [code for code in fields.get("stuck_stages", []) if code not in codes]
        if unknown:
            raise Invalid((f"stuck_stages: unknown stages {', '.join(unknown)}",))
        await self._store.pipelines.replace_one({"_id": pipeline_id}, doc, upsert=True)
        return doc

    async def all(self) -> list[Doc]:
        """Every pipeline."""
        return [doc async for doc in self._store.pipelines.find({}).sort("_id", 1)]
