"""Tasks in MongoDB: the document mapping, the overdue timer's query and the work lists."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from deals.adapters.reminder_schedules import ScheduledRepository
from deals.domain.task import Task, TaskState
from shared.contracts.events.tasks import OverdueLevel, TaskLinks, TaskPriority
from shared.platform.clock import Clock
from shared.platform.mongo import count_matching
from shared.platform.repository import Document, MessageOf

Record = dict[str, Any]
OPEN = TaskState.OPEN.value


class TaskMapper:
    """A task as stored: links side by side, so each can be indexed."""

    def to_document(self, task: Task) -> Document:
        """The task's document."""
        document: Document = {
            "_id": task.id,
            "title": task.title,
            "assignee_id": task.assignee_id,
            "team": task.team,
            "due_at": task.due_at,
            "priority": task.priority.value,
            "lead_id": task.links.lead_id,
            "deal_id": task.links.deal_id,
            "client_id": task.links.client_id,
            "origin": task.origin,
            "created_by": task.created_by,
            "created_at": task.created_at,
            "escalate_after_seconds": int(task.escalate_after.total_seconds()),
            "state": task.state.value,
            "closed_at": task.closed_at,
            "told": [level.value for level in task.told],
        }
        if (due := task.next_reminder_at) is not None:
            document["next_reminder_at"] = due
        return document

    def from_document(self, document: Mapping[str, Any]) -> Task:
        """The task a stored document describes."""
        return Task(
            id=document["_id"],
            title=document["title"],
            assignee_id=document["assignee_id"],
            team=document.get("team"),
            due_at=document["due_at"],
            priority=TaskPriority(document["priority"]),
            links=TaskLinks(
                lead_id=document.get("lead_id"),
                deal_id=document.get("deal_id"),
                client_id=document.get("client_id"),
            ),
            origin=document["origin"],
            created_by=document.get("created_by"),
            created_at=document["created_at"],
            escalate_after=timedelta(seconds=document["escalate_after_seconds"]),
            state=TaskState(document["state"]),
            closed_at=document.get("closed_at"),
            told=[OverdueLevel(level) for level in document.get("told", [])],
        )


class MongoTaskRepository(ScheduledRepository[Task]):
    """Tasks by id, by assignee, by the record they are about, and those falling overdue."""

    def __init__(
        self, collection: AsyncCollection[Any], *, clock: Clock, message_of: MessageOf[Task]
    ) -> None:
        super().__init__(collection, TaskMapper(), clock=clock, message_of=message_of)

    async def open_about(
        self, *, client_id: str | None = None, deal_id: str | None = None
    ) -> list[Task]:
        """The open tasks about one client or one deal."""
        query: dict[str, Any] = {"state": OPEN}
        if client_id is not None:
            query["client_id"] = client_id
        if deal_id is not None:
            query["deal_id"] = deal_id
        return await self.find(query)

    async def open_ids_of(self, assignee_id: str) -> list[str]:
        """Every open task of one person, to hand over."""
        cursor = self.collection.find({"assignee_id": assignee_id, "state": OPEN}, {"_id": 1})
        return [str(doc["_id"]) async for doc in cursor.sort([("due_at", 1), ("_id", 1)])]

    async def due_by(self, assignee_id: str, until: datetime) -> list[Record]:
        """One person's open tasks due before `until` (overdue ones too), earliest first."""
        query = {"assignee_id": assignee_id, "state": OPEN, "due_at": {"$lt": until}}
        cursor = self.collection.find(query, {"_outbox": 0}).sort([("due_at", 1), ("_id", 1)])
        return [doc async for doc in cursor]

    async def page(
        self,
        *,
        assignees: Collection[str] | None,
        state: str | None,
        offset: int,
        limit: int,
    ) -> tuple[list[Record], int]:
        """A page of tasks, earliest due first; `assignees` None means everyone's."""
        query: dict[str, Any] = {}
        if assignees is not None:
            query["assignee_id"] = {"$in": sorted(assignees)}
        if state is not None:
            query["state"] = state
        total = await count_matching(self.collection, query)
        cursor = (
            self.collection.find(query, {"_outbox": 0})
            .sort([("due_at", 1), ("_id", 1)])
            .skip(offset)
            .limit(limit)
        )
        return [doc async for doc in cursor], total

    async def record(self, task_id: str) -> Record | None:
        """The stored task as the API shows it."""
        found: Record | None = await self.collection.find_one({"_id": task_id}, {"_outbox": 0})
        return found
