"""Deals as documents in the `deals` collection, and the queries of the deal list."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from deals.adapters.deal_parts import (
    approval_document,
    approval_of,
    claim_document,
    claim_of,
    day_of,
    history_document,
    history_of,
    iso_day,
    line_document,
    line_of,
    shipment_document,
    shipment_of,
)
from deals.adapters.money_fields import money_field, money_from_field
from deals.domain.contracts import PaymentForm
from deals.domain.deal import Deal
from deals.domain.deal_search import DealFilter
from deals.domain.pipeline import StageKind
from deals.domain.source import SOURCE
from shared.platform.clock import Clock
from shared.platform.mongo import count_matching
from shared.platform.repository import Document, MongoRepository, message_on_own_topic

LIST_ORDER = [("updated_at", -1), ("_id", 1)]
STUCK_ORDER = [("stage_entered_at", 1), ("_id", 1)]
"""Stuck deals: the longest waiting first."""
"""Newest activity first; the id breaks ties so pages never overlap."""
HIDDEN = {"_outbox": 0}
"""A list never needs the pending events."""


class DealMapper:
    """A deal as one document; field names are those every reader of `deals` knows."""

    def to_document(self, deal: Deal) -> Document:
        """The deal's state (without revision or outbox)."""
        return {
            "_id": deal.id,
            "title": deal.title,
            "manager_id": deal.manager_id,
            "team": deal.team,
            "client_id": deal.client_id,
            "lead_id": deal.lead_id,
            "channel": deal.channel,
            "source": deal.source,
            "prospect": None if deal.prospect is None else dict(deal.prospect),
            "request_text": deal.request_text,
            "line_items": [line_document(line) for line in deal.line_items],
            "amount": money_field(deal.amount),
            "expected_close_on": iso_day(deal.expected_close_on),
            "proposal": {"sent_on": iso_day(deal.proposal_sent_on)},
            "payment_form": None if deal.payment_form is None else deal.payment_form.value,
            "contract": None if deal.contract is None else dict(deal.contract),
            "pipeline_id": deal.pipeline_id,
            "stage": deal.stage,
            "stage_kind": deal.stage_kind.value,
            "stage_entered_at": deal.stage_entered_at,
            "approval": approval_document(deal.approval),
            "shipments": {key: shipment_document(s) for key, s in deal.shipments.items()},
            "claims": {key: claim_document(c) for key, c in deal.claims.items()},
            "history": [history_document(entry) for entry in deal.history],
            "lost_reason": deal.lost_reason,
            "closed_at": deal.closed_at,
            "created_at": deal.created_at,
            "updated_at": deal.updated_at,
        }

    def from_document(self, document: Mapping[str, Any]) -> Deal:
        """The deal a stored document describes (fields a deal did not have yet are empty)."""
        proposal = document.get("proposal") or {}
        payment_form = document.get("payment_form")
        return Deal(
            id=document["_id"],
            title=document.get("title"),
            manager_id=document["manager_id"],
            pipeline_id=document["pipeline_id"],
            stage=document["stage"],
            stage_kind=StageKind(document.get("stage_kind", StageKind.OPEN.value)),
            stage_entered_at=document["stage_entered_at"],
            amount=money_from_field(document["amount"]),
            created_at=document["created_at"],
            updated_at=document["updated_at"],
            team=document.get("team"),
            client_id=document.get("client_id"),
            lead_id=document.get("lead_id"),
            channel=document.get("channel"),
            source=document.get("source"),
            prospect=document.get("prospect"),
            request_text=document.get("request_text"),
            line_items=[line_of(line) for line in document.get("line_items") or []],
            expected_close_on=day_of(document.get("expected_close_on")),
            proposal_sent_on=day_of(proposal.get("sent_on")),
            payment_form=PaymentForm(payment_form) if payment_form else None,
            contract=document.get("contract"),
            approval=approval_of(document.get("approval")),
            shipments={key: shipment_of(s) for key, s in (document.get("shipments") or {}).items()},
            claims={key: claim_of(c) for key, c in (document.get("claims") or {}).items()},
            history=[history_of(entry) for entry in document.get("history") or []],
            lost_reason=document.get("lost_reason"),
            closed_at=document.get("closed_at"),
        )


def deal_query(search: DealFilter) -> dict[str, Any]:
    """The MongoDB filter of a deal list (manager and stage, client, pipeline are indexed)."""
    query: dict[str, Any] = {
        name: value
        for name, value in (
            ("stage", search.stage),
            ("manager_id", search.manager_id),
            ("client_id", search.client_id),
            ("pipeline_id", search.pipeline_id),
        )
        if value is not None
    }
    if search.stages is not None:
        query["stage"] = {"$in": list(search.stages)}
    if search.managers is not None:
        query["manager_id"] = {"$in": list(search.managers)}
    if search.stuck_in is not None:
        query["stage_kind"] = StageKind.OPEN.value
        query["$or"] = [
            {"pipeline_id": pipeline, "stage": {"$in": list(stages)}}
            for pipeline, stages in search.stuck_in
        ]
        if search.entered_before is not None:
            query["stage_entered_at"] = {"$lt": search.entered_before}
    return query


class MongoDealRepository(MongoRepository[Deal]):
    """Deals in MongoDB, with their events in each deal's own outbox."""

    def __init__(self, collection: AsyncCollection[Any], *, clock: Clock) -> None:
        super().__init__(
            collection, DealMapper(), clock=clock, message_of=message_on_own_topic(SOURCE)
        )

    async def page(self, search: DealFilter, *, offset: int, limit: int) -> tuple[list[Deal], int]:
        """One page of the deals matching, newest activity first, and how many match in all."""
        query = deal_query(search)
        total = await count_matching(self.collection, query)
        order = LIST_ORDER if search.stuck_in is None else STUCK_ORDER
        cursor = self.collection.find(query, HIDDEN).sort(order).skip(offset).limit(limit)
        return [self._load(document) async for document in cursor], total

    async def open_ids_of(self, manager_id: str) -> list[str]:
        """Ids of the manager's open deals, by id."""
        query = {"manager_id": manager_id, "stage_kind": StageKind.OPEN.value}
        cursor = self.collection.find(query, {"_id": 1}).sort("_id", 1)
        return [str(document["_id"]) async for document in cursor]
