"""Keeping the per-entity records current: each batch's facts merged into the records they touch."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from reporting.domain.facts import Fact
from reporting.domain.read_models import RecordChange, keys_of
from reporting.service_layer.folding import entity_of, merge
from reporting.service_layer.ports import ReadModels

ATTEMPTS = 5


class RecordsConflict(RuntimeError):
    """Other writers kept changing the same records; the batch is read again."""


def by_entity(facts: Iterable[Fact]) -> dict[str, dict[str, list[Fact]]]:
    """Facts grouped by record kind, then by entity id."""
    grouped: dict[str, dict[str, list[Fact]]] = {}
    for fact in facts:
        target = entity_of(fact)
        if target is not None:
            kind, entity_id = target
            grouped.setdefault(kind, {}).setdefault(entity_id, []).append(fact)
    return grouped


async def merge_facts(store: ReadModels, version: int, facts: Sequence[Fact]) -> int:
    """Merge facts into the stored records of `version`; return how many records changed.

    One read and one bulk write per kind and batch. Merges are commutative and idempotent,
    so a redelivered batch writes nothing, and a record another writer changed meanwhile
    (another consumer after a rebalance, a rebuild filling the same version) is simply
    loaded and merged again.
    """
    changed = 0
    for kind, pending in by_entity(facts).items():
        for _ in range(ATTEMPTS):
            stored = await store.load(version, kind, sorted(pending))
            changes = []
            for entity_id, entity_facts in pending.items():
                before = stored.get(entity_id)
                current = {entity_id: before.record} if before is not None else {}
                record = merge(kind, current, entity_facts)[entity_id]
                if before is None or record != before.record:
                    rev = before.rev if before is not None else 0
                    changes.append(RecordChange(entity_id, rev, record, keys_of(kind, record)))
            conflicted = await store.write(version, kind, changes)
            changed += len(changes) - len(conflicted)
            if not conflicted:
                break
            pending = {entity_id: pending[entity_id] for entity_id in conflicted}
        else:
            raise RecordsConflict(f"{kind} records kept changing under this batch")
    return changed
