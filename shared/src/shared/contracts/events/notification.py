"""``notification.sent`` / ``notification.failed``: the outcome of one delivery to one recipient."""

from typing import ClassVar

from pydantic import Field

from shared.contracts.events.base import EventModel
from shared.contracts.topics import Topic
from shared.contracts.values import EntityId, ShortText, UtcDatetime


class NotificationSentV1(EventModel):
    """A message reached its delivery provider (SMTP server, SMS gateway, bot API, webhook)."""

    event_type: ClassVar[str] = Topic.NOTIFICATION_SENT.value
    event_version: ClassVar[int] = 1

    delivery_id: EntityId = Field(
        description="Id of the delivery: one per (source event, recipient, channel).",
        examples=["dlv-5f2c"],
    )
    source_event_id: EntityId = Field(description="Event that caused it.", examples=["evt-1"])
    source_event_type: EntityId = Field(description="Its type.", examples=["payment.due"])
    event_kind: ShortText = Field(
        description="Template kind used.", examples=["payment.due:day_before"]
    )
    recipient_id: EntityId = Field(description="Who was told.", examples=["client-5521"])
    recipient_kind: EntityId = Field(
        description="client, manager, head_of_sales or integrator.", examples=["client"]
    )
    channel: EntityId = Field(description="email, sms, messenger or webhook.", examples=["email"])
    attempts: int = Field(ge=1, description="Attempts it took.", examples=[1])
    sent_at: UtcDatetime = Field(
        description="When the provider accepted it.", examples=["2026-03-02T09:00:05Z"]
    )


class NotificationFailedV1(EventModel):
    """A message could not be delivered after the last attempt."""

    event_type: ClassVar[str] = Topic.NOTIFICATION_FAILED.value
    event_version: ClassVar[int] = 1

    delivery_id: EntityId = Field(description="Id of the delivery.", examples=["dlv-5f2c"])
    source_event_id: EntityId = Field(description="Event that caused it.", examples=["evt-1"])
    source_event_type: EntityId = Field(description="Its type.", examples=["payment.due"])
    event_kind: ShortText = Field(description="Template kind.", examples=["payment.due:day_before"])
    recipient_id: EntityId = Field(description="Who was to be told.", examples=["client-5521"])
    recipient_kind: EntityId = Field(description="Recipient's role.", examples=["client"])
    channel: EntityId = Field(description="Channel tried.", examples=["sms"])
    attempts: int = Field(ge=1, description="Attempts made.", examples=[5])
    error: ShortText = Field(
        description="Last error, without personal data.", examples=["provider answered 503"]
    )
    failed_at: UtcDatetime = Field(
        description="When it was given up.", examples=["2026-03-02T10:00:00Z"]
    )
