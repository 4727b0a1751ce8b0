"""A team's own templates: the texts in effect, overrides saved after a trial render."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from notifications.domain.model import Channel
from notifications.domain.templates import (
    BUILTIN_TEMPLATES,
    Template,
    TemplateKey,
    sample_context,
    validate_template,
)
from notifications.service_layer.ports import TemplateOverrideStore
from notifications.service_layer.rendering import RENDER_SECONDS
from shared.platform.clock import Clock


class TemplateRefused(Exception):
    """A template fails its trial render; `problems` name line, part and what is wrong."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class EffectiveTemplate:
    """The template used for a key: built-in, or the team's override saved at `updated_at`."""

    key: TemplateKey
    template: Template
    custom: bool
    updated_at: datetime | None = None


def problems_of(template: Template, event_kind: str) -> list[str]:
    """What fails when `template` renders the sample facts of `event_kind`; empty when fine."""
    problems = validate_template(template, sample_context(event_kind))
    if template.channel is Channel.EMAIL and not template.subject.strip():
        problems.insert(0, "subject: an e-mail needs a subject")
    return problems


class TemplateOverrides:
    """Lists the texts in effect, saves overrides that render, drops them again."""

    def __init__(
        self,
        store: TemplateOverrideStore,
        *,
        clock: Clock,
        render_seconds: float = RENDER_SECONDS,
    ) -> None:
        self._store = store
        self._clock = clock
        self._render_seconds = render_seconds

    async def effective(self) -> list[EffectiveTemplate]:
        """Every built-in key with the text in effect, by kind, channel and locale."""
        overrides = await self._store.all()
        effective = [
            EffectiveTemplate(key, overrides[key][0], True, overrides[key][1])
            if key in overrides
            else EffectiveTemplate(key, template, custom=False)
            for key, template in BUILTIN_TEMPLATES.items()
        ]
        return sorted(
            effective, key=lambda t: (t.key.event_kind, t.key.channel.value, t.key.locale.value)
        )

    async def save(self, key: TemplateKey, *, subject: str, body: str) -> EffectiveTemplate:
        """Save an override after a trial render; `TemplateRefused` when it fails or is slow."""
        template = Template(subject=subject, body=body, channel=key.channel)
        trial = asyncio.to_thread(problems_of, template, key.event_kind)
        try:
            problems = await asyncio.wait_for(trial, self._render_seconds)
        except TimeoutError:
            problems = [f"rendering the sample took longer than {self._render_seconds:g} s"]
        if problems:
            raise TemplateRefused(problems)
        now = self._clock.now()
        await self._store.put(key, template, at=now)
        return EffectiveTemplate(key, template, custom=True, updated_at=now)

    async def drop(self, key: TemplateKey) -> bool:
        """Drop an override, so the built-in text applies again; False when there was none."""
        return await self._store.delete(key)
