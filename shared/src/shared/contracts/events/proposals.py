"""``proposal.sent``, ``proposal.accepted`` and ``proposal.declined``: a commercial proposal."""

from typing import Annotated, Any, ClassVar

from pydantic import Field

from shared.contracts.events.base import ContractModel, EventModel
from shared.contracts.events.money import Money
from shared.contracts.topics import Topic
from shared.contracts.values import EntityId, ShortText, UtcDatetime

MAX_DOCUMENT_BASE64 = 900_000
"""About 660 KB of PDF, so the event stays under Kafka's default 1 MB message (a proposal of a
few pages is 12–60 KB)."""


class Attachment(ContractModel):
    """A document sent along, base64-encoded."""

    filename: ShortText = Field(description="File name.", examples=["КП-2026-0007-v2.pdf"])
    media_type: ShortText = Field(description="MIME type.", examples=["application/pdf"])
    content_base64: Annotated[str, Field(max_length=MAX_DOCUMENT_BASE64)] = Field(
        description="The file, base64.", examples=["JVBERi0xLjcK"]
    )


def _proposal_id() -> Any:
    return Field(description="Id of the proposal (the Kafka key).", examples=["proposal-9c1e"])


class ProposalSentV1(EventModel):
    """A version of a proposal went to the client: its PDF and the links to answer it."""

    event_type: ClassVar[str] = Topic.PROPOSAL_SENT.value
    event_version: ClassVar[int] = 1

    proposal_id: EntityId = _proposal_id()
    number: ShortText = Field(description="Proposal number.", examples=["КП-2026-0007"])
    version: int = Field(ge=1, description="Version sent.", examples=[2])
    deal_id: EntityId = Field(description="The deal.", examples=["deal-7f3a"])
    client_id: EntityId | None = Field(default=None, description="The client.", examples=["c-1"])
    manager_id: EntityId = Field(description="Who sent it.", examples=["mgr-ivanova"])
    recipient_email: ShortText | None = Field(
        default=None,
        description="Where to send it, when the manager named an address.",
        examples=["buyer@example.com"],
    )
    total: Money = Field(
        description="Total to pay, VAT included.",
        examples=[{"amount": "285000.00", "currency": "RUB"}],
    )
    valid_until: ShortText = Field(description="Last day it holds (ISO).", examples=["2026-03-16"])
    accept_url: ShortText = Field(
        description="Signed link by which the client accepts.",
        examples=["https://crm.example.com/p/proposal-9c1e/accept?v=2&sig=..."],
    )
    decline_url: ShortText = Field(
        description="Signed link by which the client declines.",
        examples=["https://crm.example.com/p/proposal-9c1e/decline?v=2&sig=..."],
    )
    document: Attachment = Field(
        description="The PDF.",
        examples=[
            {
                "filename": "КП-2026-0007-v2.pdf",
                "media_type": "application/pdf",
                "content_base64": "JVBERi0xLjcK",
            }
        ],
    )
    sent_at: UtcDatetime = Field(description="When.", examples=["2026-03-02T09:00:00Z"])


class ProposalAcceptedV1(EventModel):
    """The client accepted a version of a proposal (by its link, or as the manager recorded)."""

    event_type: ClassVar[str] = Topic.PROPOSAL_ACCEPTED.value
    event_version: ClassVar[int] = 1

    proposal_id: EntityId = _proposal_id()
    version: int = Field(ge=1, description="Version accepted.", examples=[2])
    deal_id: EntityId = Field(description="The deal.", examples=["deal-7f3a"])
    client_id: EntityId | None = Field(default=None, description="The client.", examples=["c-1"])
    manager_id: EntityId = Field(description="The deal's manager.", examples=["mgr-ivanova"])
    total: Money = Field(
        description="Total accepted.", examples=[{"amount": "285000.00", "currency": "RUB"}]
    )
    via: EntityId = Field(description="`link` (the client) or `manager`.", examples=["link"])
    decided_at: UtcDatetime = Field(description="When.", examples=["2026-03-03T10:00:00Z"])


class ProposalDeclinedV1(EventModel):
    """The client declined a version of a proposal."""

    event_type: ClassVar[str] = Topic.PROPOSAL_DECLINED.value
    event_version: ClassVar[int] = 1

    proposal_id: EntityId = _proposal_id()
    version: int = Field(ge=1, description="Version declined.", examples=[2])
    deal_id: EntityId = Field(description="The deal.", examples=["deal-7f3a"])
    client_id: EntityId | None = Field(default=None, description="The client.", examples=["c-1"])
    manager_id: EntityId = Field(description="The deal's manager.", examples=["mgr-ivanova"])
    via: EntityId = Field(description="`link` (the client) or `manager`.", examples=["manager"])
    reason: ShortText | None = Field(default=None, description="Why, if said.", examples=["Дорого"])
    decided_at: UtcDatetime = Field(description="When.", examples=["2026-03-03T10:00:00Z"])
