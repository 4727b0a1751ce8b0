"""What invoices, contracts and the client card read of deals: terms and won amounts."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from deals.adapters.money_fields import money_from_field
from deals.domain.deal_terms import DealTerms
from deals.domain.money import Money


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
