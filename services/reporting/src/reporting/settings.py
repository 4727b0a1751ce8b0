"""Settings of the reporting service: `REPORTING_*`, plus the shared `KAFKA_*`, `MONGODB_*`."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.platform.settings import ServiceSettings


class ReportingSettings(ServiceSettings):
    """Configuration of the reporting service process."""

    model_config = SettingsConfigDict(env_prefix="REPORTING_", extra="ignore")

    http_port: int = Field(default=8004, description="TCP port of the HTTP API.")
    database: str = Field(
        default="voronka_reporting", description="MongoDB database owned by this service."
    )
