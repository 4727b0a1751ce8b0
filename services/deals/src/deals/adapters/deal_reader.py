"""What invoices, contracts and the client card read of deals: terms and won amounts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from deals.adapters.money_fields import money_from_field
from deals.domain.deal_terms import DealTerms
from deals.domain.money import Money
from deals.domain.task_rules import WaitingDeal


class MongoDealReader:
    """Reads the deals collection; never writes it (the deal aggregate owns it)."""

    def __init__(self, deals: AsyncCollection[Any]) -> None:
        self._deals = deals

    async def terms(self, deal_id: str) -> DealTerms | None:
        """Who pays, who is responsible and how much, or None for an unknown deal."""
        found = await self._deals.find_one(
            {"_id": deal_id}, {"client_id": 1, "manager_id": 1, "amount": 1}
        )
        if found is None:
            return None
        amount = found.get("amount")
        return DealTerms(
            deal_id=deal_id,
            client_id=found.get("client_id"),
            manager_id=found["manager_id"],
            amount=money_from_field(amount) if amount else None,
        )

    async def won_amounts(self, client_id: str) -> list[Money]:
        """The amounts of the client's won deals."""
        cursor = self._deals.find({"client_id": client_id, "stage_kind": "won"}, {"amount": 1})
        return [money_from_field(deal["amount"]) async for deal in cursor]

    async def entered_between(self, after: datetime, until: datetime) -> list[WaitingDeal]:
        """Open deals that entered their current stage in (`after`, `until`]."""
        query = {"stage_kind": "open", "stage_entered_at": {"$gt": after, "$lte": until}}
        fields = {f: 1 for f in ("manager_id", "team", "client_id", "pipeline_id", "stage")}
        cursor = self._deals.find(query, {**fields, "stage_entered_at": 1})
        return [
            WaitingDeal(
                deal_id=str(doc["_id"]),
                manager_id=doc["manager_id"],
                team=doc.get("team"),
                client_id=doc.get("client_id"),
                pipeline_id=doc["pipeline_id"],
                stage=doc["stage"],
                entered_at=doc["stage_entered_at"],
            )
            async for doc in cursor.sort([("stage_entered_at", 1), ("_id", 1)])
        ]
