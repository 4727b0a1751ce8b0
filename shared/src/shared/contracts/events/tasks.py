"""``task.created``, ``task.completed``, ``task.overdue`` and ``task.reassigned``."""

from enum import StrEnum
from typing import Any, ClassVar

from pydantic import Field

from shared.contracts.events.base import ContractModel, EventModel
from shared.contracts.topics import Topic
from shared.contracts.values import EntityId, ShortText, UtcDatetime


class TaskPriority(StrEnum):
    """How soon a task matters against others due at the same time."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


class TaskResolution(StrEnum):
    """How a task was closed."""

    DONE = "done"
    CANCELLED = "cancelled"


class OverdueLevel(StrEnum):
    """Who an overdue task is brought to: first its assignee, after a grace period the lead."""

    ASSIGNEE = "assignee"
    TEAM_LEAD = "team_lead"


class TaskLinks(ContractModel):
    """The records a task is about."""

    lead_id: EntityId | None = Field(
        default=None, description="The lead.", examples=["lead-3f9c2a"]
    )
    deal_id: EntityId | None = Field(default=None, description="The deal.", examples=["deal-7f3a"])
    client_id: EntityId | None = Field(
        default=None, description="The client.", examples=["client-5521"]
    )


def _task_id() -> Any:
    return Field(description="Id of the task (the Kafka key).", examples=["task-5f1c0b"])


def _assignee() -> Any:
    return Field(description="The manager it is set for.", examples=["mgr-ivanova"])


class TaskCreatedV1(EventModel):
    """A task was set: by a person, or by a rule (cadence, follow-up, stuck deal, renewal)."""

    event_type: ClassVar[str] = Topic.TASK_CREATED.value
    event_version: ClassVar[int] = 1

    task_id: EntityId = _task_id()
    title: ShortText = Field(description="What to do.", examples=["Call back about the offer"])
    assignee_id: EntityId = _assignee()
    team: EntityId | None = Field(
        default=None, description="The assignee's team.", examples=["msk"]
    )
    due_at: UtcDatetime = Field(description="When it is due.", examples=["2026-03-02T09:00:00Z"])
    priority: TaskPriority = Field(description="Its priority.", examples=["normal"])
    links: TaskLinks = Field(description="What it is about.", examples=[{"deal_id": "deal-7f3a"}])
    origin: EntityId = Field(
        description="`manual`, or `rule:<name>` for a rule (cadence_warm, stuck_deal, ...).",
        examples=["rule:cadence_warm"],
    )
    created_by: EntityId | None = Field(
        default=None, description="Who set it by hand.", examples=["tl-olga"]
    )
    created_at: UtcDatetime = Field(description="When.", examples=["2026-03-01T09:00:00Z"])


class TaskCompletedV1(EventModel):
    """A task was closed: done, or cancelled (by hand or because its reason went away)."""

    event_type: ClassVar[str] = Topic.TASK_COMPLETED.value
    event_version: ClassVar[int] = 1

    task_id: EntityId = _task_id()
    assignee_id: EntityId = _assignee()
    team: EntityId | None = Field(
        default=None, description="The assignee's team.", examples=["msk"]
    )
    resolution: TaskResolution = Field(description="Done or cancelled.", examples=["done"])
    origin: EntityId = Field(description="`manual` or `rule:<name>`.", examples=["manual"])
    links: TaskLinks = Field(description="What it was about.", examples=[{"deal_id": "deal-7f3a"}])
    was_overdue: bool = Field(description="It closed after its due time.", examples=[False])
    completed_at: UtcDatetime = Field(description="When.", examples=["2026-03-02T10:00:00Z"])


class TaskOverdueV1(EventModel):
    """A task is past due: told to its assignee, then after a grace period to the team lead."""

    event_type: ClassVar[str] = Topic.TASK_OVERDUE.value
    event_version: ClassVar[int] = 1

    task_id: EntityId = _task_id()
    title: ShortText = Field(description="What is to be done.", examples=["Call back"])
    assignee_id: EntityId = _assignee()
    team: EntityId | None = Field(
        default=None, description="The assignee's team.", examples=["msk"]
    )
    due_at: UtcDatetime = Field(description="When it was due.", examples=["2026-03-02T09:00:00Z"])
    level: OverdueLevel = Field(description="Who is told this time.", examples=["assignee"])
    notify_person_id: EntityId | None = Field(
        description="The person to tell: the assignee, or their team lead; none if no lead.",
        examples=["mgr-ivanova"],
    )
    links: TaskLinks = Field(description="What it is about.", examples=[{"deal_id": "deal-7f3a"}])
    overdue_at: UtcDatetime = Field(
        description="When this level fired.", examples=["2026-03-02T09:00:00Z"]
    )


class TaskReassignedV1(EventModel):
    """An open task moved to another manager."""

    event_type: ClassVar[str] = Topic.TASK_REASSIGNED.value
    event_version: ClassVar[int] = 1

    task_id: EntityId = _task_id()
    from_assignee_id: EntityId = Field(description="The previous assignee.", examples=["mgr-a"])
    to_assignee_id: EntityId = Field(description="The new assignee.", examples=["mgr-b"])
    reason: ShortText = Field(description="`absence`, `left` or `manual`.", examples=["absence"])
    reassigned_at: UtcDatetime = Field(description="When.", examples=["2026-03-02T10:00:00Z"])
