"""Storing batches of events as facts: one bulk insert per batch, duplicates skipped."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from reporting.adapters.records import FactLog
from reporting.domain.facts import Fact
from reporting.service_layer.translate import fact_of
from shared.platform.consumer import BatchItem
from shared.platform.logging import get_logger

log = get_logger(__name__)


def fact_document(item: BatchItem) -> dict[str, Any]:
    """The stored form of an event: its type and payload as sent, keyed by a hash of both.

    A redelivered, replayed or republished event carries the same bytes (an outbox resends
    what it stored), so it hashes to the same key and is stored once. The payload stays the
    JSON text it arrived as: parsing it again happens only when a report is folded.
    """
    event_type = item.decoded.envelope.type
    payload: bytes = item.record.value or b""
    key = hashlib.sha256(event_type.encode() + b"\x00" + payload).hexdigest()
    return {
        "_id": key,
        "type": event_type,
        "version": item.decoded.envelope.dataversion,
        "payload": payload.decode("utf-8"),
    }


class Ingestor:
    """The batch handler: check that each event folds, then append the batch to the log."""

    def __init__(
        self, log_store: FactLog, *, on_batch: Callable[[list[Fact]], None] | None = None
    ) -> None:
        self._log = log_store
        self._on_batch = on_batch

    async def __call__(self, items: list[BatchItem]) -> None:
        """Subscriber body; raising makes the batch be read again (appends are idempotent)."""
        await self.ingest(items)

    async def ingest(
        self, items: Iterable[BatchItem], versions: Sequence[int] | None = None
    ) -> int:
        """Append the events the reports use to every version being written; return how many.

        Translating first makes a poison event (one the folds cannot take) fail here, in the
        consumer, where it is dead-lettered, rather than in every report afterwards.
        """
        facts: list[Fact] = []
        docs: list[dict[str, Any]] = []
        for item in items:
            fact = fact_of(item.decoded.event)
            if fact is not None:
                facts.append(fact)
                docs.append(fact_document(item))
        if not docs:
            return 0
        for version in versions if versions is not None else await self._log.written_versions():
            await self._log.append(version, docs)
        if self._on_batch is not None:
            self._on_batch(facts)
        return len(docs)
