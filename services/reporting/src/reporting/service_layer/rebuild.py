"""Rebuild: replay every topic into a new projection version, then switch to it atomically."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from reporting.adapters.records import FactLog
from reporting.service_layer.ingest import Ingestor
from shared.platform.consumer import BatchItem
from shared.platform.logging import get_logger

log = get_logger(__name__)

Replay = Callable[[], AsyncIterator[list[BatchItem]]]


async def rebuild(store: FactLog, ingestor: Ingestor, replay: Replay) -> int:
    """Build version N+1 from offset 0 while live ingestion keeps writing to it; then switch.

    Live ingestion writes every batch to the active version and to versions being built, and
    merges are commutative and idempotent, so facts the replay and the live consumer both
    see count once, and facts after the replay's end offsets still arrive. The switch is one
    write of the version pointer; the old version is dropped afterwards.
    """
    version = await store.start_building()
    log.info("rebuild started", version=version)
    facts_used = 0
    async for batch in replay():
        facts_used += await ingestor.ingest(batch, versions=[version])
    previous = await store.activate(version)
    await store.drop_version(previous)
    log.info("rebuild finished", version=version, facts=facts_used, replaced=previous)
    return version
