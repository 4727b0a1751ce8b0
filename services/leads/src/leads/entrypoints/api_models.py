"""Request and response bodies of the leads HTTP API (wire shapes, apart from storage)."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from leads.domain.dedupe import LeadStatus
from shared.contracts.events.lead_lifecycle import (
    ActivityDirection,
    ActivityKind,
    ProductInterest,
)
from shared.contracts.events.money import Money
from shared.contracts.values import EntityId, LongText, ShortText
from shared.kernel.zones import zone

WorkEmail = Annotated[str, StringConstraints(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]

TimeZone = Annotated[str, AfterValidator(lambda name: zone(name).key)]
"""An IANA zone name this machine knows, e.g. Europe/Moscow."""


class Body(BaseModel):
    """Requests refuse unknown fields: a typo should not be silently dropped."""

    model_config = ConfigDict(extra="forbid")


class Accepted(BaseModel):
    """The lead was accepted for processing."""

    lead_id: str = Field(description="Id the lead has (or will have) in Voronka.")
    event_id: str = Field(description="Id of the `lead.received` event published for it.")
    status: Literal["accepted"] = "accepted"


class ActivityIn(Body):
    """A call, e-mail, message, meeting or note to log on a lead."""

    activity_id: EntityId | None = Field(
        default=None, description="Your id for it; a repeat with the same id logs nothing."
    )
    manager_id: EntityId | None = Field(
        default=None,
        description="Who did it: a system must say; for a person, their token does.",
    )
    kind: ActivityKind = Field(description="What was done.")
    direction: ActivityDirection = Field(
        default=ActivityDirection.OUTBOUND, description="Who started the exchange."
    )
    outcome: ShortText | None = Field(
        default=None, description="answered, no_answer, missed, replied, held, ..."
    )
    duration_seconds: int | None = Field(default=None, ge=0, description="Length of a call.")
    occurred_at: AwareDatetime | None = Field(
        default=None,
        description="When it happened (aware); default: now. A person may log at most "
        "15 minutes back, so a late call is never backdated into the SLA window.",
    )
    note: LongText | None = Field(default=None, description="Free-text summary.")


class QualifyIn(Body):
    """Who qualifies the lead."""

    manager_id: EntityId | None = Field(
        default=None, description="Default: the person signed in, else the lead's owner."
    )


class ConvertIn(Body):
    """What the deal starts with."""

    manager_id: EntityId | None = Field(
        default=None, description="Owner of the deal; default: the lead's owner."
    )
    products: list[ProductInterest] = Field(
        default_factory=list, description="Products; default: the product the lead named."
    )
    amount_estimate: Money | None = Field(
        default=None, description="Expected amount; default: the budget the lead named."
    )
    expected_close_on: date | None = Field(default=None, description="Expected close date.")


class DisqualifyIn(Body):
    """Why the lead is closed."""

    reason: EntityId = Field(description="A code from GET /v1/lead-settings.")
    note: LongText | None = Field(default=None, description="Comment.")
    manager_id: EntityId | None = Field(
        default=None, description="Who closes it; default: the person signed in."
    )


class ReassignIn(Body):
    """Move the lead to a named manager."""

    manager_id: EntityId = Field(description="The new owner.")
    note: ShortText | None = Field(default=None, description="Why.")


class CalendarIn(Body):
    """Working time of a team or a manager."""

    calendar: Literal["ru_business", "around_the_clock"] | None = Field(
        default=None, description="Russian working days, or 24/7."
    )
    time_zone: TimeZone | None = Field(
        default=None, description="IANA zone, e.g. Asia/Yekaterinburg."
    )
    work_start: time | None = Field(default=None, description="Start of the day, local.")
    work_end: time | None = Field(default=None, description="End of the day, local.")


class ManagerIn(Body):
    """A member of the sales roster: the one directory of people (ADR 0031)."""

    name: ShortText = Field(description="Display name.")
    team: EntityId = Field(description="Team id.")
    email: WorkEmail | None = Field(
        default=None, description="Work e-mail; notifications write to it."
    )
    messenger_chat_id: EntityId | None = Field(
        default=None, description="Messenger chat notifications write to."
    )
    max_discount_percent: Annotated[Decimal, Field(ge=0, le=100, decimal_places=2)] | None = Field(
        default=None,
        description="The largest discount they grant without the head of sales (deals applies "
        "it); unset: the deals service's default.",
    )
    role: Literal["manager", "team_lead", "head_of_sales"] = Field(
        default="manager", description="Heads of sales get escalations, not new leads."
    )
    channels: list[str] = Field(default_factory=list, description="Channels taken; [] = any.")
    regions: list[str] = Field(default_factory=list, description="Regions taken; [] = any.")
    products: list[str] = Field(default_factory=list, description="Products taken; [] = any.")
    time_zone: TimeZone = Field(default="Europe/Moscow", description="IANA time zone.")
    capacity: int = Field(default=10, ge=0, le=10_000, description="Open leads at most.")
    present: bool = Field(default=True, description="At work (false: away, gets no leads).")
    active: bool = Field(default=True, description="Still in the roster.")
    working_hours: CalendarIn | None = Field(
        default=None, description="Own shift; absent: whenever present."
    )


class ManagerOut(ManagerIn):
    """A roster entry with its id, and their absence if one is declared."""

    model_config = ConfigDict(extra="ignore")
    id: str = Field(description="Manager id.")
    absent_until: date | None = Field(default=None, description="Last day of an absence.")
    deputy_id: str | None = Field(default=None, description="Who stands in meanwhile.")


class AbsenceIn(Body):
    """An absence: until when, and who takes over the open leads and deals."""

    until: date = Field(description="The last day away (the manager's own calendar).")
    deputy_id: EntityId = Field(description="Who takes over; on the roster and at work.")


class HandOverOut(BaseModel):
    """What an absence moved to the deputy."""

    manager_id: str
    deputy_id: str
    absent_until: date
    leads_handed_over: int = Field(description="Open leads moved to the deputy now.")


class PresenceIn(Body):
    """Present or away."""

    present: bool = Field(description="True when at work.")


class TeamIn(CalendarIn):
    """A team: its calendar and its head of sales."""

    name: ShortText = Field(description="Display name.")
    head_id: EntityId | None = Field(default=None, description="Head of sales for escalations.")


class TeamOut(TeamIn):
    """A team with its id."""

    model_config = ConfigDict(extra="ignore")
    id: str = Field(description="Team id.")


class RuleIn(Body):
    """Route matching leads to a narrower pool of managers."""

    name: EntityId = Field(description="Rule name, reported as the assignment reason.")
    channel: str | None = Field(default=None, description="Match this channel.")
    region: str | None = Field(default=None, description="Match this region.")
    product: str | None = Field(default=None, description="Match this product.")
    team: EntityId | None = Field(default=None, description="Pool: this team.")
    manager_ids: list[EntityId] = Field(default_factory=list, description="Pool: these managers.")


class LeadSettingsOut(BaseModel):
    """Configuration a client needs to build forms."""

    disqualify_reasons: list[str] = Field(description="Allowed disqualification reasons.")
    statuses: list[LeadStatus] = Field(description="Lifecycle statuses.")
    sla_minutes: int = Field(description="Default first-contact limit in business minutes.")
    sla_minutes_by_channel: dict[str, int] = Field(description="Per-channel limits.")
    sla_max_breaches: int = Field(description="Breaches before escalation.")


class ReasonOut(BaseModel):
    """One signal that moved the priority."""

    code: str
    points: int
    text_en: str
    text_ru: str


class PriorityOut(BaseModel):
    """The score and why."""

    score: int
    reasons: list[ReasonOut]


class ContactOut(BaseModel):
    """Cleaned contact data, with what was typed when it could not be cleaned."""

    name: str | None = None
    phone: str | None = Field(default=None, description="E.164, when valid.")
    phone_extension: str | None = None
    phone_raw: str | None = Field(default=None, description="As typed.")
    email: str | None = Field(default=None, description="Lower-cased, when valid.")
    email_raw: str | None = None
    company: str | None = None
    messenger_handle: str | None = None


class LeadOut(BaseModel):
    """A lead as the list and the work queue show it."""

    model_config = ConfigDict(extra="ignore")

    id: str
    status: LeadStatus
    source: str
    external_id: str | None = None
    channel: str
    channels: list[str]
    received_at: datetime
    contact: ContactOut
    flags: list[str] = Field(description="What is wrong with the contact data.")
    priority: PriorityOut
    returning_client: bool = False
    manager_id: str | None = None
    team: str | None = None
    assignment_reason: str | None = None
    sla_deadline: datetime | None = None
    sla_overdue: bool = Field(description="Still uncontacted past the deadline.")
    sla_breaches: int = 0
    escalated: bool = False
    first_contact_at: datetime | None = None
    response_seconds: int | None = None
    product: str | None = None
    region: str | None = None


class LeadDetailOut(LeadOut):
    """A lead with everything: request, activities and history."""

    aliases: list[str] = Field(description="Ids of duplicates merged into this lead.")
    request_text: str | None = None
    quantity: str | None = None
    budget: dict[str, str] | None = None
    deadline: str | None = None
    utm: dict[str, str] | None = None
    referred_by: str | None = None
    qualified_at: datetime | None = None
    converted_at: datetime | None = None
    disqualify_reason: str | None = None
    disqualify_note: str | None = None
    activities: list[dict[str, Any]]
    history: list[dict[str, Any]]


class LeadPage(BaseModel):
    """One page of leads, warmest first."""

    items: list[LeadOut]
    total: int = Field(description="How many match the filters.")
    offset: int = Field(description="Offset of this page.")
    next_offset: int | None = Field(description="Offset of the next page, if any.")
