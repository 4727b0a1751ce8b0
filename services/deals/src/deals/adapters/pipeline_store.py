"""Pipelines as documents in the `pipelines` collection."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from deals.domain.deal_pipeline import ConfiguredPipeline
from deals.domain.pipeline import Pipeline, Stage, StageKind
from shared.platform.audit import replace_audited
from shared.platform.repository import Document


class PipelineMapper:
    """A configured pipeline as one document, stages in order."""

    def to_document(self, configured: ConfiguredPipeline) -> Document:
        """The stored (and shown) form of a pipeline."""
        pipeline = configured.pipeline
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
            "lost_reasons": list(configured.lost_reasons),
            "stuck_stages": list(configured.stuck_stages),
        }

    def from_document(self, document: Mapping[str, Any]) -> ConfiguredPipeline:
        """A stored pipeline as the domain object that checks moves."""
        pipeline = Pipeline(
            id=document["_id"],
            name=document["name"],
            stages=tuple(
                Stage(
                    code=s["code"],
                    name=s["name"],
                    probability=Decimal(str(s["probability"])),
                    required_fields=tuple(s.get("required_fields") or ()),
                    kind=StageKind(s.get("kind", "open")),
                )
                for s in document["stages"]
            ),
        )
        return ConfiguredPipeline(
            pipeline=pipeline,
            lost_reasons=tuple(document.get("lost_reasons") or ()),
            stuck_stages=tuple(document.get("stuck_stages") or ()),
        )


class MongoPipelineStore:
    """Read and replace pipelines; the first start stores the default one."""

    def __init__(self, collection: AsyncCollection[Any]) -> None:
        self._collection = collection
        self._mapper = PipelineMapper()

    async def get(self, pipeline_id: str) -> ConfiguredPipeline | None:
        """The pipeline stored under this id, or None."""
        document = await self._collection.find_one({"_id": pipeline_id})
        return None if document is None else self._mapper.from_document(document)

    async def all(self) -> list[ConfiguredPipeline]:
        """Every pipeline, by id."""
        cursor = self._collection.find({}).sort("_id", 1)
        return [self._mapper.from_document(document) async for document in cursor]

    async def put(self, configured: ConfiguredPipeline) -> None:
        """Create or replace a pipeline."""
        document = self._mapper.to_document(configured)
        await replace_audited(self._collection, document["_id"], document)

    async def add_unless_present(self, configured: ConfiguredPipeline) -> None:
        """Store a pipeline unless one with its id exists (a configured one is left alone)."""
        document = self._mapper.to_document(configured)
        fields = {name: value for name, value in document.items() if name != "_id"}
        await self._collection.update_one(
            {"_id": document["_id"]}, {"$setOnInsert": fields}, upsert=True
        )
