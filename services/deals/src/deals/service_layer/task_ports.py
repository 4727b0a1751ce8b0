"""Ports of the task use cases: the task store, the people directory, what the rules read."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any, Protocol, TypeVar

from deals.domain.task import Task
from deals.domain.task_rules import WaitingDeal

R = TypeVar("R")
Record = dict[str, Any]


class TaskRepository(Protocol):
    """Tasks by id, by what they are about, and those falling overdue."""

    async def get(self, aggregate_id: str) -> Task | None:
        """One task, or None."""

    async def add(self, aggregate: Task, *, causation_id: str | None = None) -> bool:
        """Store a new task; False when one with its id exists."""

    async def save(self, aggregate: Task, *, causation_id: str | None = None) -> None:
        """Store what changed; ConcurrentModification on a lost race."""

    async def update(
        self,
        aggregate_id: str,
        change: Callable[[Task], R],
        *,
        causation_id: str | None = None,
        attempts: int = 5,
    ) -> tuple[Task, R] | None:
        """Load, change and save, again on a lost race; None if it is gone."""

    async def due_reminders(self, now: datetime, *, limit: int) -> list[Task]:
        """Tasks whose overdue timer is due by `now`."""

    async def postpone(self, aggregate_id: str, until: datetime) -> None:
        """Keep a task's timer from firing before `until`."""

    async def open_about(
        self, *, client_id: str | None = None, deal_id: str | None = None
    ) -> list[Task]:
        """The open tasks about one client or one deal."""

    async def open_ids_of(self, assignee_id: str) -> list[str]:
        """Every open task of one person."""

    async def due_by(self, assignee_id: str, until: datetime) -> list[Record]:
        """One person's open tasks due before `until`, earliest first."""

    async def page(
        self, *, assignees: Collection[str] | None, state: str | None, offset: int, limit: int
    ) -> tuple[list[Record], int]:
        """A page of tasks, earliest due first."""

    async def record(self, task_id: str) -> Record | None:
        """The stored task as the API shows it."""


class Staff(Protocol):
    """What tasks need of the people directory."""

    async def team_of(self, person_id: str) -> str | None:
        """The person's team, if known."""

    async def team_lead_of(self, person_id: str) -> str | None:
        """The lead of the person's team (not the person), if the team has one."""


class ClientSegments(Protocol):
    """What cadences read of a client."""

    async def segment_and_manager(self, client_id: str) -> tuple[str | None, str | None] | None:
        """The client's segment and account manager; None for an unknown client."""


class WaitingDeals(Protocol):
    """Open deals by the moment they entered their stage."""

    async def entered_between(self, after: datetime, until: datetime) -> list[WaitingDeal]:
        """Open deals that entered their current stage in (`after`, `until`]."""


class StuckStages(Protocol):
    """Which stages of each pipeline count as stuck."""

    async def stuck_stages(self) -> dict[str, frozenset[str]]:
        """Pipeline id -> its stuck stages."""


class Watermarks(Protocol):
    """Where a periodic scan got to, kept across restarts."""

    async def get(self, name: str) -> datetime | None:
        """The stored moment, if any."""

    async def put(self, name: str, at: datetime) -> None:
        """Store the moment."""
