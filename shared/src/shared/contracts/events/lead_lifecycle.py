"""Events the leads service publishes as a lead moves from assignment to a deal or a refusal."""

from datetime import date
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import Field

from shared.contracts.events.base import ContractModel, EventModel
from shared.contracts.events.lead_received import LeadChannel, Quantity, UtmTags
from shared.contracts.events.money import Money
from shared.contracts.topics import Topic
from shared.contracts.values import EntityId, LongText, ShortText, UtcDatetime

Score = Annotated[int, Field(ge=-1000, le=1000)]


class ActivityKind(StrEnum):
    """What a manager did with a lead, a deal or a client."""

    CALL = "call"
    EMAIL = "email"
    MESSAGE = "message"
    MEETING = "meeting"
    NOTE = "note"
    OBJECTION = "objection"


class ActivityDirection(StrEnum):
    """Who started the exchange."""

    OUTBOUND = "outbound"
    INBOUND = "inbound"


class ReassignReason(StrEnum):
    """Why a lead changed hands."""

    SLA_BREACH = "sla_breach"
    ESCALATION = "escalation"
    MANUAL = "manual"


def _lead_id() -> Any:
    return Field(description="Voronka's id of the lead (the Kafka key).", examples=["lead-3f9c2a"])


def _manager_id() -> Any:
    return Field(description="Id of the manager.", examples=["mgr-ivanova"])


class LeadAssignedV1(EventModel):
    """A new lead got its first owner (a manager, or the team queue when nobody is eligible).

    Carries the lead's channel, source and times so that reports can count leads by channel
    without reading the leads service's database.
    """

    event_type: ClassVar[str] = Topic.LEAD_ASSIGNED.value
    event_version: ClassVar[int] = 1

    lead_id: EntityId = _lead_id()
    manager_id: EntityId | None = Field(
        default=None,
        description="Manager who owns the lead; absent when it waits in the team queue.",
        examples=["mgr-ivanova"],
    )
    team: EntityId | None = Field(
        default=None, description="Team the lead belongs to.", examples=["moscow-sales"]
    )
    reason: ShortText = Field(
        description="Why this owner: client_manager, round_robin, least_loaded, rule:<name> "
        "or no_eligible_manager.",
        examples=["round_robin"],
    )
    channel: LeadChannel = Field(
        description="Channel the lead came through.", examples=[LeadChannel.PHONE.value]
    )
    source: EntityId = Field(description="System that sent the lead.", examples=["telephony"])
    received_at: UtcDatetime = Field(
        description="When the lead arrived.", examples=["2026-03-02T09:00:00Z"]
    )
    assigned_at: UtcDatetime = Field(
        description="When the lead was assigned.", examples=["2026-03-02T09:00:01Z"]
    )
    sla_deadline: UtcDatetime | None = Field(
        default=None,
        description="First contact is due by then, counted in the team's business hours.",
        examples=["2026-03-02T10:00:01Z"],
    )
    priority: Score = Field(description="Priority score; higher is warmer.", examples=[45])
    returning_client: bool = Field(
        default=False,
        description="The contact belongs to a lead converted earlier.",
        examples=[False],
    )


class LeadReassignedV1(EventModel):
    """A lead moved to another owner: the SLA passed, it was escalated, or moved by hand."""

    event_type: ClassVar[str] = Topic.LEAD_REASSIGNED.value
    event_version: ClassVar[int] = 1

    lead_id: EntityId = _lead_id()
    from_manager_id: EntityId | None = Field(
        default=None,
        description="Previous owner; absent when the lead came from the team queue.",
        examples=["mgr-ivanova"],
    )
    to_manager_id: EntityId | None = Field(
        default=None,
        description="New owner; absent when the lead went to the team queue.",
        examples=["mgr-petrov"],
    )
    team: EntityId | None = Field(
        default=None, description="Team the lead belongs to.", examples=["moscow-sales"]
    )
    reason: ReassignReason = Field(
        description="Why the lead moved.", examples=[ReassignReason.SLA_BREACH.value]
    )
    detail: ShortText | None = Field(
        default=None,
        description="How the new owner was chosen, or the note of a manual move.",
        examples=["round_robin"],
    )
    breach_count: int = Field(ge=0, description="SLA breaches on this lead so far.", examples=[1])
    reassigned_at: UtcDatetime = Field(
        description="When the lead moved.", examples=["2026-03-02T10:00:02Z"]
    )
    sla_deadline: UtcDatetime | None = Field(
        default=None,
        description="The new owner's first-contact deadline; absent after an escalation.",
        examples=["2026-03-02T11:00:02Z"],
    )


