"""HTTP API of the recipient directory: preferences, addresses and consent per recipient."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from notifications.adapters.recipient_store import MongoRecipientDirectory
from notifications.entrypoints.api_models import RecipientIn, RecipientOut
from notifications.entrypoints.http_common import ResourceId, not_found, with_id


def recipients_router(directory: MongoRecipientDirectory) -> APIRouter:
    """Routes under /v1/recipients."""
    router = APIRouter(prefix="/v1/recipients", tags=["recipients"])

    @router.put("/{recipient_id}", response_model=RecipientOut, summary="Add or replace")
    async def put_recipient(recipient_id: ResourceId, body: RecipientIn) -> dict[str, Any]:
        fields = body.model_dump(mode="json")
        await directory.put(recipient_id, fields)
        return {**fields, "id": recipient_id}

    @router.get(
        "/{recipient_id}",
        response_model=RecipientOut,
        summary="One recipient",
        responses={404: {"description": "Unknown recipient"}},
    )
    async def get_recipient(recipient_id: ResourceId) -> Any:
        doc = await directory.get_document(recipient_id)
        return with_id(doc) if doc else not_found("recipient")

    @router.delete(
        "/{recipient_id}",
        status_code=204,
        response_model=None,
        summary="Erase a recipient and their addresses",
        responses={404: {"description": "Unknown recipient"}},
    )
    async def delete_recipient(recipient_id: ResourceId) -> Response:
        if not await directory.delete(recipient_id):
            return not_found("recipient")
        return Response(status_code=204)

    return router
