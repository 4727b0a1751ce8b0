"""Shipments and claims on deals: delivery tracked to completion, complaints and their causes."""

from datetime import date
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from shared.contracts.events.base import EventModel
from shared.contracts.topics import Topic
from shared.contracts.values import EntityId, LongText, UtcDatetime


class ShipmentStatus(StrEnum):
    """Where a shipment is."""

    PLANNED = "planned"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    RETURNED = "returned"


class ClaimStatus(StrEnum):
    """Where a claim is."""

    OPEN = "open"
    INVESTIGATING = "investigating"
    RESOLVED = "resolved"
    REJECTED = "rejected"


class ShipmentStatusChangedV1(EventModel):
    """A shipment was planned, shipped, delivered or returned."""

    event_type: ClassVar[str] = Topic.SHIPMENT_STATUS_CHANGED.value
    event_version: ClassVar[int] = 1

    shipment_id: EntityId = Field(description="Shipment.", examples=["shp-1"])
    deal_id: EntityId = Field(description="Deal (the Kafka key).", examples=["deal-7f3a"])
    client_id: EntityId | None = Field(default=None, description="Client.", examples=["client-1"])
    manager_id: EntityId = Field(description="Responsible manager.", examples=["mgr-ivanova"])
    status: ShipmentStatus = Field(description="New status.", examples=["shipped"])
    on: date = Field(
        description="Date of the change (planned date when planned).", examples=["2026-03-20"]
    )
    changed_at: UtcDatetime = Field(description="When recorded.", examples=["2026-03-20T08:00:00Z"])


class ClaimStatusChangedV1(EventModel):
    """A claim (претензия, рекламация) was opened, investigated, resolved or rejected."""

    event_type: ClassVar[str] = Topic.CLAIM_STATUS_CHANGED.value
    event_version: ClassVar[int] = 1

    claim_id: EntityId = Field(description="Claim.", examples=["clm-1"])
    deal_id: EntityId = Field(description="Deal (the Kafka key).", examples=["deal-7f3a"])
    client_id: EntityId | None = Field(default=None, description="Client.", examples=["client-1"])
    manager_id: EntityId = Field(description="Responsible manager.", examples=["mgr-ivanova"])
    category: EntityId = Field(
        description="quality, quantity, delivery_delay, damage, documents or other.",
        examples=["quality"],
    )
    status: ClaimStatus = Field(description="New status.", examples=["open"])
    resolution: LongText | None = Field(
        default=None, description="How it was resolved or why rejected.", examples=["Замена"]
    )
    changed_at: UtcDatetime = Field(description="When recorded.", examples=["2026-03-25T08:00:00Z"])
