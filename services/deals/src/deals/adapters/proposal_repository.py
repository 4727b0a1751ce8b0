"""Proposals in MongoDB: one document per deal's proposal with all its versions."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from deals.adapters.money_fields import money_field, money_from_field
from deals.domain.documents import DocumentLine
from deals.domain.proposal import Proposal, ProposalState, ProposalVersion
from shared.platform.clock import Clock
from shared.platform.repository import Document, MessageOf, MongoRepository

Record = dict[str, Any]


def _line(line: DocumentLine) -> dict[str, Any]:
    return {
        "number": line.number,
        "product": line.product,
        "unit": line.unit,
        "quantity": str(line.quantity),
        "unit_price": money_field(line.unit_price),
        "discount_percent": str(line.discount_percent),
        "vat_rate": None if line.vat_rate is None else str(line.vat_rate),
        "sku": line.sku,
        "amount": money_field(line.amount),
    }


def _line_of(stored: Mapping[str, Any]) -> DocumentLine:
    rate = stored.get("vat_rate")
    return DocumentLine(
        number=int(stored["number"]),
        product=stored["product"],
        unit=stored["unit"],
        quantity=Decimal(stored["quantity"]),
        unit_price=money_from_field(stored["unit_price"]),
        discount_percent=Decimal(stored["discount_percent"]),
        vat_rate=None if rate is None else Decimal(rate),
        sku=stored.get("sku"),
    )


class ProposalMapper:
    """A proposal as stored: versions with their lines (amounts kept for reading)."""

    def to_document(self, proposal: Proposal) -> Document:
        """The proposal's document."""
        return {
            "_id": proposal.id,
            "number": proposal.number,
            "deal_id": proposal.deal_id,
            "client_id": proposal.client_id,
            "manager_id": proposal.manager_id,
            "state": proposal.state.value,
            "versions": [
                {
                    "version": v.version,
                    "lines": [_line(line) for line in v.lines],
                    "total": money_field(v.total),
                    "valid_until": v.valid_until.isoformat(),
                    "terms": v.terms,
                    "created_at": v.created_at,
                    "sent_at": v.sent_at,
                }
                for v in proposal.versions
            ],
            "answered_version": proposal.answered_version,
            "answered_at": proposal.answered_at,
            "answer_reason": proposal.answer_reason,
        }

    def from_document(self, document: Mapping[str, Any]) -> Proposal:
        """The proposal a stored document describes."""
        return Proposal(
            id=document["_id"],
            number=document["number"],
            deal_id=document["deal_id"],
            client_id=document.get("client_id"),
            manager_id=document["manager_id"],
            versions=[
                ProposalVersion(
                    version=int(v["version"]),
                    lines=tuple(_line_of(line) for line in v["lines"]),
                    valid_until=date.fromisoformat(v["valid_until"]),
                    terms=v.get("terms"),
                    created_at=v["created_at"],
                    sent_at=v.get("sent_at"),
                )
                for v in document["versions"]
            ],
            state=ProposalState(document["state"]),
            answered_version=document.get("answered_version"),
            answered_at=document.get("answered_at"),
            answer_reason=document.get("answer_reason"),
        )


class MongoProposalRepository(MongoRepository[Proposal]):
    """Proposals by id (one per deal)."""

    def __init__(
        self, collection: AsyncCollection[Any], *, clock: Clock, message_of: MessageOf[Proposal]
    ) -> None:
        super().__init__(collection, ProposalMapper(), clock=clock, message_of=message_of)

    async def record(self, proposal_id: str) -> Record | None:
        """The stored proposal as the API shows it."""
        found: Record | None = await self.collection.find_one({"_id": proposal_id}, {"_outbox": 0})
        return found
