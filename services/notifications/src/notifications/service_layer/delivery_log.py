"""Reading the delivery log: who was told what, when, over which channel, and why not."""

from __future__ import annotations

from dataclasses import dataclass

from notifications.domain.delivery import Delivery, DeliveryQuery
from notifications.service_layer.ports import DeliveryRepository


@dataclass(frozen=True, slots=True)
class DeliveryPage:
    """One page of deliveries, newest first, with how many match in all."""

    items: list[Delivery]
    total: int
    offset: int

    @property
    def next_offset(self) -> int | None:
        """Offset of the next page, or None on the last one."""
        following = self.offset + len(self.items)
        return following if following < self.total else None


class DeliveryLog:
    """Queries of the delivery log."""

    def __init__(self, deliveries: DeliveryRepository) -> None:
        self._deliveries = deliveries

    async def page(self, query: DeliveryQuery, *, offset: int, limit: int) -> DeliveryPage:
        """The deliveries matching `query`, `limit` of them from `offset`."""
        items, total = await self._deliveries.search(query, offset=offset, limit=limit)
        return DeliveryPage(items, total, offset)

    async def get(self, delivery_id: str) -> Delivery | None:
        """One delivery with its history, or None."""
        return await self._deliveries.get(delivery_id)
