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
    consumer_group: str = Field(
        default="voronka-reporting",
        description="Kafka consumer group; the topic prefix is put in front of it.",
    )
    time_zone: str = Field(
        default="Europe/Moscow", description="Zone in which report periods and days are read."
    )
    currency: str = Field(default="RUB", description="Currency of the leaderboard and charts.")
    batch_max_records: int = Field(
        default=1000, ge=1, le=10_000, description="Most events folded in one batch."
    )
    batch_timeout_ms: int = Field(
        default=200, ge=1, description="How long a batch waits to fill up, in milliseconds."
    )
    hot_days: int = Field(default=30, ge=1, description="Hot: bought within this many days.")
    warm_from_days: int = Field(default=90, ge=1, description="Warm: from this many days ago…")
    warm_to_days: int = Field(default=120, ge=1, description="…to this many days ago.")
    sleeping_days: int = Field(default=180, ge=1, description="Sleeping: inactive longer.")
    segment_check_seconds: float = Field(
        default=3600.0, gt=0, description="How often client segments are recomputed."
    )
    payment_sources: list[str] = Field(
        default_factory=list,
        description="Event sources (CloudEvents `source`) whose `payment.received` is counted, "
        "besides the deals service's own; set it like DEALS_PAYMENT_SOURCES (JSON list).",
    )
    outbox_poll_seconds: float = Field(
        default=0.5, gt=0, description="How often the outbox relay looks for unpublished events."
    )
