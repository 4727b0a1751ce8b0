"""Pipelines: read, configured by an administrator, and the default one stored at start."""

from __future__ import annotations

from collections.abc import Sequence

from deals.domain.deal_pipeline import (
    DEFAULT_STUCK_STAGES,
    ConfiguredPipeline,
    default_configured_pipeline,
)
from deals.domain.pipeline import Pipeline
from deals.service_layer.deal_ports import PipelineStore
from deals.service_layer.errors import Invalid, NotFound


class Pipelines:
    """Read and configure pipelines."""

    def __init__(self, store: PipelineStore) -> None:
        self._store = store

    async def ensure_default(self) -> None:
        """Store the default pipeline unless it exists (a configured one is left alone)."""
        await self._store.add_unless_present(default_configured_pipeline())

    async def get(self, pipeline_id: str) -> ConfiguredPipeline:
        """A configured pipeline."""
        configured = await self._store.get(pipeline_id)
        if configured is None:
            raise NotFound("pipeline")
        return configured

    async def put(
        self, pipeline: Pipeline, *, lost_reasons: Sequence[str], stuck_stages: Sequence[str]
    ) -> ConfiguredPipeline:
        """Create or replace a pipeline; its stuck stages must be stages of it."""
        try:
            configured = ConfiguredPipeline(pipeline, tuple(lost_reasons), tuple(stuck_stages))
        except ValueError as exc:
            raise Invalid((str(exc),)) from None
        await self._store.put(configured)
        return configured

    async def all(self) -> list[ConfiguredPipeline]:
        """Every pipeline, by id."""
        return await self._store.all()

    async def stuck_stages(self) -> dict[str, frozenset[str]]:
        """Pipeline id -> the stages where a waiting deal counts as stuck."""
        return {p.id: frozenset(p.stuck_stages or DEFAULT_STUCK_STAGES) for p in await self.all()}
