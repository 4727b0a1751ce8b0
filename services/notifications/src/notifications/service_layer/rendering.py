"""Rendering templates off the event loop, within a deadline."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from notifications.domain.templates import Template, TemplateRenderError, render
from notifications.domain.templates.template import Rendered

RENDER_SECONDS = 2.0
"""How long one template may take to render before it counts as broken."""


async def render_within(
    template: Template, context: Mapping[str, object], *, seconds: float = RENDER_SECONDS
) -> Rendered:
    """Render in a worker thread; a template slower than `seconds` fails like a broken one.

    The event loop (every other delivery, the HTTP API) never waits on a template. A thread
    cannot be stopped, so a runaway one finishes on its own; the sandbox's limits on output
    and `range()` keep that short, and a template is refused when saved if its trial render
    is too slow.
    """
    try:
        return await asyncio.wait_for(asyncio.to_thread(render, template, context), seconds)
    except TimeoutError:
        raise TemplateRenderError(f"rendering took longer than {seconds:g} s") from None
