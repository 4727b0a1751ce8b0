"""``client.segment_changed``: a client moved between purchase segments (hot, warm, ...)."""

from datetime import date
from typing import ClassVar

from pydantic import Field

from shared.contracts.events.base import EventModel
from shared.contracts.topics import Topic
from shared.contracts.values import EntityId, UtcDatetime


class ClientSegmentChangedV1(EventModel):
    """Reporting recomputed a client's segment and it changed; the manager's cadence follows."""

    event_type: ClassVar[str] = Topic.CLIENT_SEGMENT_CHANGED.value
    event_version: ClassVar[int] = 1

    client_id: EntityId = Field(description="Client (the Kafka key).", examples=["client-5521"])
    from_segment: EntityId | None = Field(
        default=None, description="Previous segment; absent for a new client.", examples=["hot"]
    )
    to_segment: EntityId = Field(
        description="hot, warm, cooling, sleeping or new.", examples=["warm"]
    )
    last_purchase_on: date | None = Field(
        default=None, description="Date of the last won deal.", examples=["2026-01-15"]
    )
    manager_id: EntityId | None = Field(
        default=None, description="Manager of the client's last deal.", examples=["mgr-ivanova"]
    )
    changed_at: UtcDatetime = Field(
        description="When the change was computed.", examples=["2026-05-01T00:00:00Z"]
    )
