"""``deal.stage_changed``: a deal entered a pipeline stage (creation included)."""

from datetime import date
from enum import StrEnum
from typing import Annotated, ClassVar, Self

from pydantic import Field, model_validator

from shared.contracts.events.base import ContractModel, EventModel
from shared.contracts.events.money import Money
from shared.contracts.topics import Topic
from shared.contracts.values import DecimalString, EntityId, LongText, ShortText, UtcDatetime


class StageKind(StrEnum):
    """Whether a stage keeps the deal open or closes it."""

    OPEN = "open"
    WON = "won"
    LOST = "lost"


Probability = Annotated[DecimalString, Field(ge=0, le=1, max_digits=28, allow_inf_nan=False)]


class StageLine(ContractModel):
    """A line of the deal as it stood at the change: what, how many, for how much."""

    sku: EntityId | None = Field(
        default=None, description="Catalogue SKU; absent for a free line.", examples=["PUMP-50"]
    )
    product: ShortText = Field(description="Product as named on the line.", examples=["Насос"])
    quantity: DecimalString = Field(description="Quantity.", examples=["2"])
    net: Money = Field(
        description="What the client pays for the line, after discount.",
        examples=[{"amount": "285000.00", "currency": "RUB"}],
    )


class DealStageChangedV1(EventModel):
    """A deal moved from one stage to another, or was created in its first stage.

    Stages are configurable per pipeline, so they travel as stage ids, not as an enum;
    consumers that care about "won"/"lost" read the pipeline configuration.
    """

    event_type: ClassVar[str] = Topic.DEAL_STAGE_CHANGED.value
    event_version: ClassVar[int] = 1

    deal_id: EntityId = Field(description="Id of the deal (the Kafka key).", examples=["deal-7f3a"])
    pipeline_id: EntityId = Field(
        description="Id of the pipeline the deal runs in.", examples=["pipeline-wholesale"]
    )
    from_stage: EntityId | None = Field(
        default=None,
        description="Stage the deal left; absent when the deal was just created.",
        examples=["proposal"],
    )
    to_stage: EntityId = Field(description="Stage the deal entered.", examples=["negotiation"])
    changed_at: UtcDatetime = Field(
        description="When the stage changed.", examples=["2025-03-14T11:05:00Z"]
    )
    changed_by: EntityId = Field(
        description="User id of whoever moved the deal, or 'system' for automatic moves.",
        examples=["user-42", "system"],
    )
    amount: Money = Field(
        description="Deal amount at the moment of the change.",
        examples=[{"amount": "1250000.00", "currency": "RUB"}],
    )
    client_id: EntityId | None = Field(
        default=None,
        description="Id of the client company, once the deal has one.",
        examples=["client-5521"],
    )
    manager_id: EntityId = Field(
        description="Id of the manager responsible for the deal.", examples=["user-42"]
    )
    lost_reason: LongText | None = Field(
        default=None,
        description="Why the deal was lost, when it moved to a lost stage.",
        examples=["Выбрали поставщика с более коротким сроком поставки"],
    )
    stage_probability: Probability | None = Field(
        default=None,
        description="Win probability the pipeline assigns to the new stage, from 0 to 1.",
        examples=["0.6"],
    )

    to_stage_kind: StageKind | None = Field(
        default=None,
        description="Whether the new stage is still open, or the deal is won or lost.",
        examples=["open"],
    )
    lead_id: EntityId | None = Field(
        default=None,
        description="Lead the deal was converted from, if any.",
        examples=["lead-3f9c2a"],
    )
    channel: EntityId | None = Field(
        default=None,
        description="Channel the deal's lead came through (lead.received channels).",
        examples=["web_form"],
    )
    team: EntityId | None = Field(
        default=None, description="Team of the responsible manager.", examples=["moscow-sales"]
    )
    expected_close_on: date | None = Field(
        default=None, description="When the deal is expected to close.", examples=["2026-04-30"]
    )
    lines: list[StageLine] | None = Field(
        default=None,
        max_length=500,
        description="The deal's lines at the change (products, quantities, net amounts).",
        examples=[
            [
                {
                    "sku": "PUMP-50",
                    "product": "Насос Н-50",
                    "quantity": "2",
                    "net": {"amount": "285000.00", "currency": "RUB"},
                }
            ]
        ],
    )

    @model_validator(mode="after")
    def _stage_really_changed(self) -> Self:
        if self.from_stage is not None and self.from_stage == self.to_stage:
            raise ValueError("from_stage and to_stage must differ")
        return self
