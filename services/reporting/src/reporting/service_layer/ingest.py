"""Folding batches of facts into the stored records: few reads, one bulk write per kind."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from reporting.adapters.records import RecordStore
from reporting.domain import activity, claims, funnel, receivables, sales
from reporting.domain.facts import (
    ActivityLogged,
    ClaimRecorded,
    DealStageChanged,
    Fact,
    InvoiceIssued,
    PaymentReceived,
)
from reporting.domain.funnel import LEAD_FACTS
from reporting.service_layer.translate import fact_of
from shared.platform.consumer import BatchItem
from shared.platform.logging import get_logger

log = get_logger(__name__)

ATTEMPTS = 5


def entity_of(fact: Fact) -> tuple[str, str] | None:
    """Which record a fact merges into: (kind, entity id)."""
    if isinstance(fact, LEAD_FACTS):
        return "leads", fact.lead_id
    if isinstance(fact, DealStageChanged):
        return "deals", fact.deal_id
    if isinstance(fact, ActivityLogged):
        return "activities", fact.activity_id
    if isinstance(fact, InvoiceIssued):
        return "invoices", fact.invoice_id
    if isinstance(fact, PaymentReceived):
        return "payments", fact.payment_id
    if isinstance(fact, ClaimRecorded):
        return "claims", fact.claim_id
    return None


def merge(kind: str, records: dict[str, Any], facts: Sequence[Fact]) -> dict[str, Any]:
    """Fold facts into the given records of one kind with the domain's own merge rules."""
    if kind == "leads":
        return dict(funnel.fold(funnel.FunnelState(leads=records, deals={}), facts)["leads"])
    if kind == "deals":
        return dict(sales.fold(sales.SalesState(deals=records), facts)["deals"])
    if kind == "activities":
        state = activity.ActivityState(activities=records, leads={}, deals={})
        return dict(activity.fold(state, facts)["activities"])
    if kind in ("invoices", "payments"):
        state_r = receivables.ReceivablesState(
            invoices=records if kind == "invoices" else {},
            payments=records if kind == "payments" else {},
        )
        return dict(receivables.fold(state_r, facts)[kind])  # type: ignore[literal-required]
    if kind == "claims":
        return dict(claims.fold(claims.ClaimsState(claims=records), facts)["claims"])
    raise ValueError(f"unknown record kind {kind}")


class Ingestor:
    """The batch handler: translate, group by record, merge, write back in bulk."""

    def __init__(
        self, store: RecordStore, *, on_batch: Callable[[list[Fact]], None] | None = None
    ) -> None:
        self._store = store
        self._on_batch = on_batch

    async def __call__(self, items: list[BatchItem]) -> None:
        """Subscriber body; raising makes the batch be read again (merges are idempotent)."""
        facts = [f for f in (fact_of(item.decoded) for item in items) if f is not None]
        await self.ingest(facts)

    async def ingest(self, facts: Iterable[Fact], versions: Sequence[int] | None = None) -> int:
        """Merge facts into every version being written; return how many facts were used."""
        by_kind: dict[str, list[Fact]] = {}
        for fact in facts:
            target = entity_of(fact)
            if target is not None:
                by_kind.setdefault(target[0], []).append(fact)
        targets = versions if versions is not None else await self._store.written_versions()
        for version in targets:
            for kind, kind_facts in by_kind.items():
                await self._merge_kind(version, kind, kind_facts)
        used = sum(len(v) for v in by_kind.values())
        if used and self._on_batch is not None:
            self._on_batch([f for v in by_kind.values() for f in v])
        return used

    async def _merge_kind(self, version: int, kind: str, facts: list[Fact]) -> None:
        pending = facts
        for _ in range(ATTEMPTS):
            ids = {entity_of(f)[1] for f in pending}  # type: ignore[index]
            loaded = await self._store.load(version, kind, ids)
            records = {entity_id: rec for entity_id, (rec, _rev) in loaded.items()}
            merged = merge(kind, records, pending)
            changed = {
                i: r for i, r in merged.items() if i in ids and loaded.get(i, (None,))[0] != r
            }
            revisions = {i: rev for i, (_rec, rev) in loaded.items()}
            losers = set(await self._store.write(version, kind, changed, revisions))
            if not losers:
                return
            pending = [f for f in pending if entity_of(f)[1] in losers]  # type: ignore[index]
        raise RuntimeError(f"records of {kind} kept changing under the ingest")
