"""``meeting.reminder_due``: a scheduled meeting starts soon."""

from typing import ClassVar

from pydantic import Field

from shared.contracts.events.base import EventModel
from shared.contracts.topics import Topic
from shared.contracts.values import EntityId, ShortText, UtcDatetime


class MeetingReminderDueV1(EventModel):
    """Remind the organizer (and the staff attending) that a meeting starts soon."""

    event_type: ClassVar[str] = Topic.MEETING_REMINDER_DUE.value
    event_version: ClassVar[int] = 1

    meeting_id: EntityId = Field(
        description="Id of the meeting (the Kafka key).", examples=["meeting-0c1d"]
    )
    reminder_id: EntityId = Field(
        description="Id of this reminder: a moved meeting is reminded again under a new id.",
        examples=["meeting-0c1d:2026-03-02T11:00:00+00:00"],
    )
    title: ShortText = Field(description="What the meeting is about.", examples=["Demo"])
    organizer_id: EntityId = Field(description="The manager who holds it.", examples=["mgr-a"])
    staff_ids: list[EntityId] = Field(
        description="Colleagues attending, reminded too.", examples=[["mgr-b"]]
    )
    starts_at: UtcDatetime = Field(description="When it starts.", examples=["2026-03-02T12:00:00Z"])
    place: ShortText | None = Field(
        default=None, description="Where, for a meeting in person.", examples=["Офис клиента"]
    )
    link: ShortText | None = Field(
        default=None,
        description="The call link, for a meeting online.",
        examples=["https://meet.example.com/x"],
    )
    deal_id: EntityId | None = Field(default=None, description="The deal.", examples=["deal-7f3a"])
    client_id: EntityId | None = Field(
        default=None, description="The client.", examples=["client-5521"]
    )
