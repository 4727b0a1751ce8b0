"""Publishes `client.segment_changed` when time or a purchase moves a client between segments.

Each client's last published segment is an aggregate saved with its own outbox, at the
revision it was loaded at; a lost race reloads it and moves it again only if it is not
already in the new segment, so with several replicas each transition is published once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import date, datetime

from reporting.domain import segments
from reporting.domain.client_segment import ClientSegmentState
from reporting.domain.facts import DealStageChanged, Fact, StageKind
from reporting.service_layer.ports import ClientSegments
from reporting.service_layer.queries import Filters, Reports
from shared.platform.clock import Clock
from shared.platform.logging import get_logger
from shared.platform.loops import run_every

log = get_logger(__name__)


class SegmentWatcher:
    """Recomputes segments every `interval` seconds of the clock, or sooner when woken."""

    def __init__(
        self,
        clients: ClientSegments,
        reports: Reports,
        *,
        clock: Clock,
        interval: float,
        on_published: Callable[[], None] = lambda: None,
    ) -> None:
        self._clients = clients
        self._reports = reports
        self._clock = clock
        self._interval = interval
        self._on_published = on_published
        self._wakeup = asyncio.Event()

    def wake(self) -> None:
        """Check soon."""
        self._wakeup.set()

    def notice(self, facts: Sequence[Fact]) -> None:
        """Check soon if a batch brought won deals: a purchase can move its client."""
        if any(isinstance(f, DealStageChanged) and f.to_stage_kind is StageKind.WON for f in facts):
            self.wake()

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
        stored = {client.client_id: client for client in await self._clients.all_clients()}
        before = {
            client_id: client.segment
            for client_id, client in stored.items()
            if client.segment is not None
        }
        last = await self._last_purchases(now)
        published = 0
        for client_id, _, new in segments.transitions(before, current):
            if new is None:
                continue
            if await self._move(
                client_id, new, last.get(client_id), now, known=client_id in stored
            ):
                published += 1
        if published:
            log.info("client segments changed", count=published)
            self._on_published()
        return published

    async def _move(
        self,
        client_id: str,
        segment: segments.Segment,
        last_purchase_on: date | None,
        now: datetime,
        *,
        known: bool,
    ) -> bool:
        def move(client: ClientSegmentState) -> bool:
            return client.move_to(segment, last_purchase_on=last_purchase_on, now=now)

        if not known:
            client = ClientSegmentState(client_id=client_id)
            move(client)
            return await self._clients.add(client)
        moved = await self._clients.update(client_id, move)
        return moved is not None and moved[1]

    async def _last_purchases(self, now: datetime) -> dict[str, date]:
        state = await self._reports.segments_state()
        bought = segments.purchases(state, as_of=now, time_zone=self._reports.time_zone)
        return {client: days[-1] for client, days in bought.items() if days}
