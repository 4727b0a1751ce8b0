"""Aggregates with a reminder schedule stored under `next_reminder_at`: due ones, set aside."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from deals.domain.reminder_schedule import SET_ASIDE
from shared.kernel.aggregate import Aggregate
from shared.platform.repository import MongoRepository

A = TypeVar("A", bound=Aggregate[Any])


class ScheduledRepository(MongoRepository[A]):
    """A repository whose aggregates' next reminder is indexed by `next_reminder_at`."""

    async def due_reminders(self, now: datetime, *, limit: int) -> list[A]:
        """Aggregates whose earliest pending reminder is due by `now`."""
        unreadable: list[str] = []
        query = {"next_reminder_at": {"$lte": now}}
        due = await self.find(query, limit=limit, unreadable=unreadable)
        for aggregate_id in unreadable:  # one broken document must not stop every reminder
            await self.postpone(aggregate_id, now + SET_ASIDE)
        return due

    async def postpone(self, aggregate_id: str, until: datetime) -> None:
        """Keep an aggregate's reminders from firing before `until`."""
        await self.set_aside(aggregate_id, "next_reminder_at", until)
