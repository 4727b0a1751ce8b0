"""Settings of the leads service: `LEADS_*`, plus the shared `KAFKA_*`, `MONGODB_*`."""

from __future__ import annotations

from datetime import time
from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.platform.settings import ServiceSettings

DEFAULT_DISQUALIFY_REASONS = (
    "no_budget",
    "no_need",
    "not_decision_maker",
    "competitor_chosen",
    "unreachable",
    "spam",
    "wrong_contact",
)


class LeadsSettings(ServiceSettings):
    """Configuration of the leads service process."""

    model_config = SettingsConfigDict(env_prefix="LEADS_", extra="ignore")

    http_port: int = Field(default=8001, description="TCP port of the HTTP API.")
    database: str = Field(
        default="voronka_leads", description="MongoDB database owned by this service."
    )
    consumer_group: str = Field(
        default="voronka-leads",
        description="Kafka consumer group; the topic prefix is put in front of it.",
    )
    sla_minutes: int = Field(
        default=60, ge=1, description="Default business minutes for the first contact."
    )
    sla_minutes_by_channel: dict[str, int] = Field(
        default_factory=dict,
        description='Per-channel limits as JSON, e.g. {"phone": 5}; the shortest limit wins.',
    )
    sla_minutes_by_priority: dict[int, int] = Field(
        default_factory=dict,
        description='Limits for hot leads as JSON {"<min score>": minutes}, e.g. {"60": 5}.',
    )
    sla_max_breaches: int = Field(
        default=2, ge=1, description="Missed deadlines after which the head of sales takes over."
    )
    sla_poll_seconds: float = Field(
        default=1.0, gt=0, description="How often the SLA watcher looks for passed deadlines."
    )
    dedupe_window_hours: int = Field(
        default=72,
        ge=0,
        description="A new request joins an open lead with the same phone or e-mail active "
        "within this many hours.",
    )
    assignment_strategy: Literal["round_robin", "least_loaded"] = Field(
        default="round_robin",
        description="How a manager is picked when no rule and no client manager decides.",
    )
    default_team: str = Field(
        default="sales", description="Team of a lead nobody could take (the team queue)."
    )
    calendar: Literal["ru_business", "around_the_clock"] = Field(
        default="ru_business",
        description="Calendar of teams without their own: Russian working days or 24/7.",
    )
    time_zone: str = Field(
        default="Europe/Moscow", description="Time zone of teams without their own."
    )
    work_start: time = Field(default=time(9), description="Start of the working day (local).")
    work_end: time = Field(default=time(18), description="End of the working day (local).")
    product_terms: list[str] = Field(
        default_factory=list,
        description="The team's product words and names as a JSON list, e.g. "
        '["насос", "станок ЧПУ", "Grundfos"]: a request naming one, in any form '
        '("насосов"), names a product. Without them a product is still read after a '
        'quantity or a buy verb ("40 стульев", "нужен кран").',
    )
    disqualify_reasons: list[str] = Field(
        default_factory=lambda: list(DEFAULT_DISQUALIFY_REASONS),
        description="Reason codes a lead may be disqualified with, as a JSON list.",
    )
    publish_timeout_seconds: float = Field(
        default=10.0, gt=0, description="How long intake waits for Kafka before answering 503."
    )
    outbox_poll_seconds: float = Field(
        default=0.5, gt=0, description="How often the outbox relay looks for unpublished events."
    )
    parked_activity_days: int = Field(
        default=7,
        ge=1,
        description="How long a telephony activity whose phone matches no open lead waits "
        "for that lead to arrive before it is removed.",
    )
    parked_sweep_seconds: float = Field(
        default=300,
        gt=0,
        description="How often parked activities past their wait are removed (each is logged).",
    )
    load_reconcile_seconds: float = Field(
        default=600,
        gt=0,
        description="How often manager loads are checked against the open leads (and at start).",
    )
