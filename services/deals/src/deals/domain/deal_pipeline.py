"""A pipeline as configured: its stages, the reasons a deal may be lost with, where deals stick."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from deals.domain.pipeline import DEFAULT_LOST_REASONS, Pipeline, default_pipeline, is_stuck

DEFAULT_PIPELINE_ID = "default"
DEFAULT_STUCK_STAGES: tuple[str, ...] = ("invoice", "payment")
"""Stages where a deal waits for the client's money, unless a pipeline names its own."""


@dataclass(frozen=True, slots=True)
class ConfiguredPipeline:
    """A pipeline with its allowed lost reasons and the stages where a waiting deal is flagged."""

    pipeline: Pipeline
    lost_reasons: tuple[str, ...]
    stuck_stages: tuple[str, ...]

    def __post_init__(self) -> None:
        codes = {stage.code for stage in self.pipeline.stages}
        unknown = [code for code in self.stuck_stages if code not in codes]
        if unknown:
            raise ValueError(f"stuck_stages: unknown stages {', '.join(unknown)}")

    @property
    def id(self) -> str:
        """The pipeline's id."""
        return self.pipeline.id

    def flags_as_stuck(
        self, stage: str, entered_at: datetime, now: datetime, after: timedelta
    ) -> bool:
        """Whether a deal in `stage` since `entered_at` has waited there longer than `after`.

        Only the pipeline's stuck stages count (invoice and payment when it names none).
        """
        stages = self.stuck_stages or DEFAULT_STUCK_STAGES
        return stage in stages and is_stuck(entered_at, now, after)


def default_configured_pipeline() -> ConfiguredPipeline:
    """The pipeline every deal uses unless it names another, as first configured."""
    return ConfiguredPipeline(
        pipeline=default_pipeline(DEFAULT_PIPELINE_ID),
        lost_reasons=DEFAULT_LOST_REASONS,
        stuck_stages=DEFAULT_STUCK_STAGES,
    )
