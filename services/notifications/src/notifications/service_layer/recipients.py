"""Editing the recipient directory: settings in, settings out, erasure on request."""

from __future__ import annotations

from notifications.domain.model import RecipientSettings
from notifications.service_layer.ports import RecipientRegistry


class Recipients:
    """The directory's use cases; the settings are validated by the caller's input model."""

    def __init__(self, registry: RecipientRegistry) -> None:
        self._registry = registry

    async def put(self, recipient_id: str, settings: RecipientSettings) -> RecipientSettings:
        """Create or replace a recipient (a contact lease in progress is kept)."""
        await self._registry.put(recipient_id, settings)
        return settings

    async def get(self, recipient_id: str) -> RecipientSettings | None:
        """One recipient's settings, or None."""
        return await self._registry.settings(recipient_id)

    async def erase(self, recipient_id: str) -> bool:
        """Erase a recipient and their addresses; False when unknown."""
        return await self._registry.delete(recipient_id)
