"""HTTP API of outbound webhook subscriptions; secrets go in and never come back out."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from notifications.domain.webhooks import TargetRefused, WebhookSubscription
from notifications.entrypoints.access import ACCESS
from notifications.entrypoints.api_models import WebhookIn, WebhookOut
from notifications.entrypoints.http_common import ResourceId, not_found
from notifications.service_layer.webhooks import Webhooks


def _out(subscription: WebhookSubscription) -> WebhookOut:
    return WebhookOut(
        id=subscription.id,
        url=subscription.url,
        event_types=list(subscription.event_types),
        active=subscription.active,
        created_at=subscription.created_at,
        updated_at=subscription.updated_at,
    )


def webhooks_router(webhooks: Webhooks) -> APIRouter:
    """Routes under /v1/webhooks."""
    router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])

    @router.put(
        "/{subscription_id}",
        response_model=WebhookOut,
        summary="Subscribe or update",
        responses={422: {"description": "Invalid body, or a URL naming a non-public address"}},
        dependencies=[ACCESS.admin()],
    )
    async def put_webhook(subscription_id: ResourceId, body: WebhookIn) -> Any:
        subscription = WebhookSubscription(
            id=subscription_id,
            url=str(body.url),
            secret=body.secret,
            event_types=tuple(topic.value for topic in body.event_types),
            active=body.active,
        )
        try:
            return _out(await webhooks.subscribe(subscription))
        except TargetRefused as exc:
            problem = {"loc": ["body", "url"], "msg": str(exc), "type": "url_not_public"}
            return JSONResponse({"error": "validation_failed", "detail": [problem]}, 422)

    @router.get(
        "",
        response_model=list[WebhookOut],
        summary="Every subscription",
        dependencies=[ACCESS.admin()],
    )
    async def list_webhooks() -> list[WebhookOut]:
        return [_out(subscription) for subscription in await webhooks.all()]

    @router.get(
        "/{subscription_id}",
        response_model=WebhookOut,
        summary="One subscription",
        responses={404: {"description": "Unknown subscription"}},
        dependencies=[ACCESS.admin()],
    )
    async def get_webhook(subscription_id: ResourceId) -> Any:
        subscription = await webhooks.get(subscription_id)
        return _out(subscription) if subscription else not_found("webhook subscription")

    @router.delete(
        "/{subscription_id}",
        status_code=204,
        response_model=None,
        summary="Unsubscribe",
        responses={404: {"description": "Unknown subscription"}},
        dependencies=[ACCESS.admin()],
    )
    async def delete_webhook(subscription_id: ResourceId) -> Response:
        if not await webhooks.unsubscribe(subscription_id):
            return not_found("webhook subscription")
        return Response(status_code=204)

    return router
