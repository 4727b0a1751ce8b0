"""``deal.reassigned``: an open deal moved to another manager (a stand-in during an absence)."""

from typing import ClassVar

from pydantic import Field

from shared.contracts.events.base import EventModel
from shared.contracts.topics import Topic
from shared.contracts.values import EntityId, ShortText, UtcDatetime


class DealReassignedV1(EventModel):
    """The deal's owner changed; its stage did not."""

    event_type: ClassVar[str] = Topic.DEAL_REASSIGNED.value
    event_version: ClassVar[int] = 1

    deal_id: EntityId = Field(description="Id of the deal (the Kafka key).", examples=["deal-7f3a"])
    from_manager_id: EntityId = Field(description="The previous owner.", examples=["mgr-ivanova"])
    to_manager_id: EntityId = Field(description="The new owner.", examples=["mgr-petrov"])
    reason: ShortText = Field(
        description=(
            "Why: `absence` (the owner's deputy took over), `left` (the owner left; their"
            " deputy, else their team lead, took over) or `manual`."
        ),
        examples=["absence"],
    )
    team: EntityId | None = Field(
        default=None, description="The deal's team.", examples=["moscow-sales"]
    )
    reassigned_at: UtcDatetime = Field(
        description="When the deal changed hands.", examples=["2026-11-30T08:00:00Z"]
    )