class LeadSlaBreachedV1(EventModel):
    """The owner made no first contact before the deadline."""

    event_type: ClassVar[str] = Topic.LEAD_SLA_BREACHED.value
    event_version: ClassVar[int] = 1

    lead_id: EntityId = _lead_id()
    manager_id: EntityId | None = Field(
        default=None,
        description="Owner who missed the deadline; absent for a lead left in the team queue.",
        examples=["mgr-ivanova"],
    )
    team: EntityId | None = Field(
        default=None, description="Team the lead belongs to.", examples=["moscow-sales"]
    )
    channel: LeadChannel = Field(
        description="Channel the lead came through.", examples=[LeadChannel.WEB_FORM.value]
    )
    deadline: UtcDatetime = Field(
        description="The deadline that passed.", examples=["2026-03-02T10:00:01Z"]
    )
    breached_at: UtcDatetime = Field(
        description="When the breach was detected.", examples=["2026-03-02T10:00:02Z"]
    )
    breach_count: int = Field(
        ge=1, description="Breaches on this lead, this one included.", examples=[1]
    )
    escalated: bool = Field(
        description="The breach count reached the limit: the head of sales takes over.",
        examples=[False],
    )
    escalated_to: EntityId | None = Field(
        default=None,
        description="Head of sales the lead was escalated to.",
        examples=["mgr-head"],
    )


class LeadContactedV1(EventModel):
    """The first contact with a lead was logged; the response clock stops here."""

    event_type: ClassVar[str] = Topic.LEAD_CONTACTED.value
    event_version: ClassVar[int] = 1

    lead_id: EntityId = _lead_id()
    manager_id: EntityId = _manager_id()
    team: EntityId | None = Field(
        default=None, description="Team the lead belongs to.", examples=["moscow-sales"]
    )
    activity_id: EntityId = Field(
        description="The activity that made the contact.", examples=["act-91b2"]
    )
    kind: ActivityKind = Field(description="How contact was made.", examples=["call"])
    contacted_at: UtcDatetime = Field(
        description="When contact was made.", examples=["2026-03-02T09:20:00Z"]
    )
    received_at: UtcDatetime = Field(
        description="When the lead arrived.", examples=["2026-03-02T09:00:00Z"]
    )
    response_seconds: int = Field(
        ge=0,
        description="Wall-clock seconds from arrival to first contact.",
        examples=[1200],
    )
    within_sla: bool = Field(
        description="Contact came before the current owner's deadline.", examples=[True]
    )


class LeadActivityLoggedV1(EventModel):
    """A call, e-mail, message, meeting or note on a lead; telephony may publish it too.

    Publishers outside Voronka identify the lead by ``lead_id`` or, failing that, by the
    phone number or e-mail the lead used; the leads service resolves it to an open lead.
    """

    event_type: ClassVar[str] = Topic.LEAD_ACTIVITY_LOGGED.value
    event_version: ClassVar[int] = 1

    activity_id: EntityId = Field(
        description="Id of the activity, unique per publisher; used to deduplicate.",
        examples=["call-20260302-0042"],
    )
    lead_id: EntityId | None = Field(
        default=None,
        description="Voronka's lead id, when the publisher knows it.",
        examples=["lead-3f9c2a"],
    )
    contact_phone: ShortText | None = Field(
        default=None,
        description="The lead's phone, to find the lead when lead_id is not known.",
        examples=["+79123456789"],
    )
    manager_id: EntityId = _manager_id()
    kind: ActivityKind = Field(description="What was done.", examples=["call"])
    direction: ActivityDirection = Field(
        default=ActivityDirection.OUTBOUND,
        description="Who started the exchange.",
        examples=["outbound"],
    )
    outcome: ShortText | None = Field(
        default=None,
        description="Result as the manager or the PBX recorded it (answered, no_answer, ...).",
        examples=["answered"],
    )
    duration_seconds: int | None = Field(
        default=None, ge=0, description="Length of a call or meeting.", examples=[185]
    )
    occurred_at: UtcDatetime = Field(
        description="When the activity happened.", examples=["2026-03-02T09:20:00Z"]
    )
    team: EntityId | None = Field(
        default=None,
        description="Team of the lead; filled in by the leads service.",
        examples=["moscow-sales"],
    )
    counts_as_contact: bool | None = Field(
        default=None,
        description="Whether it counted as a contact with the lead; set by the leads service.",
        examples=[True],
    )


class LeadQualifiedV1(EventModel):
    """A lead was confirmed as a real sales opportunity."""

    event_type: ClassVar[str] = Topic.LEAD_QUALIFIED.value
    event_version: ClassVar[int] = 1

    lead_id: EntityId = _lead_id()
    manager_id: EntityId = _manager_id()
    team: EntityId | None = Field(
        default=None, description="Team the lead belongs to.", examples=["moscow-sales"]
    )
    channel: LeadChannel = Field(description="Channel the lead came through.", examples=["phone"])
    qualified_at: UtcDatetime = Field(
        description="When the lead was qualified.", examples=["2026-03-02T11:00:00Z"]
    )


