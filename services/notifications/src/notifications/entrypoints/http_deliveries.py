"""HTTP API of the delivery log: who was told what, when, over which channel, and why not."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from notifications.adapters.delivery_store import MongoDeliveryStore
from notifications.domain.model import DeliveryStatus
from notifications.entrypoints.api_models import DeliveryOut, DeliveryPage
from notifications.entrypoints.http_common import ResourceId, not_found, with_id

IdFilter = Annotated[str | None, Query(min_length=1, max_length=200)]


def deliveries_router(deliveries: MongoDeliveryStore) -> APIRouter:
    """Routes under /v1/deliveries."""
    router = APIRouter(prefix="/v1/deliveries", tags=["deliveries"])

    @router.get("", response_model=DeliveryPage, summary="The delivery log, newest first")
    async def list_deliveries(
        recipient_id: IdFilter = None,
        status: DeliveryStatus | None = None,
        source_event_id: Annotated[
            str | None,
            Query(
                min_length=1,
                max_length=200,
                description="Event id, or the reminder id of a payment.due.",
            ),
        ] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    ) -> dict[str, Any]:
        # Filters are plain strings and enum values: nothing from the request becomes an
        # operator in the query.
        query: dict[str, Any] = {}
        if recipient_id is not None:
            query["recipient_id"] = recipient_id
        if status is not None:
            query["status"] = status.value
        if source_event_id is not None:
            query["$or"] = [{"source_event_id": source_event_id}, {"source_id": source_event_id}]
        docs, total = await deliveries.search(query, offset=offset, limit=limit)
        items = [with_id(doc) for doc in docs]
        following = offset + len(items)
        return {
            "items": items,
            "total": total,
            "offset": offset,
            "next_offset": following if following < total else None,
        }

    @router.get(
        "/{delivery_id}",
        response_model=DeliveryOut,
        summary="One delivery with its history",
        responses={404: {"description": "Unknown delivery"}},
    )
    async def get_delivery(delivery_id: ResourceId) -> Any:
        doc = await deliveries.get(delivery_id)
        return with_id(doc) if doc else not_found("delivery")

    return router
