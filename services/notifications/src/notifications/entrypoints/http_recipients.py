"""HTTP API of the recipient directory: preferences, addresses and consent per recipient."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Response

from notifications.domain.model import RecipientSettings
from notifications.entrypoints.access import ACCESS, STAFF_OVERSIGHT
from notifications.entrypoints.api_models import RecipientIn, RecipientOut
from notifications.entrypoints.http_common import ResourceId, not_found
from notifications.service_layer.recipients import Recipients


def _settings(body: RecipientIn) -> RecipientSettings:
    return RecipientSettings(
        kind=body.kind,
        name=body.name,
        locale=body.locale,
        time_zone=body.time_zone,
        email=body.email,
        phone=body.phone,
        messenger_chat_id=body.messenger_chat_id,
        opted_out=tuple(body.opted_out),
        preferred_channels=tuple(body.preferred_channels),
    )


def _out(recipient_id: str, settings: RecipientSettings) -> RecipientOut:
    return RecipientOut(id=recipient_id, **asdict(settings))


def recipients_router(recipients: Recipients) -> APIRouter:
    """Routes under /v1/recipients."""
    router = APIRouter(prefix="/v1/recipients", tags=["recipients"])

    @router.put(
        "/{recipient_id}",
        response_model=RecipientOut,
        summary="Add or replace",
        dependencies=[ACCESS.admin()],
    )
    async def put_recipient(recipient_id: ResourceId, body: RecipientIn) -> RecipientOut:
        return _out(recipient_id, await recipients.put(recipient_id, _settings(body)))

    @router.get(
        "/{recipient_id}",
        response_model=RecipientOut,
        summary="One recipient",
        responses={404: {"description": "Unknown recipient"}},
        dependencies=[STAFF_OVERSIGHT],
    )
    async def get_recipient(recipient_id: ResourceId) -> Any:
        settings = await recipients.get(recipient_id)
        return _out(recipient_id, settings) if settings else not_found("recipient")

    @router.delete(
        "/{recipient_id}",
        status_code=204,
        response_model=None,
        summary="Erase a recipient and their addresses",
        responses={404: {"description": "Unknown recipient"}},
        dependencies=[ACCESS.admin()],
    )
    async def delete_recipient(recipient_id: ResourceId) -> Response:
        if not await recipients.erase(recipient_id):
            return not_found("recipient")
        return Response(status_code=204)

    return router
