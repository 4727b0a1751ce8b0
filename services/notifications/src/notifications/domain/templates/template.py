"""What a template is: its key, its Jinja sources per channel, and a rendered message."""

from __future__ import annotations

from dataclasses import dataclass

from notifications.domain.model import Channel, Locale


@dataclass(frozen=True, slots=True)
class TemplateKey:
    """Which template to use: what happened, over which channel, in which language."""

    event_kind: str
    channel: Channel
    locale: Locale


@dataclass(frozen=True, slots=True)
class Template:
    """Jinja2 sources of a subject and a body for one channel.

    Only an e-mail body is HTML and autoescaped; the subject is always plain text (it is a
    mail header, not HTML) and is unused by SMS and messengers. Webhooks carry the event as
    signed JSON built by the service, so there are no webhook templates.
    """

    subject: str
    body: str
    channel: Channel

    def __post_init__(self) -> None:
        if self.channel is Channel.WEBHOOK:
            raise ValueError("webhooks send the event as signed JSON, not a rendered template")

    @property
    def is_html(self) -> bool:
        """Whether the body is HTML (e-mail) and its expressions are autoescaped."""
        return self.channel is Channel.EMAIL


@dataclass(frozen=True, slots=True)
class Rendered:
    """A rendered notification: a one-line subject (may be empty) and the body."""

    subject: str
    body: str
