"""Per-manager loads kept as sets of lead ids, settled after every save that moves a lead.

A lead's save and its load change are two single-document writes (no transactions on the
local server), so each change ends with a read of the lead: if another writer moved it
meanwhile, the change is settled again for the owner read. A crash between the two writes
leaves a difference that `reconcile` (at start-up and periodically) settles the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from leads.service_layer.ports import LeadRepository, LoadCounter
from shared.platform.logging import get_logger

log = get_logger(__name__)

ATTEMPTS = 5


class LoadKeeper:
    """Counts each open lead for exactly its owner; reads loads for the assigner."""

    def __init__(self, leads: LeadRepository, counter: LoadCounter) -> None:
        self._leads = leads
        self._counter = counter

    async def loads(self, manager_ids: Sequence[str]) -> dict[str, int]:
        """Open leads of each named manager, read by id."""
        return await self._counter.loads(manager_ids)

    async def settle(
        self, lead_id: str, owner: str | None, touched: Iterable[str | None] = ()
    ) -> None:
        """Count the lead for `owner` (as saved) only; `touched` may still hold it."""
        others = {manager for manager in touched if manager}
        for _ in range(ATTEMPTS):
            if owner:
                await self._counter.count(owner, lead_id)
            for manager in sorted(others - {owner}):
                await self._counter.uncount(manager, lead_id)
            stored = await self._leads.counted_for(lead_id)
            if stored == owner:
                return
            if owner:
                others.add(owner)
            owner = stored  # moved meanwhile: our write may have landed after the mover's
        log.warning("lead load still moving; left to reconciliation", lead_id=lead_id)

    async def settle_new(self, leads: Sequence[tuple[str, str | None]]) -> None:
        """`settle` of just-stored leads (id, owner as saved): one count write, one check read."""
        owned = [(owner, lead_id) for lead_id, owner in leads if owner]
        if owned:
            await self._counter.count_many(owned)
        stored = await self._leads.counted_for_many([lead_id for lead_id, _ in leads])
        for lead_id, owner in leads:
            if stored.get(lead_id) != owner:  # moved meanwhile: as the loop of `settle` goes on
                await self.settle(lead_id, stored.get(lead_id), {owner})

    async def reconcile(self) -> int:
        """Settle every lead counted where it does not belong or missing where it does."""
        managers = (
            set(await self._counter.managers()) | await self._leads.managers_with_open_leads()
        )
        settled = 0
        for manager in sorted(managers):
            counted = await self._counter.counted(manager)
            owned = await self._leads.open_ids_of(manager)
            for lead_id in sorted(counted ^ owned):
                await self.settle(lead_id, await self._leads.counted_for(lead_id), {manager})
                settled += 1
        if settled:
            log.info("manager loads reconciled", leads=settled)
        return settled
