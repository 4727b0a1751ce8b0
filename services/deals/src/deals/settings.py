"""Settings of the deals service: `DEALS_*`, plus the shared `KAFKA_*`, `MONGODB_*`."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from deals.domain.activity import DEFAULT_OBJECTION_CATEGORIES
from deals.domain.task_rules import DEFAULT_CADENCES, Cadence
from shared.contracts.events.tasks import TaskPriority
from shared.platform.settings import ServiceSettings


class CadenceSetting(BaseModel):
    """How often a client of one segment is touched."""

    segment: str = Field(min_length=1, description="hot, warm, cooling, sleeping, new.")
    title: str = Field(min_length=1, max_length=200, description="The task's title.")
    first_after_days: int = Field(ge=0, le=366, description="First touch after the change.")
    every_days: int | None = Field(default=None, ge=1, le=366, description="Then every N days.")
    priority: TaskPriority = Field(default=TaskPriority.NORMAL, description="low, normal, high.")

    @classmethod
    def of(cls, cadence: Cadence) -> CadenceSetting:
        """The setting of a cadence."""
        return cls(
            segment=cadence.segment,
            title=cadence.title,
            first_after_days=cadence.first_after.days,
            every_days=None if cadence.every is None else cadence.every.days,
            priority=cadence.priority,
        )

    def cadence(self) -> Cadence:
        """The cadence this setting describes."""
        every = None if self.every_days is None else timedelta(days=self.every_days)
        return Cadence(
            self.segment, self.title, timedelta(days=self.first_after_days), every, self.priority
        )


class DealsSettings(ServiceSettings):
    """Configuration of the deals service process."""

    model_config = SettingsConfigDict(env_prefix="DEALS_", extra="ignore")

    http_port: int = Field(default=8002, description="TCP port of the HTTP API.")
    database: str = Field(
        default="voronka_deals", description="MongoDB database owned by this service."
    )
    consumer_group: str = Field(
        default="voronka-deals",
        description="Kafka consumer group; the topic prefix is put in front of it.",
    )
    client_time_zone: str = Field(
        default="Europe/Moscow", description="Time zone of clients that have none of their own."
    )
    reminder_days_before_due: int = Field(
        default=1, ge=1, description="The 'day before' reminder goes this many days before."
    )
    reminder_days_after_due: int | None = Field(
        default=1,
        ge=1,
        description="Overdue reminder (to the manager) this many days after; null disables it.",
    )
    reminder_hour: int = Field(
        default=10, ge=0, le=23, description="Local hour (client's zone) reminders go out."
    )
    renewal_days_before: list[int] = Field(
        default_factory=lambda: [30, 7],
        description="Contract renewal reminders, days before the renewal date (JSON list).",
    )
    timer_poll_seconds: float = Field(
        default=1.0, gt=0, description="How often due reminders are looked for."
    )
    stuck_after_hours: int = Field(
        default=72, ge=1, description="A deal waiting in an invoice or payment stage is flagged."
    )
    default_max_discount_percent: Decimal = Field(
        default=Decimal(5),
        ge=0,
        le=100,
        description="Discount a manager may give without approval, unless set per manager.",
    )
    payment_sources: list[str] = Field(
        default_factory=list,
        description="Event sources (CloudEvents `source`) whose `payment.received` settles "
        "invoices, e.g. your accounting system's (JSON list). A payment from any other source "
        "is dead-lettered: it could cancel reminders of an unpaid invoice.",
    )
    task_escalate_after_hours: int = Field(
        default=24,
        ge=1,
        description="An overdue task is brought to the team lead this long after its due time.",
    )
    proposal_follow_up_days: int = Field(
        default=3, ge=1, description="A follow-up call is due this many days after a proposal."
    )
    stuck_scan_seconds: float = Field(
        default=60.0, gt=0, description="How often deals that became stuck are looked for."
    )
    cadences: list[CadenceSetting] = Field(
        default_factory=lambda: [CadenceSetting.of(c) for c in DEFAULT_CADENCES],
        description="Touch rhythm per client segment (JSON list of {segment, title, "
        "first_after_days, every_days (null: once), priority}); a segment left out has none.",
    )
    parked_activity_days: int = Field(
        default=7,
        ge=1,
        description="A call by a phone no client holds waits this long for the client.",
    )
    meeting_remind_minutes: int = Field(
        default=60, ge=1, description="A meeting's organizer is reminded this long before it."
    )
    team_time_zone: str = Field(
        default="Europe/Moscow",
        description="IANA zone of the sales team: the work day and task due times follow it.",
    )
    objection_categories: list[str] = Field(
        default_factory=lambda: list(DEFAULT_OBJECTION_CATEGORIES),
        description="Categories an objection may take (JSON list).",
    )
    company: dict[str, Any] = Field(
        default_factory=lambda: {"name": "Voronka", "legal_form": "ООО"},
        description="The seller on proposals and invoices (JSON): name, legal_form, requisites "
        "{inn, kpp, ogrn, bank_name, bank_account, bik, correspondent_account}, addresses {legal}.",
    )
    link_secret: SecretStr | None = Field(
        default=None,
        description="Key that signs the links clients answer proposals by; without it, a key "
        "made at start (links stop working after a restart).",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8002",
        description="Where clients reach this service's /v1/links/ (the links in proposals).",
    )
    outbox_poll_seconds: float = Field(
        default=0.5, gt=0, description="How often the outbox relay looks for unpublished events."
    )
