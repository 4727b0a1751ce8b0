"""Commercial documents: a proposal or an invoice with its lines, totals and VAT, in exact decimals.

Prices include VAT, as Russian documents state them: a line's amount is what the buyer pays for
it, and the VAT inside it is amount × rate / (100 + rate), rounded per line to minor units
(half-up) and summed per rate. A line with `vat_rate=None` is not subject to VAT ("без НДС").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from deals.domain.money import CurrencyMismatch, Money, total
from deals.domain.requisites import LegalForm, is_individual

HUNDRED = Decimal(100)


class DocumentKind(StrEnum):
    """What the document is: a commercial proposal (КП) or an invoice (счёт на оплату)."""

    PROPOSAL = "proposal"
    INVOICE = "invoice"


class MissingRequisites(ValueError):
    """The document lacks requisites it must carry; `fields` names each (e.g. `buyer.inn`)."""

    def __init__(self, fields: tuple[str, ...]) -> None:
        super().__init__(f"missing requisites: {', '.join(fields)}")
        self.fields = fields


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


def _exact(value: object, what: str) -> Decimal:
    # Same rule as Money: a float is inexact before we see it, and True is not a number.
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{what} must be a Decimal or int, not {type(value).__name__}")
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(f"{what} must be finite")
    return number


@dataclass(frozen=True, slots=True)
class Party:
    """A seller or buyer as printed on a document; everything but the name may be unknown.

    `name` is the name without the legal form (`Ромашка`, or the entrepreneur's full name);
    quotes, if wanted, are part of the name as typed.
    """

    name: str
    legal_form: LegalForm | None = None
    inn: str | None = None
    kpp: str | None = None
    ogrn: str | None = None
    legal_address: str | None = None
    bank_name: str | None = None
    bank_account: str | None = None
    bik: str | None = None
    correspondent_account: str | None = None

    @property
    def title(self) -> str:
        """The name as a document prints it: `ООО «Ромашка»`, `ИП Иванов Иван Иванович`."""
        name = self.name.strip()
        return f"{self.legal_form} {name}" if self.legal_form is not None else name

    @property
    def is_individual(self) -> bool:
        """Whether the party is an individual entrepreneur (ИП): no KPP."""
        return self.legal_form is not None and is_individual(self.legal_form)

    def missing(self, path: str) -> tuple[str, ...]:
        """Fields a counterparty must carry on a proposal or invoice and lacks.

        Name, INN and legal address always; the KPP too unless the party is an ИП (a form
        not given is taken as an organisation, which has a KPP).
        """
        wanted = [("name", self.name), ("inn", self.inn)]
        if not self.is_individual:
            wanted.append(("kpp", self.kpp))
        wanted.append(("legal_address", self.legal_address))
        return tuple(f"{path}.{field}" for field, value in wanted if _blank(value))

    def missing_bank_details(self, path: str) -> tuple[str, ...]:
        """Bank fields a payee must give for an invoice to be payable."""
        wanted = [
            ("bank_name", self.bank_name),
            ("bank_account", self.bank_account),
            ("bik", self.bik),
            ("correspondent_account", self.correspondent_account),
        ]
        return tuple(f"{path}.{field}" for field, value in wanted if _blank(value))


@dataclass(frozen=True, slots=True)
class DocumentLine:
    """One priced line: quantity × unit price (VAT included) less a percent discount.

    `vat_rate` is a percent (20, 10, 0); None means the line is not subject to VAT.
    """

    number: int
    product: str
    unit: str
    quantity: Decimal
    unit_price: Money
    discount_percent: Decimal = Decimal(0)
    vat_rate: Decimal | None = Decimal(20)
    sku: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.number, bool) or not isinstance(self.number, int) or self.number < 1:
            raise ValueError("number must be a positive integer")
        if _blank(self.product):
            raise ValueError(f"line {self.number}: product is required")
        if _blank(self.unit):
            raise ValueError(f"line {self.number}: unit is required")
        quantity = _exact(self.quantity, "quantity")
        if quantity <= 0:
            raise ValueError(f"line {self.number}: quantity must be positive")
        if not isinstance(self.unit_price, Money):
            raise TypeError("unit_price must be Money")
        if self.unit_price.amount < 0:
            raise ValueError(f"line {self.number}: unit_price must not be negative")
        discount = _exact(self.discount_percent, "discount_percent")
        if not 0 <= discount <= HUNDRED:
            raise ValueError(f"line {self.number}: discount_percent must be within 0..100")
        object.__setattr__(self, "quantity", quantity)
        object.__setattr__(self, "discount_percent", discount)
        if self.vat_rate is not None:
            rate = _exact(self.vat_rate, "vat_rate")
            if not 0 <= rate < HUNDRED:
                raise ValueError(f"line {self.number}: vat_rate must be within 0..100 or None")
            object.__setattr__(self, "vat_rate", rate)

    @property
    def currency(self) -> str:
        """The currency the line is priced in."""
        return self.unit_price.currency

    @property
    def gross(self) -> Money:
        """Quantity × unit price before the discount, rounded half-up to minor units."""
        return Money(self.unit_price.amount * self.quantity, self.currency)

    @property
    def amount(self) -> Money:
        """What the buyer pays for the line, VAT included: rounded half-up once, at the end."""
        exact = self.unit_price.amount * self.quantity
        return Money(exact - exact * self.discount_percent / HUNDRED, self.currency)

    @property
    def discount_amount(self) -> Money:
        """How much the discount takes off (gross − amount, so the three add up)."""
        return self.gross - self.amount

    @property
    def vat(self) -> Money | None:
        """VAT included in the amount, rounded half-up; None for a line without VAT."""
        if self.vat_rate is None:
            return None
        rate = self.vat_rate
        return Money(self.amount.amount * rate / (HUNDRED + rate), self.currency)


@dataclass(frozen=True, slots=True)
class VatSubtotal:
    """Lines of one VAT rate: their amount (VAT included) and the VAT in it.

    `rate` None gathers the lines without VAT; their `vat` is None too.
    """

    rate: Decimal | None
    amount: Money
    vat: Money | None


@dataclass(frozen=True, slots=True)
class CommercialDocument:
    """A proposal or invoice as sent: who sells to whom, what, for how much, until when."""

    kind: DocumentKind
    number: str
    version: int
    issued_on: date
    seller: Party
    buyer: Party
    lines: tuple[DocumentLine, ...]
    currency: str = "RUB"
    valid_until: date | None = None
    terms: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", DocumentKind(self.kind))
        if _blank(self.number):
            raise ValueError("number is required")
        if isinstance(self.version, bool) or not isinstance(self.version, int) or self.version < 1:
            raise ValueError("version must be a positive integer")
        lines = tuple(self.lines)
        if not lines:
            raise ValueError("a document needs at least one line")
        numbers = [line.number for line in lines]
        if len(set(numbers)) != len(numbers):
            raise ValueError("line numbers must be unique")
        Money.zero(self.currency)  # refuses an unknown or malformed currency
        for line in lines:
            if line.currency != self.currency:
                raise CurrencyMismatch(
                    f"line {line.number} is in {line.currency}, the document in {self.currency}"
                )
        if self.valid_until is not None and self.valid_until < self.issued_on:
            raise ValueError("valid_until must not be before issued_on")
        object.__setattr__(self, "lines", lines)

    @property
    def total(self) -> Money:
        """What the buyer pays for the whole document, VAT included: the lines' amounts."""
        return total((line.amount for line in self.lines), self.currency)

    @property
    def vat_subtotals(self) -> tuple[VatSubtotal, ...]:
        """Amount and VAT per rate, highest rate first; lines without VAT come last."""
        rates: list[Decimal | None] = []
        for line in self.lines:
            if line.vat_rate not in rates:
                rates.append(line.vat_rate)
        rates.sort(key=lambda rate: (rate is None, -(rate or 0)))
        subtotals = []
        for rate in rates:
            lines = [line for line in self.lines if line.vat_rate == rate]
            amount = total((line.amount for line in lines), self.currency)
            vat = (
                None
                if rate is None
                else total((line.vat for line in lines if line.vat is not None), self.currency)
            )
            subtotals.append(VatSubtotal(rate, amount, vat))
        return tuple(subtotals)

    @property
    def vat_total(self) -> Money | None:
        """All VAT in the total (per line, summed); None when no line is subject to VAT."""
        vats = [s.vat for s in self.vat_subtotals if s.vat is not None]
        return total(vats, self.currency) if vats else None

    def missing_requisites(self) -> tuple[str, ...]:
        """Fields the document cannot go out without, e.g. `("buyer.inn", "buyer.kpp")`.

        The buyer's name, INN, KPP (not for an ИП) and legal address; an invoice also needs
        the seller's bank details, or it cannot be paid.
        """
        missing = self.buyer.missing("buyer")
        if self.kind is DocumentKind.INVOICE:
            missing += self.seller.missing_bank_details("seller")
        return missing

    def require_complete(self) -> None:
        """Raise MissingRequisites naming every missing field, if any."""
        missing = self.missing_requisites()
        if missing:
            raise MissingRequisites(missing)
