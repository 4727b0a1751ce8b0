"""``lead.received``: a lead as a channel or an external system sent it, before any cleaning."""

from datetime import date
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field

from shared.contracts.events.base import ContractModel, EventModel
from shared.contracts.events.money import Money
from shared.contracts.topics import Topic
from shared.contracts.values import DecimalString, EntityId, LongText, ShortText, UtcDatetime

# Quantities are not money: a web form may well send ``2.5`` (tonnes) as a JSON number, so
# floats are accepted here; they still travel onwards as exact decimal strings.
Quantity = Annotated[DecimalString, Field(gt=0, max_digits=28, allow_inf_nan=False)]


class LeadChannel(StrEnum):
    """Where a lead came from; reports group revenue by it."""

    PHONE = "phone"
    EMAIL = "email"
    WEB_FORM = "web_form"
    SOCIAL = "social"
    MESSENGER = "messenger"
    MARKETPLACE = "marketplace"
    REFERRAL = "referral"
    EXHIBITION = "exhibition"
    MANUAL = "manual"


class LeadContact(ContractModel):
    """Contact details exactly as sent; the leads service normalises and checks them.

    Nothing is validated here on purpose: a lead with a badly typed phone is still a lead,
    and rejecting it at the contract would lose it instead of flagging it.
    """

    name: ShortText | None = Field(
        default=None,
        description="Person's name as given.",
        examples=["Иван Петров"],
    )
    phone: ShortText | None = Field(
        default=None,
        description="Phone number as typed, in any format.",
        examples=["+7 (912) 345-67-89"],
    )
    email: ShortText | None = Field(
        default=None,
        description="E-mail address as typed.",
        examples=["ivan.petrov@example.ru"],
    )
    company: ShortText | None = Field(
        default=None,
        description="Company name as given, legal form included if any.",
        examples=["ООО «Ромашка»"],
    )
    messenger_handle: ShortText | None = Field(
        default=None,
        description="Messenger account (e.g. a Telegram username) as given.",
        examples=["@ivan_petrov"],
    )


class UtmTags(ContractModel):
    """UTM tags of the page a web lead came from; they attribute leads to campaigns."""

    source: ShortText | None = Field(
        default=None, description="utm_source: the referrer.", examples=["yandex"]
    )
    medium: ShortText | None = Field(
        default=None, description="utm_medium: the marketing medium.", examples=["cpc"]
    )
    campaign: ShortText | None = Field(
        default=None, description="utm_campaign: the campaign name.", examples=["spring_sale"]
    )
    content: ShortText | None = Field(
        default=None, description="utm_content: the ad variant.", examples=["banner_a"]
    )
    term: ShortText | None = Field(
        default=None, description="utm_term: the paid keyword.", examples=["купить станок"]
    )


class LeadReceivedV1(EventModel):
    """A lead arrived. Published by channel adapters and by external systems directly.

    The publisher does not know Voronka's lead id; the leads service mints it and
    deduplicates by (``source``, ``external_id``) and by contact. The contract only requires
    ``source`` and ``channel`` so that no lead is refused for missing details: the leads
    service flags incomplete ones instead.
    """

    event_type: ClassVar[str] = Topic.LEAD_RECEIVED.value
    event_version: ClassVar[int] = 1

    source: EntityId = Field(
        description="Name of the publishing system or adapter.",
        examples=["website", "telephony"],
    )
    external_id: EntityId | None = Field(
        default=None,
        description="The lead's id in the publishing system; used to deduplicate.",
        examples=["form-2025-000123"],
    )
    channel: LeadChannel = Field(
        description="Channel the lead came through.",
        examples=[LeadChannel.WEB_FORM.value],
    )
    received_at: UtcDatetime | None = Field(
        default=None,
        description="When the publisher received the lead; absent means the event time.",
        examples=["2025-03-14T09:30:00Z"],
    )
    contact: LeadContact = Field(
        default_factory=LeadContact,
        description="Contact details as sent, unvalidated.",
        examples=[{"name": "Иван Петров", "phone": "+7 (912) 345-67-89"}],
    )
    request_text: LongText | None = Field(
        default=None,
        description="The lead's message in their own words.",
        examples=["Нужны 20 станков ЧПУ до конца квартала, бюджет 3 млн"],
    )
    product: ShortText | None = Field(
        default=None,
        description="Product or service the lead named, if any; a warmth signal.",
        examples=["Станок ЧПУ X200"],
    )
    quantity: Quantity | None = Field(
        default=None,
        description="Quantity the lead named (positive, in the product's units).",
        examples=["20"],
    )
    budget: Money | None = Field(
        default=None,
        description="Budget the lead named.",
        examples=[{"amount": "3000000", "currency": "RUB"}],
    )
    region: ShortText | None = Field(
        default=None,
        description="Region or city as given.",
        examples=["Екатеринбург"],
    )
    deadline: date | None = Field(
        default=None,
        description="Date by which the lead needs the product.",
        examples=["2025-06-30"],
    )
    utm: UtmTags | None = Field(
        default=None,
        description="UTM tags of a web lead.",
        examples=[{"source": "yandex", "medium": "cpc", "campaign": "spring_sale"}],
    )
    referred_by: ShortText | None = Field(
        default=None,
        description="Who referred the lead (a client's name or id), for referral leads.",
        examples=["client-5521"],
    )
