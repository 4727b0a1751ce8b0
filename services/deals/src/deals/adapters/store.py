"""The deals service's MongoDB collections and their indexes."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from shared.platform.outbox import ensure_outbox_indexes

Doc = dict[str, Any]


class DealsStore:
    """Clients, pipelines, deals, invoices, contracts and settings: one collection each.

    Every aggregate document carries a `rev` (see shared.platform.repository) and, where it
    publishes events, its own outbox.
    """

    def __init__(self, db: AsyncDatabase[Any]) -> None:
        self.clients: AsyncCollection[Any] = db["clients"]
        self.pipelines: AsyncCollection[Any] = db["pipelines"]
        self.deals: AsyncCollection[Any] = db["deals"]
        self.invoices: AsyncCollection[Any] = db["invoices"]
        self.contracts: AsyncCollection[Any] = db["contracts"]
        self.settings: AsyncCollection[Any] = db["deal_settings"]

    @property
    def with_outbox(self) -> list[AsyncCollection[Any]]:
        """Collections whose documents hold pending events."""
        return [self.deals, self.invoices, self.contracts]

    async def ensure_indexes(self) -> None:
        """Unique INN, and indexes for timers, lists and lookups."""
        for collection in self.with_outbox:
            await ensure_outbox_indexes(collection)
        await self.clients.create_index("inn_key", unique=True)
        await self.clients.create_index("name")
        await self.deals.create_index([("manager_id", ASCENDING), ("stage", ASCENDING)])
        await self.deals.create_index("client_id")
        await self.deals.create_index([("updated_at", DESCENDING)])
        await self.invoices.create_index("deal_id")
        await self.invoices.create_index("client_id")
        await self.invoices.create_index("next_reminder_at")
        await self.contracts.create_index("next_reminder_at")
        await self.contracts.create_index("client_id")

    @staticmethod
    async def page(
        collection: AsyncCollection[Any],
        query: dict[str, Any],
        *,
        sort: list[tuple[str, int]],
        offset: int,
        limit: int,
    ) -> tuple[list[Doc], int]:
        """One page of documents and the total matching."""
        total = await collection.count_documents(query)
        projection = {"_outbox": 0, "_inbox": 0}
        cursor = collection.find(query, projection).sort(sort).skip(offset).limit(limit)
        return [doc async for doc in cursor], total
