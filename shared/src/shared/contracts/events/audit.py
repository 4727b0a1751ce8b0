"""``audit.recorded``: a service changed a record on somebody's request, for a SIEM."""

from typing import Any, ClassVar, Literal

from pydantic import Field

from shared.contracts.events.base import EventModel
from shared.contracts.topics import Topic
from shared.contracts.values import EntityId, UtcDatetime

ActorKind = Literal["person", "key", "open"]


class AuditRecordedV1(EventModel):
    """One entry of a service's append-only audit trail; personal data is already redacted."""

    event_type: ClassVar[str] = Topic.AUDIT_RECORDED.value
    event_version: ClassVar[int] = 1

    entry_id: EntityId = Field(
        description="The entry's id in the service's trail; it begins with its time.",
        examples=["20261130T071502.123456Z-1a2b3c4d"],
    )
    service: EntityId = Field(description="The service that made the change.", examples=["deals"])
    actor: EntityId = Field(
        description="The person (their id) or the API key (its id) that asked for the change.",
        examples=["mgr-ivanova"],
    )
    actor_kind: ActorKind = Field(
        description="`person` (a token), `key` (a system) or `open` (no credentials configured).",
        examples=["person"],
    )
    action: str = Field(
        max_length=256,
        description="The request's method and route template.",
        examples=["POST /v1/deals/{deal_id}/stage"],
    )
    request_id: EntityId = Field(
        description="The request's `X-Request-Id`.", examples=["5f2c9e0b7d1a4c3e8b6f0a9d2e4c1b7a"]
    )
    kind: EntityId = Field(
        description="What kind of record changed (its collection), or `request` for none.",
        examples=["deals"],
    )
    record_id: str | None = Field(
        default=None,
        max_length=256,
        description="The changed record's id (the Kafka key).",
        examples=["deal-000123"],
    )
    changes: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            "Changed top-level fields: `{field: {before, after}}`, or `{field: {added}}` for "
            "items appended to a list; personal values read `[redacted]`."
        ),
        examples=[{"stage": {"before": "proposal", "after": "negotiation"}}],
    )
    at: UtcDatetime = Field(
        description="When the change was recorded.", examples=["2026-11-30T07:15:02Z"]
    )
