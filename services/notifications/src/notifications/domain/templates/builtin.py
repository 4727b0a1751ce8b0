"""The built-in texts: Jinja files shipped in `texts/`, one per kind, channel, locale and part.

A kind's `:`-separated parts are folders (`payment.due:overdue:manager` lives in
`texts/payment.due/overdue/manager/`); a body is `<channel>.<locale>.j2` and an e-mail
subject `email.subject.<locale>.j2`. Each file is a whole template, with no includes, so a
team can copy a built-in text as the start of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.resources import files
from types import MappingProxyType
from typing import Literal

from notifications.domain.model import Channel, EventKind, Locale
from notifications.domain.templates.template import Template, TemplateKey

TEMPLATED_CHANNELS = (Channel.EMAIL, Channel.MESSENGER, Channel.SMS)
"""Channels with rendered texts; webhooks carry the event as signed JSON."""

_TEXTS = files(__package__) / "texts"


def text_file(key: TemplateKey, part: Literal["subject", "body"]) -> str:
    """The path under `texts/` of one part of a built-in template, `/`-separated."""
    folder = "/".join(key.event_kind.split(":"))
    suffix = ".subject" if part == "subject" else ""
    return f"{folder}/{key.channel.value}{suffix}.{key.locale.value}.j2"


def _read(key: TemplateKey, part: Literal["subject", "body"]) -> str:
    text = _TEXTS.joinpath(*text_file(key, part).split("/")).read_text(encoding="utf-8")
    return text.removesuffix("\n")


def _builtin(key: TemplateKey) -> Template:
    subject = _read(key, "subject") if key.channel is Channel.EMAIL else ""
    return Template(subject=subject, body=_read(key, "body"), channel=key.channel)


BUILTIN_TEMPLATES: Mapping[TemplateKey, Template] = MappingProxyType(
    {
        key: _builtin(key)
        for key in (
            TemplateKey(kind.value, channel, locale)
            for kind in EventKind
            for locale in Locale
            for channel in TEMPLATED_CHANNELS
        )
    }
)
"""Default texts for every built-in event kind, in ru and en, for e-mail, messenger and SMS."""


def resolve_template(
    key: TemplateKey, overrides: Mapping[TemplateKey, Template] | None = None
) -> Template | None:
    """A team's own template for `key` if it has one, else the built-in default, else None."""
    if overrides is not None and key in overrides:
        return overrides[key]
    return BUILTIN_TEMPLATES.get(key)
