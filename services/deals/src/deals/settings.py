"""Settings of the deals service: `DEALS_*`, plus the shared `KAFKA_*`, `MONGODB_*`."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.platform.settings import ServiceSettings


class DealsSettings(ServiceSettings):
    """Configuration of the deals service process."""

    model_config = SettingsConfigDict(env_prefix="DEALS_", extra="ignore")

    http_port: int = Field(default=8002, description="TCP port of the HTTP API.")
    database: str = Field(
        default="voronka_deals", description="MongoDB database owned by this service."
    )
