"""Settings of the notifications service: `NOTIFICATIONS_*`, `KAFKA_*`, `MONGODB_*`."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from shared.platform.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    """Configuration of the notifications service process."""

    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore")

    http_port: int = Field(default=8003, description="TCP port of the HTTP API.")
    database: str = Field(
        default="voronka_notifications", description="MongoDB database owned by this service."
    )
    consumer_group: str = Field(
        default="voronka-notifications",
        description="Kafka consumer group; the topic prefix is put in front of it.",
    )
    outbox_poll_seconds: float = Field(
        default=0.5, gt=0, description="How often the outbox relay looks for unpublished events."
    )

    # --- dispatcher ---------------------------------------------------------------------
    dispatch_poll_seconds: float = Field(
        default=1.0,
        gt=0,
        description="How often the dispatcher looks for due deliveries when nothing wakes it.",
    )
    dispatch_lease_seconds: float = Field(
        default=120.0,
        gt=0,
        description="How long a replica owns a claimed delivery; must exceed the slowest send. "
        "A crash mid-send makes the delivery retry after this long (at-least-once).",
    )
    busy_recipient_delay_seconds: float = Field(
        default=2.0,
        gt=0,
        description="Delay before retrying a delivery whose recipient another replica is "
        "contacting at that moment (caps are checked one message at a time per recipient).",
    )

    # --- contact pressure ---------------------------------------------------------------
    max_per_day: int | None = Field(
        default=3,
        ge=0,
        description="Non-urgent messages a client gets per local calendar day at most; "
        "null: no daily cap.",
    )
    max_per_week: int | None = Field(
        default=6,
        ge=0,
        description="Non-urgent messages a client gets per rolling 7 days at most; "
        "null: no weekly cap.",
    )
    quiet_start: time = Field(
        default=time(21, 0),
        description="Start of quiet hours, wall-clock time in the recipient's zone.",
    )
    quiet_end: time = Field(
        default=time(9, 0),
        description="End of quiet hours; deferred messages go out then. Equal to quiet_start: "
        "no quiet hours.",
    )

    # --- rules --------------------------------------------------------------------------
    notify_client_when_overdue: bool = Field(
        default=False,
        description="Also remind the client when a payment is overdue (by default a client "
        "gets three reminders per installment and not more).",
    )
    copy_manager_on_reminders: bool = Field(
        default=True, description="The manager gets a copy of each client payment reminder."
    )
    deal_threshold: Decimal = Field(
        default=Decimal(0),
        ge=0,
        description="Won/lost deals from this amount (any currency) are reported to the head "
        "of sales.",
    )
    deal_thresholds: dict[str, Decimal] = Field(
        default_factory=dict,
        description='Per-currency thresholds as JSON, e.g. {"RUB": "1000000"}; others use '
        "deal_threshold.",
    )

    # --- retries ------------------------------------------------------------------------
    retry_max_attempts: int = Field(
        default=5, ge=1, description="Attempts per delivery before it is failed and dead-lettered."
    )
    retry_base_seconds: float = Field(
        default=5.0, gt=0, description="Delay after the first failed attempt; doubles each time."
    )
    retry_max_delay_seconds: float = Field(
        default=600.0, gt=0, description="Longest delay between two attempts."
    )
    retry_jitter: bool = Field(
        default=True,
        description="Spread retries randomly between half and all of the backoff, so that "
        "deliveries failing together do not retry together.",
    )

    # --- texts --------------------------------------------------------------------------
    sender_name: str = Field(
        default="Voronka", description="Company name signed under e-mails and messages."
    )

    # --- e-mail (SMTP) ------------------------------------------------------------------
    smtp_host: str | None = Field(
        default=None, description="SMTP server host; unset: the e-mail channel is off."
    )
    smtp_port: int = Field(default=587, ge=1, le=65535, description="SMTP server port.")
    smtp_security: Literal["starttls", "tls", "none"] = Field(
        default="starttls",
        description="starttls (upgrade on 587), tls (implicit, 465) or none (local test servers).",
    )
    smtp_username: str | None = Field(default=None, description="SMTP login, if required.")
    smtp_password: SecretStr | None = Field(
        default=None, description="SMTP password; reference a secret, never inline it."
    )
    smtp_sender: str = Field(
        default="noreply@voronka.local", description="From address of every e-mail."
    )
    message_id_domain: str = Field(
        default="voronka.local",
        description="Right-hand side of Message-IDs, which are `<delivery id@domain>`.",
    )

    # --- SMS gateway (HTTP) -------------------------------------------------------------
    sms_url: str | None = Field(
        default=None,
        description="URL the SMS gateway takes POST {to, text, idempotency_key} at; unset: "
        "the SMS channel is off.",
    )
    sms_token: SecretStr | None = Field(
        default=None, description="Bearer token of the SMS gateway; a secret."
    )

    # --- messenger bot (Telegram Bot API shape) -----------------------------------------
    bot_base_url: str = Field(
        default="https://api.telegram.org",
        description="Base URL of the bot API; messages go to {base}/bot{token}/sendMessage.",
    )
    bot_token: SecretStr | None = Field(
        default=None, description="Bot token; unset: the messenger channel is off. A secret."
    )

    # --- outgoing HTTP ------------------------------------------------------------------
    webhook_private_targets: bool = Field(
        default=False,
        description=(
            "Let webhooks reach loopback, private and link-local addresses: for local "
            "development and tests only (otherwise a webhook could reach internal services)."
        ),
    )
    provider_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="Upper bound on one call to an SMTP server, gateway, bot API or webhook.",
    )
