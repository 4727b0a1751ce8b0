"""HTTP API of templates: built-ins and overrides, validated in the sandbox before saving."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from notifications.domain.model import Channel, EventKind, Locale
from notifications.domain.templates import TemplateKey
from notifications.entrypoints.access import ACCESS
from notifications.entrypoints.api_models import (
    TemplateChannel,
    TemplateIn,
    TemplateOut,
    TemplateProblems,
)
from notifications.entrypoints.http_common import not_found
from notifications.service_layer.template_overrides import (
    EffectiveTemplate,
    TemplateOverrides,
    TemplateRefused,
)


def _out(effective: EffectiveTemplate) -> TemplateOut:
    key, template = effective.key, effective.template
    return TemplateOut(
        event_kind=key.event_kind,
        channel=TemplateChannel(key.channel.value),
        locale=key.locale,
        subject=template.subject,
        body=template.body,
        origin="custom" if effective.custom else "builtin",
        updated_at=effective.updated_at,
    )


def _key(event_kind: EventKind, channel: TemplateChannel, locale: Locale) -> TemplateKey:
    return TemplateKey(event_kind.value, Channel(channel.value), locale)


def templates_router(templates: TemplateOverrides) -> APIRouter:
    """Routes under /v1/templates."""
    router = APIRouter(prefix="/v1/templates", tags=["templates"])

    @router.get(
        "",
        response_model=list[TemplateOut],
        summary="Every template in effect",
        dependencies=[ACCESS.read()],
    )
    async def list_templates() -> list[TemplateOut]:
        return [_out(effective) for effective in await templates.effective()]

    @router.put(
        "/{event_kind}/{channel}/{locale}",
        response_model=TemplateOut,
        summary="Save an override, after a trial render",
        responses={422: {"model": TemplateProblems, "description": "The template fails"}},
        dependencies=[ACCESS.admin()],
    )
    async def put_template(
        event_kind: EventKind, channel: TemplateChannel, locale: Locale, body: TemplateIn
    ) -> Any:
        key = _key(event_kind, channel, locale)
        try:
            saved = await templates.save(key, subject=body.subject, body=body.body)
        except TemplateRefused as refused:
            return JSONResponse(TemplateProblems(problems=refused.problems).model_dump(), 422)
        return _out(saved)

    @router.delete(
        "/{event_kind}/{channel}/{locale}",
        status_code=204,
        response_model=None,
        summary="Drop the override: the built-in text applies again",
        responses={404: {"description": "No override for this key"}},
        dependencies=[ACCESS.admin()],
    )
    async def delete_template(
        event_kind: EventKind, channel: TemplateChannel, locale: Locale
    ) -> Response:
        if not await templates.drop(_key(event_kind, channel, locale)):
            return not_found("template override")
        return Response(status_code=204)

    return router
