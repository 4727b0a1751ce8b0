"""Publishes `client.segment_changed` when time or a purchase moves a client between segments.

The last published segment of each client is a document holding its own outbox; a change is
written only if the stored segment is still the one the watcher compared against, so with
several replicas each transition is published once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from pymongo.errors import DuplicateKeyError

from reporting.adapters.records import FactLog
from reporting.domain import segments
from reporting.service_layer.queries import Filters, Reports
from shared.contracts.events.client_segment_changed import ClientSegmentChangedV1
from shared.platform.clock import Clock
from shared.platform.logging import get_logger
from shared.platform.loops import run_every
from shared.platform.outbox import aggregate_event, outbox_fields, with_outbox

log = get_logger(__name__)

SOURCE = "urn:voronka:reporting"


class SegmentWatcher:
    """Recomputes segments every `interval` seconds of the clock, or sooner when woken."""

    def __init__(
        self,
        store: FactLog,
        reports: Reports,
        *,
        clock: Clock,
        interval: float,
        on_published: Callable[[], None] = lambda: None,
    ) -> None:
        self._store = store
        self._reports = reports
        self._clock = clock
        self._interval = interval
        self._on_published = on_published
        self._wakeup = asyncio.Event()

    def wake(self) -> None:
        """Check soon (a batch brought won deals)."""
        self._wakeup.set()

    async def run(self) -> None:
        """Check forever; an outage only delays the next check."""
        await run_every(
            self.check,
            clock=self._clock,
            seconds=self._interval,
            what="segment check",
            wakeup=self._wakeup,
        )

    async def check(self) -> int:
        """Publish every segment change since the last check; return how many."""
        now = self._clock.now()
        current = await self._reports.segments(Filters(), now)
        stored = {doc["_id"]: doc async for doc in self._store.segments.find({}, {"segment": 1})}
        before = {
            client: segments.Segment(doc["segment"])
            for client, doc in stored.items()
            if doc.get("segment")
        }
        last = await self._last_purchases(now)
        published = 0
        for client, old, new in segments.transitions(before, current):
            if new is None:
                continue
            event = ClientSegmentChangedV1(
                client_id=client,
                from_segment=old.value if old else None,
                to_segment=new.value,
                last_purchase_on=last.get(client),
                changed_at=now,
            )
            message = aggregate_event(event, source=SOURCE, key=client, at=now)
            if await self._record(client, old, new, message, now, exists=client in stored):
                published += 1
        if published:
            log.info("client segments changed", count=published)
            self._on_published()
        return published

    async def _record(
        self, client: str, old: Any, new: Any, message: Any, now: Any, *, exists: bool
    ) -> bool:
        fields = {"segment": new.value, "changed_at": now}
        if not exists:
            try:
                await self._store.segments.insert_one(
                    {"_id": client, **fields, **outbox_fields([message])}
                )
            except DuplicateKeyError:
                return False
            return True
        result = await self._store.segments.update_one(
            {"_id": client, "segment": old.value if old else None},
            with_outbox({"$set": fields}, [message]),
        )
        return result.modified_count == 1

    async def _last_purchases(self, now: Any) -> dict[str, Any]:
        state = await self._reports.segments_state()
        bought = segments.purchases(state, as_of=now, time_zone=self._reports.time_zone)
        return {client: days[-1] for client, days in bought.items() if days}
