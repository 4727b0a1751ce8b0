"""In-memory ports of the task use cases, for fast tests with a manual clock."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from deals.adapters.task_repository import TaskMapper
from deals.domain.source import SOURCE
from deals.domain.task import Task
from deals.domain.task_rules import DEFAULT_CADENCES, WaitingDeal
from deals.service_layer.task_rules import TaskRules
from deals.service_layer.tasks import TaskBook
from shared.platform.clock import ManualClock
from shared.platform.repository import message_on_own_topic
from shared.testing.fakes import InMemoryRepository

ESCALATE_AFTER = timedelta(hours=24)
STUCK_AFTER = timedelta(hours=72)


class FakeTaskRepository(InMemoryRepository[Task]):
    """Tasks in a dict; the queries filtered and sorted in Python."""

    def __init__(self, clock: ManualClock) -> None:
        super().__init__(TaskMapper(), clock=clock, message_of=message_on_own_topic(SOURCE))

    async def due_reminders(self, now: datetime, *, limit: int) -> list[Task]:
        """Tasks whose timer is due."""
        due = [
            t
            for t in self.all()
            if (at := self.documents[t.id].get("next_reminder_at")) is not None and at <= now
        ]
        return due[:limit]

    async def postpone(self, aggregate_id: str, until: datetime) -> None:
        """Move the timer on."""
        await self.set_aside(aggregate_id, "next_reminder_at", until)

    async def open_about(
        self, *, client_id: str | None = None, deal_id: str | None = None
    ) -> list[Task]:
        """Open tasks about one record."""
        return [
            t
            for t in self.all()
            if t.is_open
            and (client_id is None or t.links.client_id == client_id)
            and (deal_id is None or t.links.deal_id == deal_id)
        ]

    async def open_ids_of(self, assignee_id: str) -> list[str]:
        """One person's open tasks."""
        return sorted(t.id for t in self.all() if t.is_open and t.assignee_id == assignee_id)

    async def due_by(self, assignee_id: str, until: datetime) -> list[dict[str, Any]]:
        """One person's open tasks due before `until`."""
        docs = [
            {**d}
            for d in self.documents.values()
            if d["assignee_id"] == assignee_id and d["state"] == "open" and d["due_at"] < until
        ]
        return sorted(docs, key=lambda d: (d["due_at"], d["_id"]))

    async def page(
        self, *, assignees: Collection[str] | None, state: str | None, offset: int, limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        """A page of tasks."""
        docs = [
            d
            for d in self.documents.values()
            if (assignees is None or d["assignee_id"] in assignees)
            and (state is None or d["state"] == state)
        ]
        docs.sort(key=lambda d: (d["due_at"], d["_id"]))
        return docs[offset : offset + limit], len(docs)

    async def record(self, task_id: str) -> dict[str, Any] | None:
        """The stored document."""
        return self.documents.get(task_id)

    def open_tasks(self) -> list[Task]:
        """Every open task, by due time."""
        return sorted((t for t in self.all() if t.is_open), key=lambda t: (t.due_at, t.id))


class FakeStaff:
    """Teams and their leads."""

    def __init__(self, teams: dict[str, str], leads: dict[str, str]) -> None:
        self.teams = teams
        self.leads = leads

    async def team_of(self, person_id: str) -> str | None:
        """The person's team."""
        return self.teams.get(person_id)

    async def team_lead_of(self, person_id: str) -> str | None:
        """Their team's lead."""
        team = self.teams.get(person_id)
        lead = None if team is None else self.leads.get(team)
        return None if lead == person_id else lead


class FakeClients:
    """Clients' segments and account managers."""

    def __init__(self) -> None:
        self.known: dict[str, tuple[str | None, str | None]] = {}

    async def segment_and_manager(self, client_id: str) -> tuple[str | None, str | None] | None:
        """The client's segment and manager."""
        return self.known.get(client_id)


class FakeWaiting:
    """Open deals by when they entered their stage."""

    def __init__(self) -> None:
        self.deals: list[WaitingDeal] = []

    async def entered_between(self, after: datetime, until: datetime) -> list[WaitingDeal]:
        """Deals that entered their stage in (after, until]."""
        return [d for d in self.deals if after < d.entered_at <= until]


class FakeStages:
    """Stuck stages per pipeline."""

    async def stuck_stages(self) -> dict[str, frozenset[str]]:
        """The default pipeline's."""
        return {"default": frozenset({"invoice", "payment"})}


class FakeMarks:
    """Watermarks in a dict."""

    def __init__(self) -> None:
        self.marks: dict[str, datetime] = {}

    async def get(self, name: str) -> datetime | None:
        """The stored moment."""
        return self.marks.get(name)

    async def put(self, name: str, at: datetime) -> None:
        """Store it."""
        self.marks[name] = at


def task_world(
    clock: ManualClock,
) -> tuple[TaskBook, TaskRules, FakeTaskRepository, FakeClients, FakeWaiting]:
    """A task book and its rules over fakes: Anna and Boris in `msk`, led by Olga."""
    repo = FakeTaskRepository(clock)
    staff = FakeStaff({"m-anna": "msk", "m-boris": "msk", "tl-olga": "msk"}, {"msk": "tl-olga"})
    book = TaskBook(repo, staff=staff, clock=clock, escalate_after=ESCALATE_AFTER, poll_seconds=1.0)
    clients, waiting = FakeClients(), FakeWaiting()
    rules = TaskRules(
        book,
        repo,
        clients=clients,
        waiting=waiting,
        stages=FakeStages(),
        marks=FakeMarks(),
        clock=clock,
        cadences=DEFAULT_CADENCES,
        stuck_after=STUCK_AFTER,
        follow_up_days=3,
        time_zone="Europe/Moscow",
        poll_seconds=60.0,
    )
    return book, rules, repo, clients, waiting
