"""The deals service's MongoDB collections (their indexes are declared in `indexes`)."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from shared.platform.mongo import count_matching

Doc = dict[str, Any]


class DealsStore:
    """Clients, pipelines, deals, invoices, contracts, tasks, meetings, activities, settings.

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
        self.tasks: AsyncCollection[Any] = db["tasks"]
        self.activities: AsyncCollection[Any] = db["activities"]
        self.meetings: AsyncCollection[Any] = db["meetings"]
        self.meeting_seats: AsyncCollection[Any] = db["meeting_seats"]
        self.leads_to_call: AsyncCollection[Any] = db["leads_to_call"]
        self.products: AsyncCollection[Any] = db["products"]
        self.proposals: AsyncCollection[Any] = db["proposals"]
        self.parked_activities: AsyncCollection[Any] = db["parked_activities"]

    @property
    def with_outbox(self) -> list[AsyncCollection[Any]]:
        """Collections whose documents hold pending events."""
        return [
            self.deals,
            self.invoices,
            self.contracts,
            self.tasks,
            self.activities,
            self.meetings,
            self.proposals,
        ]

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
        total = await count_matching(collection, query)
        projection = {"_outbox": 0}
        cursor = collection.find(query, projection).sort(sort).skip(offset).limit(limit)
        return [doc async for doc in cursor], total
