"""Settings of the leads service: `LEADS_*`, plus the shared `KAFKA_*`, `MONGODB_*`."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.platform.settings import ServiceSettings


class LeadsSettings(ServiceSettings):
    """Configuration of the leads service process."""

    model_config = SettingsConfigDict(env_prefix="LEADS_", extra="ignore")

    http_port: int = Field(default=8001, description="TCP port of the HTTP API.")
    database: str = Field(
        default="voronka_leads", description="MongoDB database owned by this service."
    )
