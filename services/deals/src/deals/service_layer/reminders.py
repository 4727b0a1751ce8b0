"""The reminder timer: `payment.due` for installments and `contract.renewal_due` for contracts.

Each schedule lives in its aggregate (the `reminders` map and the moment the next one is
due), so it survives restarts. Firing is one revision-checked save that marks the reminders
sent and carries their events: with any number of replicas, one write wins.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar

from shared.platform.clock import Clock
from shared.platform.loops import run_every
from shared.platform.repository import ConcurrentModification

BATCH = 100


class Schedule(Protocol):
    """An aggregate with a reminder schedule."""

    @property
    def aggregate_id(self) -> str:
        """Its id."""

    def fire_due_reminders(self, now: datetime) -> int:
        """Record the events of the reminders due by `now`; return how many."""


S = TypeVar("S", bound=Schedule)
R = TypeVar("R")


class DueSchedules(Protocol[S]):
    """Port: aggregates with a reminder due, and saving them."""

    async def due_reminders(self, now: datetime, *, limit: int) -> list[S]:
        """Aggregates whose earliest pending reminder is due by `now`."""

    async def save(self, aggregate: S, *, causation_id: str | None = None) -> None:
        """Store what changed since load; raises ConcurrentModification on a lost race."""

    async def update(
        self,
        aggregate_id: str,
        change: Callable[[S], R],
        *,
        causation_id: str | None = None,
        attempts: int = 5,
    ) -> tuple[S, R] | None:
        """Load, change and save, again on a lost race; None if it is gone."""


async def fire_due(schedules: DueSchedules[S], now: datetime) -> int:
    """Fire what is due on up to BATCH aggregates; return how many events were saved."""
    written = 0
    for schedule in await schedules.due_reminders(now, limit=BATCH):
        fired = schedule.fire_due_reminders(now)
        try:
            await schedules.save(schedule)
        except ConcurrentModification:
            # Another replica (or a payment) wrote meanwhile: decide again on what is stored.
            again = await schedules.update(
                schedule.aggregate_id, lambda fresh: fresh.fire_due_reminders(now)
            )
            fired = again[1] if again is not None else 0
        written += fired
    return written


class ReminderWatcher:
    """Polls every schedule (invoices, contracts) every `poll_seconds` of the injected clock."""

    def __init__(
        self,
        schedules: Sequence[DueSchedules[Any]],
        *,
        clock: Clock,
        poll_seconds: float,
        on_fired: Callable[[], None] = lambda: None,
    ) -> None:
        self._schedules = tuple(schedules)
        self._clock = clock
        self._poll = poll_seconds
        self._on_fired = on_fired

    async def run(self) -> None:
        """Fire due reminders forever; an outage only delays them to the next pass."""
        await run_every(self.fire_due, clock=self._clock, seconds=self._poll, what="reminder pass")

    async def fire_due(self) -> int:
        """Save every reminder due by now with its event; return how many this replica wrote."""
        fired = 0
        for schedules in self._schedules:
            fired += await fire_due(schedules, self._clock.now())
        if fired:
            self._on_fired()
        return fired
