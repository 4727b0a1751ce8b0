"""Task use cases: set by hand, close, hand over, and the overdue timer."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import replace
from datetime import datetime, timedelta

from deals.domain.reminder_schedule import SET_ASIDE
from deals.domain.task import PastDue, Task, TaskDraft
from deals.service_layer.errors import Invalid, NotFound
from deals.service_layer.task_ports import Record, Staff, TaskRepository
from shared.contracts.events.tasks import TaskResolution
from shared.platform.clock import Clock
from shared.platform.dead_letter import describe_error
from shared.platform.errors import is_transient
from shared.platform.logging import get_logger
from shared.platform.loops import run_every
from shared.platform.repository import ConcurrentModification

BATCH = 100

log = get_logger(__name__)


class TaskBook:
    """Tasks of the sales department: who does what by when, and who is told when it slips."""

    def __init__(
        self,
        tasks: TaskRepository,
        *,
        staff: Staff,
        clock: Clock,
        escalate_after: timedelta,
        poll_seconds: float,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self._tasks = tasks
        self._staff = staff
        self._clock = clock
        self._escalate_after = escalate_after
        self._poll = poll_seconds
        self._wake = wake

    async def set(
        self, draft: TaskDraft, *, overdue: bool = False, causation_id: str | None = None
    ) -> Task:
        """Store a new task (its team from the directory); the same id twice is one task."""
        if draft.team is None:
            draft = replace(draft, team=await self._staff.team_of(draft.assignee_id))
        try:
            task = Task.set(
                draft, now=self._clock.now(), escalate_after=self._escalate_after, overdue=overdue
            )
        except PastDue as exc:
            raise Invalid((str(exc),)) from exc
        if await self._tasks.add(task, causation_id=causation_id):
            self._wake()
            return task
        stored = await self._tasks.get(draft.task_id)
        assert stored is not None
        return stored

    async def get(self, task_id: str) -> Record:
        """The stored task; NotFound if there is none."""
        found = await self._tasks.record(task_id)
        if found is None:
            raise NotFound("task")
        return found

    async def page(
        self, *, assignees: Collection[str] | None, state: str | None, offset: int, limit: int
    ) -> tuple[list[Record], int]:
        """A page of tasks, earliest due first; `assignees` None means everyone's."""
        return await self._tasks.page(assignees=assignees, state=state, offset=offset, limit=limit)

    async def close(
        self, task_id: str, resolution: TaskResolution, *, causation_id: str | None = None
    ) -> Task:
        """Mark a task done or cancelled (again: no change)."""
        now = self._clock.now()
        changed = await self._tasks.update(
            task_id, lambda task: task.close(resolution, now), causation_id=causation_id
        )
        if changed is None:
            raise NotFound("task")
        self._wake()
        return changed[0]

    async def hand_over(
        self, task_id: str, to: str, *, reason: str, causation_id: str | None = None
    ) -> Task:
        """Give an open task to another person."""
        team = await self._staff.team_of(to)
        now = self._clock.now()
        changed = await self._tasks.update(
            task_id,
            lambda task: task.hand_over(to, team=team, reason=reason, now=now),
            causation_id=causation_id,
        )
        if changed is None:
            raise NotFound("task")
        self._wake()
        return changed[0]

    async def hand_over_open(
        self, from_person: str, to: str, *, reason: str, causation_id: str | None = None
    ) -> int:
        """Give every open task of one person to another; return how many moved."""
        moved = 0
        for task_id in await self._tasks.open_ids_of(from_person):
            task = await self.hand_over(task_id, to, reason=reason, causation_id=causation_id)
            moved += task.assignee_id == to
        return moved

    async def run_timer(self) -> None:
        """Fire overdue notices forever, every `poll_seconds` of the injected clock."""
        await run_every(self.fire_overdue, clock=self._clock, seconds=self._poll, what="task timer")

    async def fire_overdue(self) -> int:
        """Tell the assignees (and after the grace period their leads) of tasks past due."""
        now = self._clock.now()
        fired = 0
        for task in await self._tasks.due_reminders(now, limit=BATCH):
            try:
                fired += await self._fire_one(task, now)
            except Exception as exc:
                if is_transient(exc):
                    raise
                log.error(
                    "task timer failed; set aside", task_id=task.id, error=describe_error(exc)
                )
                await self._tasks.postpone(task.id, now + SET_ASIDE)
        if fired:
            self._wake()
        return fired

    async def _fire_one(self, task: Task, now: datetime) -> int:
        lead = await self._staff.team_lead_of(task.assignee_id)
        fired = task.fire_overdue(now, team_lead_id=lead)
        try:
            await self._tasks.save(task)
        except ConcurrentModification:
            again = await self._tasks.update(
                task.id, lambda fresh: fresh.fire_overdue(now, team_lead_id=lead)
            )
            fired = again[1] if again is not None else 0
        return fired
