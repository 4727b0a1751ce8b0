"""Request bodies of the deals HTTP API; money is a decimal string with an ISO 4217 code."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from deals.domain.contracts import ContractType, PaymentForm
from deals.domain.discounts import ClientSegment, ClientType
from deals.domain.requisites import LegalForm
from deals.domain.shipments import ClaimCategory
from shared.contracts.events.money import Money
from shared.contracts.values import DecimalString, EntityId, LongText, ShortText
from shared.kernel.zones import zone

TimeZone = Annotated[str, AfterValidator(lambda name: zone(name).key)]
SafeId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-]{1,64}$")]
"""Ids that become field names in stored maps: no dots, no `$`."""
Percent = Annotated[DecimalString, Field(ge=0, le=100)]
Quantity = Annotated[DecimalString, Field(gt=0)]


class Body(BaseModel):
    """Requests refuse unknown fields: a typo should not be silently dropped."""

    model_config = ConfigDict(extra="forbid")


class RequisitesIn(Body):
    """Russian requisites; checked by checksum on save."""

    inn: ShortText | None = Field(default=None, description="ИНН: 10 digits, 12 for ИП.")
    kpp: ShortText | None = Field(default=None, description="КПП (not for ИП).")
    ogrn: ShortText | None = Field(default=None, description="ОГРН, or ОГРНИП for ИП.")
    bank_account: ShortText | None = Field(default=None, description="Расчётный счёт, 20 digits.")
    bik: ShortText | None = Field(default=None, description="БИК, 9 digits.")
    correspondent_account: ShortText | None = Field(default=None, description="Корр. счёт.")
    bank_name: ShortText | None = Field(default=None, description="Bank name.")


class AddressesIn(Body):
    """A company's addresses."""

    legal: ShortText | None = Field(default=None, description="Юридический адрес.")
    postal: ShortText | None = Field(default=None, description="Почтовый адрес.")
    delivery: ShortText | None = Field(default=None, description="Адрес доставки.")


class PersonIn(Body):
    """A key person: director, chief accountant, key specialists."""

    name: ShortText = Field(description="Full name.")
    role: ShortText | None = Field(default=None, description="Position.")
    phone: ShortText | None = Field(default=None, description="Phone.")
    email: ShortText | None = Field(default=None, description="E-mail.")
    birthday: date | None = Field(default=None, description="Birthday, for greetings.")
    notes: LongText | None = Field(default=None, description="Preferences, notes.")


class ClientIn(Body):
    """A client company."""

    legal_form: LegalForm = Field(description="ООО, АО, ПАО, ИП, …")
    name: ShortText = Field(description="Full name.")
    short_name: ShortText | None = Field(default=None, description="Short name.")
    type: ClientType | None = Field(default=None, description="wholesale, retail, dealer, ...")
    requisites: RequisitesIn = Field(default_factory=RequisitesIn, description="Requisites.")
    addresses: AddressesIn = Field(default_factory=AddressesIn, description="Addresses.")
    phones: list[ShortText] = Field(default_factory=list, description="Company phones.")
    key_people: list[PersonIn] = Field(default_factory=list, description="Key people.")
    financial_notes: LongText | None = Field(default=None, description="Financial state notes.")
    time_zone: TimeZone | None = Field(default=None, description="IANA zone of the client.")
    manager_id: EntityId | None = Field(
        default=None,
        description="The account manager, whose client it is: by default the person adding it; "
        "kept when an update leaves it out.",
    )
    segment: ClientSegment | None = Field(
        default=None, description="Purchase segment; kept current from client.segment_changed."
    )


class ContactIn(PersonIn):
    """A contact person of a client."""

    id: EntityId | None = Field(default=None, description="Your id; a repeat adds nothing.")


