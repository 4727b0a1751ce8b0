"""The task aggregate: something a manager agreed or was asked to do, by a due time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from deals.domain.refusal import Refused
from shared.contracts.events.base import EventModel
from shared.contracts.events.tasks import (
    OverdueLevel,
    TaskCompletedV1,
    TaskCreatedV1,
    TaskLinks,
    TaskOverdueV1,
    TaskPriority,
    TaskReassignedV1,
    TaskResolution,
)
from shared.kernel.aggregate import Aggregate

MANUAL = "manual"


class TaskState(StrEnum):
    """Where a task stands."""

    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class TaskDraft:
    """What a person or a rule asks for; `task_id` is fixed by a rule so a redelivery is one."""

    task_id: str
    title: str
    assignee_id: str
    due_at: datetime
    links: TaskLinks
    origin: str = MANUAL
    priority: TaskPriority = TaskPriority.NORMAL
    team: str | None = None
    created_by: str | None = None


class PastDue(ValueError):
    """A task set by hand with a due time already past, not flagged as overdue on purpose."""


@dataclass(eq=False)
class Task(Aggregate[EventModel]):
    """A task with its overdue timer: the assignee is told at the due time, the lead later."""

    id: str
    title: str
    assignee_id: str
    team: str | None
    due_at: datetime
    priority: TaskPriority
    links: TaskLinks
    origin: str
    created_by: str | None
    created_at: datetime
    escalate_after: timedelta
    state: TaskState = TaskState.OPEN
    closed_at: datetime | None = None
    told: list[OverdueLevel] = field(default_factory=list)

    @property
    def aggregate_id(self) -> str:
        """The task id: the key of its events."""
        return self.id

    @classmethod
    def set(
        cls, draft: TaskDraft, *, now: datetime, escalate_after: timedelta, overdue: bool = False
    ) -> Task:
        """A new open task; one due in the past only when `overdue` says it is meant so."""
        if draft.due_at < now and not overdue and draft.origin == MANUAL:
            raise PastDue("due_at: in the past; set `overdue: true` to record it as overdue")
        task = cls(
            id=draft.task_id,
            title=draft.title,
            assignee_id=draft.assignee_id,
            team=draft.team,
            due_at=draft.due_at,
            priority=draft.priority,
            links=draft.links,
            origin=draft.origin,
            created_by=draft.created_by,
            created_at=now,
            escalate_after=escalate_after,
        )
        task.record(
            TaskCreatedV1(
                task_id=task.id,
                title=task.title,
                assignee_id=task.assignee_id,
                team=task.team,
                due_at=task.due_at,
                priority=task.priority,
                links=task.links,
                origin=task.origin,
                created_by=task.created_by,
                created_at=now,
            )
        )
        return task

    @property
    def is_open(self) -> bool:
        """Still to be done."""
        return self.state == TaskState.OPEN

    def is_overdue(self, now: datetime) -> bool:
        """Open and past its due time."""
        return self.is_open and self.due_at <= now

    def close(self, resolution: TaskResolution, now: datetime) -> bool:
        """Done or cancelled; closing a closed task again changes nothing (False)."""
        if not self.is_open:
            if self.state.value != resolution.value:
                raise Refused(f"the task is already {self.state.value}")
            return False
        self.state = TaskState(resolution.value)
        self.closed_at = now
        self.record(
            TaskCompletedV1(
                task_id=self.id,
                assignee_id=self.assignee_id,
                team=self.team,
                resolution=resolution,
                origin=self.origin,
                links=self.links,
                was_overdue=self.due_at <= now,
                completed_at=now,
            )
        )
        return True

    def hand_over(self, to: str, *, team: str | None, reason: str, now: datetime) -> bool:
        """Give an open task to another manager; a closed one or the same person: False."""
        if not self.is_open or to == self.assignee_id:
            return False
        self.record(
            TaskReassignedV1(
                task_id=self.id,
                from_assignee_id=self.assignee_id,
                to_assignee_id=to,
                reason=reason,
                reassigned_at=now,
            )
        )
        self.assignee_id, self.team = to, team
        return True

    @property
    def next_reminder_at(self) -> datetime | None:
        """When the overdue timer fires next: at the due time, then after the grace period."""
        if not self.is_open:
            return None
        if OverdueLevel.ASSIGNEE not in self.told:
            return self.due_at
        if OverdueLevel.TEAM_LEAD not in self.told:
            return self.due_at + self.escalate_after
        return None

    def fire_overdue(self, now: datetime, *, team_lead_id: str | None) -> int:
        """Tell whoever is due to hear of it now; return how many levels fired."""
        fired = 0
        while (due := self.next_reminder_at) is not None and due <= now:
            level = OverdueLevel.TEAM_LEAD if self.told else OverdueLevel.ASSIGNEE
            self.told.append(level)
            self.record(
                TaskOverdueV1(
                    task_id=self.id,
                    title=self.title,
                    assignee_id=self.assignee_id,
                    team=self.team,
                    due_at=self.due_at,
                    level=level,
                    notify_person_id=self.assignee_id
                    if level == OverdueLevel.ASSIGNEE
                    else team_lead_id,
                    links=self.links,
                    overdue_at=now,
                )
            )
            fired += 1
        return fired
