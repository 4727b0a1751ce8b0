"""The reminder timer: `payment.due` for installments and `contract.renewal_due` for contracts.

Each schedule lives in its aggregate (the `reminders` map and the moment the next one is
due), so it survives restarts. Firing is one revision-checked save that marks the reminders
sent and carries their events: with any number of replicas, one write wins.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar

from deals.domain.reminder_schedule import SET_ASIDE
from shared.platform.clock import Clock
from shared.platform.dead_letter import describe_error
from shared.platform.errors import is_transient
from shared.platform.logging import get_logger
from shared.platform.loops import run_every
from shared.platform.repository import ConcurrentModification

BATCH = 100

log = get_logger(__name__)


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

    async def postpone(self, aggregate_id: str, until: datetime) -> None:
        """Keep an aggregate's reminders from firing before `until`."""

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
    """Fire what is due on up to BATCH aggregates; return how many events were saved.

    One aggregate that fails (a bug, a record its code cannot handle) is set aside for
    `SET_ASIDE` and the pass goes on, so it never holds back the reminders of the others. An
    outage stops the pass: the next one starts over.
    """
    written = 0
    for schedule in await schedules.due_reminders(now, limit=BATCH):
        try:
            written += await _fire_one(schedules, schedule, now)
        except Exception as exc:
            if is_transient(exc):
                raise
            log.error(
                "reminders failed; set aside",
                aggregate_id=schedule.aggregate_id,
                until=(now + SET_ASIDE).isoformat(),
                error=describe_error(exc),
            )
            await schedules.postpone(schedule.aggregate_id, now + SET_ASIDE)
    return written


async def _fire_one(schedules: DueSchedules[S], schedule: S, now: datetime) -> int:
    fired = schedule.fire_due_reminders(now)
    try:
        await schedules.save(schedule)
    except ConcurrentModification:
        # Another replica (or a payment) wrote meanwhile: decide again on what is stored.
        again = await schedules.update(
            schedule.aggregate_id, lambda fresh: fresh.fire_due_reminders(now)
        )
        fired = again[1] if again is not None else 0
    return fired


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