class LineIn(Body):
    """A line of a deal: a catalogue product by `sku` at its list price, or a free line."""

    sku: EntityId | None = Field(
        default=None, description="A catalogue product: name, unit, VAT and price come from it."
    )
    product: ShortText | None = Field(default=None, description="A free line's product or service.")
    quantity: Quantity = Field(description="Quantity, as a decimal string.")
    unit_price: Money | None = Field(
        default=None, description="A free line's price per unit before discount."
    )
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = Field(
        default=None, description="The price list's currency for a `sku` line (RUB by default)."
    )
    requested_discount_percent: Percent | None = Field(
        default=None, description="A manual discount; above the manager's limit it needs approval."
    )

    @model_validator(mode="after")
    def _catalogue_or_free(self) -> LineIn:
        if self.sku is not None:
            given = [f for f in ("product", "unit_price") if getattr(self, f) is not None]
            if given:
                raise ValueError(f"a sku line takes its {given[0]} from the catalogue")
        elif self.product is None or self.unit_price is None:
            raise ValueError("a line needs a sku, or a product and a unit_price")
        return self


class DealIn(Body):
    """A deal opened by hand."""

    title: ShortText = Field(description="What is being sold to whom.")
    manager_id: EntityId = Field(description="Owner.")
    team: EntityId | None = Field(default=None, description="Team of the owner.")
    client_id: EntityId | None = Field(default=None, description="Client, once known.")
    pipeline_id: EntityId | None = Field(default=None, description="Pipeline; default 'default'.")
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = Field(
        default=None, description="ISO 4217 code of a deal without lines yet."
    )
    channel: EntityId | None = Field(default=None, description="Source channel.")
    expected_close_on: date | None = Field(default=None, description="Expected close date.")
    line_items: list[LineIn] = Field(default_factory=list, description="Lines.")


class DealPatch(Body):
    """Fields of a deal that are edited directly."""

    title: ShortText | None = Field(default=None, description="Title.")
    client_id: EntityId | None = Field(default=None, description="Client.")
    expected_close_on: date | None = Field(default=None, description="Expected close date.")
    proposal_sent_on: date | None = Field(default=None, description="When the proposal went out.")
    payment_form: PaymentForm | None = Field(default=None, description="How the client pays.")


class LinesIn(Body):
    """Replace a deal's lines."""

    items: list[LineIn] = Field(min_length=1, max_length=500, description="Lines.")
    payment_form: PaymentForm | None = Field(default=None, description="Payment form.")


class MoveIn(Body):
    """Move a deal to a stage."""

    to_stage: EntityId = Field(description="Target stage code.")
    by: EntityId | None = Field(
        default=None, description="Who moves it: a system must say; for a person, their token does."
    )
    lost_reason: EntityId | None = Field(default=None, description="Required for lost.")
    revisit_on: date | None = Field(
        default=None,
        description="For lost: when to try the client again (a task is set for that day).",
    )


class OwnerIn(Body):
    """Who takes over a deal."""

    manager_id: EntityId = Field(description="The new owner.")


class ApprovalIn(Body):
    """The head of sales' decision on a discount."""

    approved: bool = Field(description="Approve (true) or reject (false).")
    by: EntityId | None = Field(
        default=None,
        description="The head of sales: a system must say; for a person, their token does.",
    )


class ContractIn(Body):
    """A contract on a deal."""

    number: ShortText = Field(description="Contract number.")
    type: ContractType = Field(description="sale, supply, distribution, dealer, service, ...")
    payment_form: PaymentForm = Field(description="letter_of_credit, bank_transfer, ...")
    terms: LongText | None = Field(default=None, description="Terms and obligations.")
    signed_on: date | None = Field(default=None, description="Signed date.")
    renewal_on: date | None = Field(default=None, description="Renewal date (re-signing).")


class InstallmentIn(Body):
    """One installment: a due date and, unless all are split evenly, an amount."""

    due_on: date = Field(description="Due date in the client's time zone.")
    amount: Money | None = Field(default=None, description="Amount; omit on all to split evenly.")


class InvoiceIn(Body):
    """Issue an invoice on a deal."""

    invoice_id: EntityId | None = Field(default=None, description="Your id; a repeat is a no-op.")
    number: ShortText | None = Field(default=None, description="Printed number.")
    total: Money | None = Field(default=None, description="Total; default: the deal amount.")
    installments: list[InstallmentIn] = Field(
        min_length=1, max_length=120, description="The plan; amounts must add up to the total."
    )


