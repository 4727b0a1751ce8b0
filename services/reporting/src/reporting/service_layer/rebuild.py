"""Projection versions: which one is live, and a rebuild into a new one from offset 0."""

from __future__ import annotations

from reporting.domain.fact_log import ProjectionVersions
from reporting.service_layer.ingest import Ingestor
from reporting.service_layer.ports import FactLog, ReadModels, Replay
from shared.platform.logging import get_logger

log = get_logger(__name__)


class Projections:
    """The versions of the fact log, and rebuilding one from every topic."""

    def __init__(
        self, log_store: FactLog, records: ReadModels, ingestor: Ingestor, replay: Replay
    ) -> None:
        self._log = log_store
        self._records = records
        self._ingestor = ingestor
        self._replay = replay

    async def versions(self) -> ProjectionVersions:
        """The version reports read and those being built."""
        return await self._log.versions()

    async def rebuild(self) -> int:
        """Build version N+1 from offset 0 while live ingestion keeps writing to it; then switch.

        Live ingestion writes every batch to the active version and to versions being built,
        and appends and record merges are commutative and idempotent, so facts the replay and
        the live consumer both see count once, and facts after the replay's end offsets still
        arrive. The switch is one write of the version pointer; the old version's facts and
        records are dropped afterwards. Returns the version now active.
        """
        version = await self._log.start_building()
        log.info("rebuild started", version=version)
        facts_used = 0
        async for batch in self._replay():
            facts_used += await self._ingestor.ingest(batch, versions=[version])
        previous = await self._log.activate(version)
        await self._log.drop_version(previous)
        await self._records.drop_version(previous)
        log.info("rebuild finished", version=version, facts=facts_used, replaced=previous)
        return version
