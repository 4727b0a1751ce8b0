"""``person.changed``: the directory of the sales department's people (a compacted topic)."""

from datetime import date
from typing import ClassVar

from pydantic import Field

from shared.contracts.events.base import EventModel
from shared.contracts.topics import Topic
from shared.contracts.values import DecimalString, EntityId, UtcDatetime


class PersonChangedV1(EventModel):
    """A person as the leads roster now holds them; the newest `changed_at` wins."""

    event_type: ClassVar[str] = Topic.PERSON_CHANGED.value
    event_version: ClassVar[int] = 1

    person_id: EntityId = Field(
        description="The person's id, as tokens name them (the Kafka key).",
        examples=["mgr-ivanova"],
    )
    name: str = Field(max_length=200, description="Display name.", examples=["Анна Иванова"])
    team: EntityId | None = Field(
        default=None, description="The team they work in.", examples=["moscow-sales"]
    )
    role: EntityId = Field(description="manager, team_lead or head_of_sales.", examples=["manager"])
    time_zone: str = Field(
        max_length=64,
        description="IANA time zone of their working day.",
        examples=["Europe/Moscow"],
    )
    capacity: int = Field(ge=0, description="Open leads they may hold at once.", examples=[30])
    active: bool = Field(description="False once they left the department.", examples=[True])
    present: bool = Field(description="False while away.", examples=[True])
    absent_until: date | None = Field(
        default=None,
        description="The last day of a declared absence.",
        examples=["2026-12-14"],
    )
    deputy_id: EntityId | None = Field(
        default=None,
        description="Who takes over their open leads and deals while they are absent.",
        examples=["mgr-petrov"],
    )
    email: str | None = Field(
        default=None,
        max_length=254,
        description="Work e-mail, for notifications.",
        examples=["a.ivanova@voronka.example"],
    )
    messenger_chat_id: str | None = Field(
        default=None,
        max_length=128,
        description="Messenger chat, for notifications.",
        examples=["100200300"],
    )
    max_discount_percent: DecimalString | None = Field(
        default=None,
        ge=0,
        le=100,
        description="The largest discount they grant without the head of sales; "
        "absent: the deals service's default.",
        examples=["7.5"],
    )
    changed_at: UtcDatetime = Field(
        description="When the roster changed; consumers keep the newest.",
        examples=["2026-11-30T07:30:00Z"],
    )