class PaymentIn(Body):
    """A payment typed in by hand (accounting may publish payment.received instead)."""

    payment_id: EntityId | None = Field(default=None, description="Your id; a repeat is a no-op.")
    amount: Money = Field(description="Amount paid.")
    paid_at: AwareDatetime | None = Field(default=None, description="When; default now.")
    reference: ShortText | None = Field(default=None, description="Payment order number.")


class ShipmentIn(Body):
    """Plan a shipment."""

    shipment_id: SafeId | None = Field(default=None, description="Your id.")
    planned_on: date = Field(description="Planned date.")


class ShipmentMoveIn(Body):
    """Ship, deliver or return."""

    status: Literal["shipped", "delivered", "returned"] = Field(description="New status.")
    on: date = Field(description="Date it happened.")


class ClaimIn(Body):
    """Open a claim."""

    category: ClaimCategory = Field(description="quality, quantity, delivery_delay, ...")
    description: LongText = Field(min_length=1, description="What is wrong.")
    shipment_id: EntityId | None = Field(default=None, description="Shipment concerned.")


class ClaimMoveIn(Body):
    """Investigate, resolve or reject a claim."""

    status: Literal["investigating", "resolved", "rejected"] = Field(description="New status.")
    resolution: LongText | None = Field(default=None, description="Required to close.")


class StageIn(Body):
    """A pipeline stage."""

    code: EntityId = Field(description="Stage code.")
    name: ShortText = Field(description="Display name.")
    probability: Annotated[DecimalString, Field(ge=0, le=1)] = Field(description="0..1.")
    required_fields: list[str] = Field(default_factory=list, description="Gate: field paths.")
    kind: Literal["open", "won", "lost"] = Field(default="open", description="Stage kind.")


class PipelineIn(Body):
    """A pipeline."""

    name: ShortText = Field(description="Display name.")
    stages: list[StageIn] = Field(min_length=3, description="Open stages, then won and lost.")
    lost_reasons: list[EntityId] = Field(min_length=1, description="Allowed lost reasons.")
    stuck_stages: list[EntityId] = Field(
        default_factory=list, description="Stages where a deal waiting too long is flagged."
    )


class DiscountRuleIn(Body):
    """A discount scheme; `kind` says which fields apply."""

    id: EntityId = Field(description="Rule id, recorded on the lines it applies to.")
    kind: Literal["volume", "segment", "payment_form", "promotion"] = Field(description="Kind.")
    percent: Percent = Field(description="Discount in percent.")
    min_quantity: Quantity | None = Field(default=None, description="volume: from this quantity.")
    product: ShortText | None = Field(default=None, description="volume/promotion: product.")
    segment: ClientSegment | None = Field(default=None, description="segment: client segment.")
    client_type: ClientType | None = Field(default=None, description="segment: client type.")
    payment_form: PaymentForm | None = Field(default=None, description="payment_form: form.")
    valid_from: date | None = Field(default=None, description="promotion: first day.")
    valid_to: date | None = Field(default=None, description="promotion: last day.")


class DeputyIn(Body):
    """Whom the head of sales names to decide discounts in their place, and until when."""

    person_id: EntityId = Field(description="The deputy, as the identity provider names them.")
    until: AwareDatetime = Field(description="The end of the stand-in (aware); past ends it now.")
    named_by: EntityId | None = Field(
        default=None, description="The head of sales: a system must say; for a person, the token."
    )


class ProductIn(Body):
    """A catalogue product."""

    name: ShortText = Field(min_length=1, description="Name as documents show it.")
    unit: ShortText = Field(default="шт", min_length=1, description="Unit: шт, м, кг, услуга…")
    vat_rate: Percent | None = Field(
        default=None, description="VAT rate in percent (0, 5, 7, 10, 20, 22); none: without VAT."
    )
    active: bool = Field(default=True, description="False withdraws it from new lines.")


class PriceIn(Body):
    """A dated list price in one currency."""

    price: Money = Field(description="Price per unit, VAT included where the product has VAT.")
    valid_from: date = Field(description="First day it holds.")
    valid_to: date | None = Field(
        default=None, description="Last day it holds; open-ended if left out."
    )
