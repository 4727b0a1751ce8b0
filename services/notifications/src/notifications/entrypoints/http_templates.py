"""HTTP API of templates: built-ins and overrides, validated in the sandbox before saving."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from notifications.adapters.template_store import MongoTemplateStore
from notifications.domain.model import Channel, EventKind, Locale
from notifications.domain.templates import (
    BUILTIN_TEMPLATES,
    Template,
    TemplateKey,
    sample_context,
    validate_template,
)
from notifications.entrypoints.api_models import (
    TemplateChannel,
    TemplateIn,
    TemplateOut,
    TemplateProblems,
)
from notifications.entrypoints.http_common import not_found
from shared.platform.clock import Clock


def _out(
    key: TemplateKey, template: Template, *, origin: str, updated_at: datetime | None = None
) -> TemplateOut:
    return TemplateOut(
        event_kind=key.event_kind,
        channel=TemplateChannel(key.channel.value),
        locale=key.locale,
        subject=template.subject,
        body=template.body,
        origin="custom" if origin == "custom" else "builtin",
        updated_at=updated_at,
    )


def _problems(template: Template, kind: EventKind) -> list[str]:
    problems = validate_template(template, sample_context(kind.value))
    if template.channel is Channel.EMAIL and not template.subject.strip():
        problems.insert(0, "subject: an e-mail needs a subject")
    return problems


def templates_router(templates: MongoTemplateStore, *, clock: Clock) -> APIRouter:
    """Routes under /v1/templates."""
    router = APIRouter(prefix="/v1/templates", tags=["templates"])

    @router.get("", response_model=list[TemplateOut], summary="Every template in effect")
    async def list_templates() -> list[TemplateOut]:
        overrides = await templates.all()
        effective = [
            _out(key, overrides[key][0], origin="custom", updated_at=overrides[key][1])
            if key in overrides
            else _out(key, template, origin="builtin")
            for key, template in BUILTIN_TEMPLATES.items()
        ]
        return sorted(effective, key=lambda t: (t.event_kind, t.channel.value, t.locale.value))

    @router.put(
        "/{event_kind}/{channel}/{locale}",
        response_model=TemplateOut,
        summary="Save an override, after a trial render",
        responses={422: {"model": TemplateProblems, "description": "The template fails"}},
    )
    async def put_template(
        event_kind: EventKind, channel: TemplateChannel, locale: Locale, body: TemplateIn
    ) -> Any:
        key = TemplateKey(event_kind.value, Channel(channel.value), locale)
        template = Template(subject=body.subject, body=body.body, channel=key.channel)
        problems = _problems(template, event_kind)
        if problems:
            return JSONResponse(TemplateProblems(problems=problems).model_dump(), 422)
        now = clock.now()
        await templates.put(key, template, at=now)
        return _out(key, template, origin="custom", updated_at=now)

    @router.delete(
        "/{event_kind}/{channel}/{locale}",
        status_code=204,
        response_model=None,
        summary="Drop the override: the built-in text applies again",
        responses={404: {"description": "No override for this key"}},
    )
    async def delete_template(
        event_kind: EventKind, channel: TemplateChannel, locale: Locale
    ) -> Response:
        key = TemplateKey(event_kind.value, Channel(channel.value), locale)
        if not await templates.delete(key):
            return not_found("template override")
        return Response(status_code=204)

    return router
