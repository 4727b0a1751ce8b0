"""Rebuild: replay every topic into a new projection version, then switch to it atomically."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from reporting.adapters.records import RecordStore
from reporting.service_layer.ingest import Ingestor
from reporting.service_layer.translate import fact_of
from shared.contracts.codec import DecodedEvent
from shared.platform.logging import get_logger

log = get_logger(__name__)

Replay = Callable[[], AsyncIterator[list[DecodedEvent]]]


async def rebuild(store: RecordStore, ingestor: Ingestor, replay: Replay) -> int:
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
        facts = [f for f in (fact_of(d) for d in batch) if f is not None]
        facts_used += await ingestor.ingest(facts, versions=[version])
    previous = await store.activate(version)
    await store.drop_version(previous)
    log.info("rebuild finished", version=version, facts=facts_used, replaced=previous)
    return version
