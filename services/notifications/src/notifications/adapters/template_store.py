"""MongoDB store of a team's own templates, one document per (event kind, channel, locale)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from notifications.domain.model import Channel, Locale
from notifications.domain.templates import Template, TemplateKey
from shared.platform.audit import delete_audited, replace_audited


def _doc_id(key: TemplateKey) -> str:
    # "|" cannot occur in an event kind, a channel or a locale, so ids never collide.
    return f"{key.event_kind}|{key.channel.value}|{key.locale.value}"


class MongoTemplateStore:
    """`templates`: overrides of the built-in texts; deleting one restores the built-in."""

    def __init__(self, db: AsyncDatabase[Any]) -> None:
        self.collection: AsyncCollection[Any] = db["templates"]

    async def get(self, key: TemplateKey) -> Template | None:
        """The override for `key`, or None."""
        doc = await self.collection.find_one({"_id": _doc_id(key)})
        if doc is None:
            return None
        return Template(subject=doc["subject"], body=doc["body"], channel=key.channel)

    async def all(self) -> dict[TemplateKey, tuple[Template, datetime | None]]:
        """Every override with the time it was saved."""
        found: dict[TemplateKey, tuple[Template, datetime | None]] = {}
        async for doc in self.collection.find({}):
            key = TemplateKey(doc["event_kind"], Channel(doc["channel"]), Locale(doc["locale"]))
            found[key] = (
                Template(subject=doc["subject"], body=doc["body"], channel=key.channel),
                doc.get("updated_at"),
            )
        return found

    async def put(self, key: TemplateKey, template: Template, *, at: datetime) -> None:
        """Save an override (validated by the caller)."""
        await replace_audited(
            self.collection,
            _doc_id(key),
            {
                "event_kind": key.event_kind,
                "channel": key.channel.value,
                "locale": key.locale.value,
                "subject": template.subject,
                "body": template.body,
                "updated_at": at,
            },
        )

    async def delete(self, key: TemplateKey) -> bool:
        """Drop an override; False when there was none."""
        return await delete_audited(self.collection, _doc_id(key))
