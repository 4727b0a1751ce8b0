"""Settings of the notifications service: `NOTIFICATIONS_*`, `KAFKA_*`, `MONGODB_*`."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.platform.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    """Configuration of the notifications service process."""

    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore")

    http_port: int = Field(default=8003, description="TCP port of the HTTP API.")
    database: str = Field(
        default="voronka_notifications", description="MongoDB database owned by this service."
    )
