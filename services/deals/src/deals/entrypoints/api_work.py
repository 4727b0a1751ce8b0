"""Request bodies of the manager's day: activities, tasks and meetings."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, Field, HttpUrl, PlainSerializer

from deals.entrypoints.api_models import Body
from shared.contracts.events.lead_lifecycle import ActivityDirection, ActivityKind
from shared.contracts.events.tasks import TaskPriority
from shared.contracts.values import EntityId, LongText, ShortText

WebUrl = Annotated[HttpUrl, PlainSerializer(str, return_type=str)]
"""An http(s) address."""


class ActivityIn(Body):
    """A call, e-mail, message, meeting, note or objection on a deal or a client."""

    activity_id: EntityId | None = Field(
        default=None, description="Your id for it, to make a retry one activity; else new."
    )
    manager_id: EntityId | None = Field(
        default=None, description="Who did it: a person is themselves; a system names them."
    )
    kind: ActivityKind = Field(description="call, email, message, meeting, note, objection.")
    direction: ActivityDirection = Field(
        default=ActivityDirection.OUTBOUND, description="Who started the exchange."
    )
    outcome: ShortText | None = Field(default=None, description="answered, no_answer, agreed…")
    duration_seconds: int | None = Field(default=None, ge=0, le=86_400, description="Length.")
    recording_url: WebUrl | None = Field(default=None, description="A call's recording (http/s).")
    objection_category: EntityId | None = Field(
        default=None, description="For an objection: a category from the configured list."
    )
    summary: LongText | None = Field(default=None, description="What was said or agreed.")
    occurred_at: AwareDatetime | None = Field(
        default=None, description="When it happened (with its offset); now by default."
    )


class TaskIn(Body):
    """A task: what, by when, for whom and about which record."""

    title: ShortText = Field(min_length=1, description="What to do.")
    due_at: AwareDatetime = Field(description="When it is due (with its offset).")
    assignee_id: EntityId | None = Field(
        default=None, description="For whom: yourself by default; a lead sets their team's."
    )
    priority: TaskPriority = Field(default=TaskPriority.NORMAL, description="low, normal, high.")
    lead_id: EntityId | None = Field(default=None, description="The lead it is about.")
    deal_id: EntityId | None = Field(default=None, description="The deal it is about.")
    client_id: EntityId | None = Field(default=None, description="The client it is about.")
    overdue: bool = Field(
        default=False, description="Record a task already past due, on purpose (else refused)."
    )


class AssigneeIn(Body):
    """Who takes over a task."""

    assignee_id: EntityId = Field(description="The new assignee.")


class MeetingIn(Body):
    """A meeting ahead, on a deal or a client."""

    title: ShortText = Field(min_length=1, description="What it is about.")
    starts_at: AwareDatetime = Field(description="Start (with its offset).")
    ends_at: AwareDatetime = Field(description="End (with its offset).")
    place: ShortText | None = Field(default=None, description="Where, in person.")
    link: WebUrl | None = Field(default=None, description="The call link, online (http/s).")
    staff_ids: list[EntityId] = Field(
        default_factory=list, max_length=20, description="Colleagues attending."
    )
    client_attendees: list[ShortText] = Field(
        default_factory=list, max_length=20, description="The client's people attending."
    )
    deal_id: EntityId | None = Field(default=None, description="The deal (its client follows).")
    client_id: EntityId | None = Field(default=None, description="The client, without a deal.")
    organizer_id: EntityId | None = Field(
        default=None, description="Who holds it: a person is themselves; a system names them."
    )


class MeetingMoveIn(Body):
    """A new time, and optionally a new place or link."""

    starts_at: AwareDatetime = Field(description="New start.")
    ends_at: AwareDatetime = Field(description="New end.")
    place: ShortText | None = Field(default=None, description="New place; kept if left out.")
    link: WebUrl | None = Field(default=None, description="New link; kept if left out.")


class MeetingOutcomeIn(Body):
    """How a meeting ended, or why it will not take place."""

    summary: LongText | None = Field(default=None, description="What was agreed, or why not.")
