"""Pipelines as the HTTP API takes and shows them: the stored shape, stages in order."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, TypeVar

from deals.domain.deal_pipeline import ConfiguredPipeline
from deals.domain.pipeline import Pipeline, Stage, StageKind
from deals.entrypoints.api_models import PipelineIn
from deals.service_layer.errors import Invalid
from deals.service_layer.pipelines import Pipelines

T_contra = TypeVar("T_contra", contravariant=True)


class Shows(Protocol[T_contra]):
    """Renders a domain object as the JSON the API answers with (its stored field names)."""

    def to_document(self, item: T_contra, /) -> dict[str, Any]:
        """The object's fields, `_id` for its id."""


class PipelineViews:
    """The pipeline use cases with JSON in and out, for the pipeline routes."""

    def __init__(self, pipelines: Pipelines, shows: Shows[ConfiguredPipeline]) -> None:
        self._pipelines = pipelines
        self._shows = shows

    async def all(self) -> list[dict[str, Any]]:
        """Every pipeline."""
        return [self._shows.to_document(p) for p in await self._pipelines.all()]

    async def put(self, pipeline_id: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Create or replace a pipeline after checking it is well formed."""
        body = PipelineIn.model_validate(fields)
        try:
            pipeline = Pipeline(
                id=pipeline_id,
                name=body.name,
                stages=tuple(
                    Stage(
                        code=s.code,
                        name=s.name,
                        probability=s.probability,
                        required_fields=tuple(s.required_fields),
                        kind=StageKind(s.kind),
                    )
                    for s in body.stages
                ),
            )
        except (ValueError, TypeError) as exc:
            raise Invalid((f"stages: {exc}",)) from None
        configured = await self._pipelines.put(
            pipeline, lost_reasons=body.lost_reasons, stuck_stages=body.stuck_stages
        )
        return self._shows.to_document(configured)
