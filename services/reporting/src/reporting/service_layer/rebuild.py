"""Rebuilding the records from the fact log into a new version, one holder at a time."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial

from reporting.domain.fact_log import LoggedEvent, ProjectionVersions
from reporting.domain.facts import Fact
from reporting.service_layer.ports import FactLog, ReadModels
from reporting.service_layer.records import merge_facts
from reporting.service_layer.translate import fact_of
from shared.contracts.registry import REGISTRY
from shared.platform.clock import Clock
from shared.platform.lease_time import ClockLeaseTime, LeaseTime
from shared.platform.logging import get_logger
from shared.platform.loops import run_every

log = get_logger(__name__)

PAGE = 1000
LEASE_SECONDS = 30.0


class RebuildTakenOver(RuntimeError):
    """Another holder took the rebuild over (this one stalled past its lease)."""


def facts_of(logged: Sequence[LoggedEvent]) -> list[Fact]:
    """The facts the logged events carry, parsed by their contract version."""
    facts = []
    for event in logged:
        model = REGISTRY.resolve(event.type, event.version)
        fact = fact_of(model.model_validate_json(event.payload))
        if fact is not None:
            facts.append(fact)
    return facts


class Projections:
    """The projection versions, and a rebuild of the records from the whole fact log."""

    def __init__(
        self,
        log_store: FactLog,
        records: ReadModels,
        *,
        clock: Clock,
        holder: str,
        lease_time: LeaseTime | None = None,
        lease_seconds: float = LEASE_SECONDS,
        page: int = PAGE,
    ) -> None:
        self._log = log_store
        self._records = records
        self._clock = clock
        self._holder = holder
        self._lease_time = lease_time or ClockLeaseTime(clock)
        self._lease = lease_seconds
        self._page = page
        self._task: asyncio.Task[int | None] | None = None

    async def versions(self) -> ProjectionVersions:
        """The version reports read, the rebuild in progress and versions left to drop."""
        return await self._log.versions()

    async def running(self) -> bool:
        """Whether a rebuild is under way here or under another replica's lease."""
        here = self._task is not None and not self._task.done()
        return here or (await self.versions()).running(await self._lease_time.now())

    async def start(self) -> bool:
        """Start a rebuild in the background; False if one is running here or elsewhere."""
        if await self.running():
            return False
        self._task = asyncio.create_task(self.rebuild(), name="reporting-rebuild")
        return True

    async def rebuild(self) -> int | None:
        """Fold every fact into version N+1, switch reads to it, drop N; None if held elsewhere.

        The rebuild holds a lease in the versions' state and renews it after every batch; if
        its holder stops, another replica takes it over and folds the log from its start again
        (merges are idempotent). Live ingestion appends each batch to the log *before* it reads
        which versions to merge into, so a fact appended after the rebuild began is either read
        by the rebuild or merged into the new version by the live consumer. Returns the version
        now active.
        """
        now, until = await self._lease_from_now()
        state = await self._log.change(lambda s: s.claimed(self._holder, now, until))
        if state is None or state.rebuild is None:
            return None
        version, folded = state.rebuild.version, 0
        log.info("rebuild running", version=version)
        async for batch in self._log.stream(self._page):
            await merge_facts(self._records, version, facts_of(batch))
            folded += len(batch)
            until = (await self._lease_from_now())[1]
            advance = partial(
                ProjectionVersions.advanced, holder=self._holder, folded=folded, until=until
            )
            if await self._log.change(advance) is None:
                raise RebuildTakenOver(f"version {version} was taken over")
        if await self._log.change(lambda s: s.finished(self._holder)) is None:
            raise RebuildTakenOver(f"version {version} was taken over")
        log.info("rebuild finished", version=version, facts=folded)
        await self.drop_retired()
        return version

    async def drop_retired(self) -> None:
        """Remove the records of versions reports no longer read."""
        for version in (await self.versions()).retired:
            await self._records.drop_version(version)
            await self._log.change(partial(ProjectionVersions.dropped, version=version))

    async def tend(self) -> None:
        """Take over a rebuild whose holder stopped, and drop versions left behind."""
        if self._task is not None and not self._task.done():
            return
        state = await self.versions()
        if state.rebuild is not None and not state.running(await self._lease_time.now()):
            await self.rebuild()
        elif state.retired:
            await self.drop_retired()

    async def run(self) -> None:
        """Tend the versions every lease, forever."""
        await run_every(self.tend, clock=self._clock, seconds=self._lease, what="rebuild watch")

    async def _lease_from_now(self) -> tuple[datetime, datetime]:
        now = await self._lease_time.now()
        return now, now + timedelta(seconds=self._lease)
