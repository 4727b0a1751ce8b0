"""``activity.logged`` from telephony and mail; ``deal.activity_logged`` as deals recorded it."""

from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field, HttpUrl, PlainSerializer

from shared.contracts.events.base import EventModel
from shared.contracts.events.lead_lifecycle import ActivityDirection, ActivityKind
from shared.contracts.topics import Topic
from shared.contracts.values import EntityId, LongText, ShortText, UtcDatetime

RecordingUrl = Annotated[HttpUrl, PlainSerializer(str, return_type=str)]
"""Where a call's recording can be heard: http or https only."""


class ActivitySubject(StrEnum):
    """The kind of record an activity is on."""

    DEAL = "deal"
    CLIENT = "client"


class ActivityLoggedV1(EventModel):
    """A call, e-mail, message, meeting, note or objection on a deal or a client.

    Publishers name the record by ``deal_id`` or ``client_id`` when they know it, else by the
    client's phone or e-mail; the deals service resolves it, parks it while the named record
    has not arrived, and dead-letters it with a reason when nothing matches.
    """

    event_type: ClassVar[str] = Topic.ACTIVITY_LOGGED.value
    event_version: ClassVar[int] = 1

    activity_id: EntityId = Field(
        description="Id of the activity, unique per publisher; used to deduplicate.",
        examples=["call-20260302-0042"],
    )
    deal_id: EntityId | None = Field(default=None, description="The deal.", examples=["deal-7f3a"])
    client_id: EntityId | None = Field(
        default=None, description="The client.", examples=["client-5521"]
    )
    contact_phone: ShortText | None = Field(
        default=None,
        description="The client's phone, when no id is known.",
        examples=["+79123456789"],
    )
    contact_email: ShortText | None = Field(
        default=None,
        description="The client's e-mail, when no id is known.",
        examples=["buyer@example.com"],
    )
    manager_id: EntityId = Field(description="Who made or took it.", examples=["mgr-ivanova"])
    kind: ActivityKind = Field(description="What was done.", examples=["call"])
    direction: ActivityDirection = Field(
        default=ActivityDirection.OUTBOUND, description="Who started it.", examples=["inbound"]
    )
    outcome: ShortText | None = Field(
        default=None,
        description="Result as recorded (answered, no_answer, ...).",
        examples=["answered"],
    )
    duration_seconds: int | None = Field(
        default=None, ge=0, description="Length of a call or meeting.", examples=[185]
    )
    recording_url: RecordingUrl | None = Field(
        default=None,
        description="The call's recording (http or https).",
        examples=["https://pbx.example.com/rec/0042.mp3"],
    )
    objection_category: EntityId | None = Field(
        default=None,
        description="For an objection: a category from the configured list.",
        examples=["price"],
    )
    summary: LongText | None = Field(
        default=None, description="What was said or agreed.", examples=["Agreed on a demo."]
    )
    occurred_at: UtcDatetime = Field(
        description="When it happened.", examples=["2026-03-02T09:20:00Z"]
    )


class DealActivityLoggedV1(EventModel):
    """An activity the deals service recorded on one of its deals or clients."""

    event_type: ClassVar[str] = Topic.DEAL_ACTIVITY_LOGGED.value
    event_version: ClassVar[int] = 1

    activity_id: EntityId = Field(
        description="Id of the activity (the Kafka key).", examples=["call-20260302-0042"]
    )
    subject: ActivitySubject = Field(description="Kind of record it is on.", examples=["deal"])
    deal_id: EntityId | None = Field(default=None, description="The deal.", examples=["deal-7f3a"])
    client_id: EntityId | None = Field(
        default=None, description="The client.", examples=["client-5521"]
    )
    manager_id: EntityId = Field(description="Who made or took it.", examples=["mgr-ivanova"])
    team: EntityId | None = Field(
        default=None, description="The manager's team.", examples=["moscow-sales"]
    )
    kind: ActivityKind = Field(description="What was done.", examples=["call"])
    direction: ActivityDirection = Field(description="Who started it.", examples=["outbound"])
    outcome: ShortText | None = Field(default=None, description="Result.", examples=["answered"])
    duration_seconds: int | None = Field(
        default=None, ge=0, description="Length of a call or meeting.", examples=[185]
    )
    objection_category: EntityId | None = Field(
        default=None, description="For an objection: its category.", examples=["price"]
    )
    occurred_at: UtcDatetime = Field(
        description="When it happened.", examples=["2026-03-02T09:20:00Z"]
    )
