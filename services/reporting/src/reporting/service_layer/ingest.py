"""Storing batches of events as facts: one bulk append per batch, duplicates skipped."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence

from reporting.domain.fact_log import LoggedEvent
from reporting.domain.facts import Fact
from reporting.service_layer.ports import Delivered, FactLog, ReadModels
from reporting.service_layer.records import merge_facts
from reporting.service_layer.translate import fact_of
from shared.contracts.events.invoicing import PaymentReceivedV1
from shared.platform.logging import get_logger

DEALS_SOURCE = "urn:voronka:deals"
"""The deals service's CloudEvents source: payments it records are always counted."""

log = get_logger(__name__)


def logged_event_of(item: Delivered) -> LoggedEvent:
    """A delivered message as the log keeps it: its type, version and payload bytes as sent."""
    envelope = item.decoded.envelope
    return LoggedEvent.of(envelope.type, envelope.dataversion, item.record.value or b"")


class Ingestor:
    """The batch handler: check that each event folds, append the batch, merge the records."""

    def __init__(
        self,
        log_store: FactLog,
        records: ReadModels,
        *,
        payment_sources: Collection[str],
        on_batch: Callable[[list[Fact]], None] | None = None,
    ) -> None:
        self._log = log_store
        self._records = records
        self._payment_sources = frozenset({DEALS_SOURCE, *payment_sources})
        self._on_batch = on_batch

    async def __call__(self, items: Sequence[Delivered]) -> None:
        """Subscriber body; raising makes the batch be read again (appends are idempotent)."""
        await self.ingest(items)

    async def ingest(self, items: Iterable[Delivered]) -> int:
        """Append the events the reports use to the log, merge them into every version written.

        Translating first makes a poison event (one the folds cannot take) fail here, in the
        consumer, where it is dead-lettered, rather than in every report afterwards. The log is
        appended before the versions are read (see `Projections.rebuild`) and before the
        records are merged, so a crash between the two leaves facts the redelivered batch
        merges again (the append skips them; the merge is idempotent). Returns how many
        events the reports use.
        """
        facts: list[Fact] = []
        events: list[LoggedEvent] = []
        for item in items:
            if not self._counts(item):
                continue
            fact = fact_of(item.decoded.event)
            if fact is not None:
                facts.append(fact)
                events.append(logged_event_of(item))
        if not events:
            return 0
        await self._log.append(events)
        for version in (await self._log.versions()).written:
            await merge_facts(self._records, version, facts)
        if self._on_batch is not None:
            self._on_batch(facts)
        return len(events)

    def _counts(self, item: Delivered) -> bool:
        """False for a payment from a source deals does not trust: deals dead-letters it, so
        counting it would show money no invoice received."""
        if not isinstance(item.decoded.event, PaymentReceivedV1):
            return True
        if item.decoded.envelope.source in self._payment_sources:
            return True
        log.warning(
            "payment from an untrusted source not counted", event_id=item.decoded.envelope.id
        )
        return False
