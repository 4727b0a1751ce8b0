"""Request and response bodies of the notifications HTTP API (wire shapes, apart from storage)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from notifications.domain.model import Channel, DeliveryStatus, Locale, RecipientKind
from shared.contracts.topics import Topic
from shared.kernel.zones import is_zone

Name = Annotated[str, StringConstraints(max_length=200)]
Email = Annotated[str, StringConstraints(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Phone = Annotated[str, StringConstraints(pattern=r"^\+[1-9]\d{6,14}$")]
ChatId = Annotated[str, StringConstraints(pattern=r"^(-?\d{1,20}|@\w{5,32})$")]


class NotifyingTopic(StrEnum):
    """Events the service consumes; a webhook subscription filters on these."""

    LEAD_ASSIGNED = Topic.LEAD_ASSIGNED.value
    LEAD_REASSIGNED = Topic.LEAD_REASSIGNED.value
    LEAD_SLA_BREACHED = Topic.LEAD_SLA_BREACHED.value
    PAYMENT_DUE = Topic.PAYMENT_DUE.value
    PAYMENT_RECEIVED = Topic.PAYMENT_RECEIVED.value
    DEAL_STAGE_CHANGED = Topic.DEAL_STAGE_CHANGED.value
    CONTRACT_RENEWAL_DUE = Topic.CONTRACT_RENEWAL_DUE.value
    CLIENT_SEGMENT_CHANGED = Topic.CLIENT_SEGMENT_CHANGED.value
    TASK_OVERDUE = Topic.TASK_OVERDUE.value
    TASK_COMPLETED = Topic.TASK_COMPLETED.value
    MEETING_REMINDER_DUE = Topic.MEETING_REMINDER_DUE.value
    PROPOSAL_SENT = Topic.PROPOSAL_SENT.value
    PROPOSAL_ACCEPTED = Topic.PROPOSAL_ACCEPTED.value
    PROPOSAL_DECLINED = Topic.PROPOSAL_DECLINED.value


class TemplateChannel(StrEnum):
    """Channels with templates (webhooks carry the event as JSON)."""

    EMAIL = Channel.EMAIL.value
    SMS = Channel.SMS.value
    MESSENGER = Channel.MESSENGER.value


class Body(BaseModel):
    """Requests refuse unknown fields: a typo should not be silently dropped."""

    model_config = ConfigDict(extra="forbid")


class RecipientIn(Body):
    """Who someone is to the business, how to reach them and what they agreed to."""

    kind: RecipientKind = Field(description="client, manager, head_of_sales or integrator.")
    name: Name | None = Field(
        default=None, description="Name used in greetings and in other people's messages."
    )
    locale: Locale = Field(default=Locale.RU, description="Language of the texts: ru or en.")
    time_zone: str = Field(
        default="Europe/Moscow", description="IANA time zone; quiet hours are local to it."
    )
    email: Email | None = Field(default=None, description="E-mail address.")
    phone: Phone | None = Field(default=None, description="Mobile phone in E.164, for SMS.")
    messenger_chat_id: ChatId | None = Field(
        default=None, description="Chat id (or @channel) of the messenger bot."
    )
    opted_out: list[Channel] = Field(
        default_factory=list, description="Channels the recipient does not consent to."
    )
    preferred_channels: list[Channel] = Field(
        default_factory=list,
        description="Channels in order of preference; the rules' defaults follow them.",
    )

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if not is_zone(value):
            raise ValueError("unknown IANA time zone")
        return value

    @field_validator("opted_out", "preferred_channels")
    @classmethod
    def _distinct(cls, value: list[Channel]) -> list[Channel]:
        return list(dict.fromkeys(value))


class RecipientOut(RecipientIn):
    """A directory entry with its id."""

    model_config = ConfigDict(extra="ignore")
    id: str = Field(description="Recipient id, as events name them (client_id, manager_id).")


class WebhookIn(Body):
    """An integrator's endpoint and the events it wants."""

    url: AnyHttpUrl = Field(description="http(s) URL that receives the POSTs.")
    secret: Annotated[str, StringConstraints(min_length=16, max_length=256)] = Field(
        description="Shared secret of the HMAC-SHA256 signature; never returned."
    )
    event_types: list[NotifyingTopic] = Field(
        default_factory=list, description="Event types to receive; empty: all of them."
    )
    active: bool = Field(default=True, description="False pauses the subscription.")


class WebhookOut(BaseModel):
    """A subscription as stored, without its secret."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(description="Subscription id.")
    url: str = Field(description="Receiving URL.")
    event_types: list[str] = Field(description="Event types received; empty: all.")
    active: bool = Field(description="Whether events are sent.")
    created_at: datetime | None = Field(default=None, description="When it was created.")
    updated_at: datetime | None = Field(default=None, description="When it last changed.")


class TemplateIn(Body):
    """Jinja2 sources; the subject is used by e-mail only."""

    subject: Annotated[str, StringConstraints(max_length=1_000)] = Field(
        default="", description="Subject line (e-mail)."
    )
    body: Annotated[str, StringConstraints(min_length=1, max_length=20_000)] = Field(
        description="Body: HTML for e-mail (autoescaped), plain text for SMS and messenger."
    )


class TemplateOut(BaseModel):
    """A template in effect, and whether it is the built-in one or the team's own."""

    event_kind: str = Field(description="What the message is about.")
    channel: TemplateChannel = Field(description="email, sms or messenger.")
    locale: Locale = Field(description="ru or en.")
    subject: str = Field(description="Subject source.")
    body: str = Field(description="Body source.")
    origin: Literal["builtin", "custom"] = Field(description="Built-in default or override.")
    updated_at: datetime | None = Field(default=None, description="When the override was saved.")


class DeliveryOut(BaseModel):
    """One delivery: its status and why, attempts, the provider's answer and its history."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(description="Idempotency key of (source event, recipient, channel).")
    status: DeliveryStatus
    reason: str | None = Field(default=None, description="Why suppressed, deferred or failed.")
    event_kind: str
    recipient_id: str
    recipient_kind: str
    channel: Channel
    urgent: bool = False
    source_event_id: str = Field(description="Id of the consumed event.")
    source_id: str = Field(
        description="Deduplication id (the reminder id for payment.due and "
        "meeting.reminder_due, `task.overdue:<task_id>:<level>` for task.overdue)."
    )
    source_type: str
    attempts: int
    next_attempt_at: datetime | None = None
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None = None
    provider: dict[str, Any] | None = Field(default=None, description="Provider status and id.")
    last_error: str | None = None
    history: list[dict[str, Any]] = Field(default_factory=list)


class DeliveryPage(BaseModel):
    """One page of the delivery log, newest first."""

    items: list[DeliveryOut]
    total: int = Field(description="How many match the filters.")
    offset: int = Field(description="Offset of this page.")
    next_offset: int | None = Field(description="Offset of the next page, if any.")


class TemplateProblems(BaseModel):
    """Why a template was refused."""

    error: Literal["invalid_template"] = "invalid_template"
    problems: list[str] = Field(description="Line, part and what is wrong; no context values.")
