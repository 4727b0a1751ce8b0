"""What deals read from other records: a client's discount profile, a deal's invoices."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from deals.domain.deal import Paperwork
from deals.domain.discounts import ClientSegment, ClientType


class MongoClientProfiles:
    """Reads the `clients` collection: whether a client exists, its segment and type."""

    def __init__(self, clients: AsyncCollection[Any]) -> None:
        self._clients = clients

    async def exists(self, client_id: str) -> bool:
        """Whether a client with this id is on file."""
        return await self._clients.find_one({"_id": client_id}, {"_id": 1}) is not None

    async def discount_profile(
        self, client_id: str
    ) -> tuple[ClientSegment | None, ClientType | None]:
        """The client's segment and type, where known (unknown values count as none)."""
        client = await self._clients.find_one({"_id": client_id}, {"segment": 1, "type": 1})
        segment, client_type = (client or {}).get("segment"), (client or {}).get("type")
        return (
            ClientSegment(segment) if segment in set(ClientSegment) else None,
            ClientType(client_type) if client_type in set(ClientType) else None,
        )


class MongoDealPaperwork:
    """Reads the `invoices` collection: a deal's first invoice and its first payment."""

    def __init__(self, invoices: AsyncCollection[Any]) -> None:
        self._invoices = invoices

    async def of_deal(self, deal_id: str) -> Paperwork:
        """The first invoice issued on the deal and the earliest payment on any of them."""
        cursor = self._invoices.find({"deal_id": deal_id}).sort("issued_at", 1)
        invoices = [document async for document in cursor]
        paid_at = sorted(p["paid_at"] for inv in invoices for p in inv.get("payments", []))
        return Paperwork(
            first_invoice_id=invoices[0]["_id"] if invoices else None,
            first_paid_at=paid_at[0] if paid_at else None,
        )
