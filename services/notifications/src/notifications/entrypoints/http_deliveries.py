"""HTTP API of the delivery log: who was told what, when, over which channel, and why not."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from notifications.domain.delivery import Delivery, DeliveryQuery
from notifications.domain.model import DeliveryStatus
from notifications.entrypoints.access import STAFF_OVERSIGHT
from notifications.entrypoints.api_models import DeliveryOut, DeliveryPage
from notifications.entrypoints.http_common import ResourceId, not_found
from notifications.service_layer.delivery_log import DeliveryLog

IdFilter = Annotated[str | None, Query(min_length=1, max_length=200)]


def delivery_out(delivery: Delivery) -> DeliveryOut:
    """The API view of a delivery: no source payload, headers or outbox."""
    source, provider = delivery.source, delivery.provider
    return DeliveryOut(
        id=delivery.id,
        status=delivery.status,
        reason=delivery.reason,
        event_kind=delivery.event_kind,
        recipient_id=delivery.recipient_id,
        recipient_kind=delivery.recipient_kind,
        channel=delivery.channel,
        urgent=delivery.urgent,
        source_event_id=source.event_id,
        source_id=source.dedupe_id,
        source_type=source.type,
        attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at,
        created_at=delivery.created_at,
        updated_at=delivery.updated_at,
        sent_at=delivery.sent_at,
        provider=provider.as_record() if provider else None,
        last_error=delivery.last_error,
        history=[entry.as_record() for entry in delivery.history],
    )


def deliveries_router(log: DeliveryLog) -> APIRouter:
    """Routes under /v1/deliveries."""
    router = APIRouter(prefix="/v1/deliveries", tags=["deliveries"])

    @router.get(
        "",
        response_model=DeliveryPage,
        summary="The delivery log, newest first",
        dependencies=[STAFF_OVERSIGHT],
    )
    async def list_deliveries(
        recipient_id: IdFilter = None,
        status: DeliveryStatus | None = None,
        source_event_id: Annotated[
            str | None,
            Query(
                min_length=1,
                max_length=200,
                description="Event id, the reminder id of a payment.due or a "
                "meeting.reminder_due, or `task.overdue:<task_id>:<level>`.",
            ),
        ] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    ) -> dict[str, Any]:
        query = DeliveryQuery(recipient_id, status, source_event_id)
        page = await log.page(query, offset=offset, limit=limit)
        return {
            "items": [delivery_out(delivery) for delivery in page.items],
            "total": page.total,
            "offset": page.offset,
            "next_offset": page.next_offset,
        }

    @router.get(
        "/{delivery_id}",
        response_model=DeliveryOut,
        summary="One delivery with its history",
        responses={404: {"description": "Unknown delivery"}},
        dependencies=[STAFF_OVERSIGHT],
    )
    async def get_delivery(delivery_id: ResourceId) -> Any:
        delivery = await log.get(delivery_id)
        return delivery_out(delivery) if delivery else not_found("delivery")

    return router
