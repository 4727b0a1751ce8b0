"""HTTP API of outbound webhook subscriptions; secrets go in and never come back out."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from notifications.adapters.webhook_store import MongoWebhookStore
from notifications.adapters.webhook_targets import TargetRefused, check_literal
from notifications.entrypoints.api_models import WebhookIn, WebhookOut
from notifications.entrypoints.http_common import ResourceId, not_found, with_id
from shared.platform.clock import Clock


def webhooks_router(
    webhooks: MongoWebhookStore, *, clock: Clock, private_targets: bool = False
) -> APIRouter:
    """Routes under /v1/webhooks; `private_targets` lets URLs name local addresses."""
    router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])

    @router.put(
        "/{subscription_id}",
        response_model=WebhookOut,
        summary="Subscribe or update",
        responses={422: {"description": "Invalid body, or a URL naming a non-public address"}},
    )
    async def put_webhook(subscription_id: ResourceId, body: WebhookIn) -> Any:
        if not private_targets:
            try:
                check_literal(str(body.url))
            except TargetRefused as exc:
                problem = {"loc": ["body", "url"], "msg": str(exc), "type": "url_not_public"}
                return JSONResponse(
                    {"error": "validation_failed", "detail": [problem]}, status_code=422
                )
        fields = body.model_dump(mode="json")
        await webhooks.put(subscription_id, fields, at=clock.now())
        return with_id(await webhooks.get_document(subscription_id) or {"_id": subscription_id})

    @router.get("", response_model=list[WebhookOut], summary="Every subscription")
    async def list_webhooks() -> list[dict[str, Any]]:
        return [with_id(doc) for doc in await webhooks.list_documents()]

    @router.get(
        "/{subscription_id}",
        response_model=WebhookOut,
        summary="One subscription",
        responses={404: {"description": "Unknown subscription"}},
    )
    async def get_webhook(subscription_id: ResourceId) -> Any:
        doc = await webhooks.get_document(subscription_id)
        return with_id(doc) if doc else not_found("webhook subscription")

    @router.delete(
        "/{subscription_id}",
        status_code=204,
        response_model=None,
        summary="Unsubscribe",
        responses={404: {"description": "Unknown subscription"}},
    )
    async def delete_webhook(subscription_id: ResourceId) -> Response:
        if not await webhooks.delete(subscription_id):
            return not_found("webhook subscription")
        return Response(status_code=204)

    return router