class ConvertedContact(ContractModel):
    """The person behind a converted lead, cleaned by the leads service."""

    name: ShortText | None = Field(
        default=None, description="Person's name, trimmed.", examples=["Иван Петров"]
    )
    phone: ShortText | None = Field(
        default=None,
        description="Phone in E.164 when valid, else as typed.",
        examples=["+79123456789"],
    )
    email: ShortText | None = Field(
        default=None,
        description="E-mail, lower-cased when valid, else as typed.",
        examples=["ivan.petrov@example.ru"],
    )
    company: ShortText | None = Field(
        default=None, description="Company name as given.", examples=["ООО «Ромашка»"]
    )
    messenger_handle: ShortText | None = Field(
        default=None, description="Messenger account.", examples=["@ivan_petrov"]
    )


class ProductInterest(ContractModel):
    """One product the lead wants, with an optional quantity and price estimate."""

    product: ShortText = Field(description="Product or service.", examples=["Станок ЧПУ X200"])
    quantity: Quantity | None = Field(default=None, description="Quantity wanted.", examples=["20"])
    unit_price: Money | None = Field(
        default=None,
        description="Price per unit the manager expects.",
        examples=[{"amount": "150000.00", "currency": "RUB"}],
    )


class LeadConvertedV1(EventModel):
    """A qualified lead became a deal: everything the deals service needs to open it."""

    event_type: ClassVar[str] = Topic.LEAD_CONVERTED.value
    event_version: ClassVar[int] = 1

    lead_id: EntityId = _lead_id()
    manager_id: EntityId = Field(
        description="Manager who will own the deal.", examples=["mgr-ivanova"]
    )
    team: EntityId | None = Field(
        default=None, description="Team the lead belongs to.", examples=["moscow-sales"]
    )
    channel: LeadChannel = Field(description="Channel the lead came through.", examples=["phone"])
    source: EntityId = Field(description="System that sent the lead.", examples=["website"])
    received_at: UtcDatetime = Field(
        description="When the lead arrived.", examples=["2026-03-02T09:00:00Z"]
    )
    converted_at: UtcDatetime = Field(
        description="When the lead was converted.", examples=["2026-03-03T12:00:00Z"]
    )
    contact: ConvertedContact = Field(
        description="The person and company.", examples=[{"name": "Иван Петров"}]
    )
    request_text: LongText | None = Field(
        default=None, description="The lead's request.", examples=["Нужны 20 станков ЧПУ"]
    )
    products: tuple[ProductInterest, ...] = Field(
        default=(),
        description="Products the deal starts with.",
        examples=[[{"product": "Станок ЧПУ X200", "quantity": "20"}]],
    )
    amount_estimate: Money | None = Field(
        default=None,
        description="Expected deal amount.",
        examples=[{"amount": "3000000.00", "currency": "RUB"}],
    )
    region: ShortText | None = Field(
        default=None, description="Region or city.", examples=["Екатеринбург"]
    )
    utm: UtmTags | None = Field(
        default=None, description="UTM tags of a web lead.", examples=[{"source": "yandex"}]
    )
    expected_close_on: date | None = Field(
        default=None,
        description="Date the manager expects to close the deal, if given.",
        examples=["2026-04-30"],
    )


class LeadDisqualifiedV1(EventModel):
    """A lead was closed as not a sales opportunity, with a reason from the configured list."""

    event_type: ClassVar[str] = Topic.LEAD_DISQUALIFIED.value
    event_version: ClassVar[int] = 1

    lead_id: EntityId = _lead_id()
    manager_id: EntityId | None = Field(
        default=None, description="Manager who closed it.", examples=["mgr-ivanova"]
    )
    team: EntityId | None = Field(
        default=None, description="Team the lead belongs to.", examples=["moscow-sales"]
    )
    channel: LeadChannel = Field(description="Channel the lead came through.", examples=["phone"])
    reason: EntityId = Field(
        description="Reason code from the configured list.", examples=["no_budget"]
    )
    note: LongText | None = Field(
        default=None, description="Free-text comment.", examples=["Вернуться осенью"]
    )
    disqualified_at: UtcDatetime = Field(
        description="When the lead was closed.", examples=["2026-03-02T12:00:00Z"]
    )


__all__ = [
    "ActivityDirection",
    "ActivityKind",
    "ConvertedContact",
    "LeadActivityLoggedV1",
    "LeadAssignedV1",
    "LeadContactedV1",
    "LeadConvertedV1",
    "LeadDisqualifiedV1",
    "LeadQualifiedV1",
    "LeadReassignedV1",
    "LeadSlaBreachedV1",
    "ProductInterest",
    "ReassignReason",
]
