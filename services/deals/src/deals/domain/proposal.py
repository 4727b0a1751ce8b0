"""The proposal aggregate: versions of a deal's commercial proposal, sent, then answered."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from deals.domain.deal_lines import DealLine
from deals.domain.documents import DocumentLine
from deals.domain.money import Money, total
from deals.domain.refusal import Refused
from shared.contracts.events.base import EventModel
from shared.contracts.events.money import Money as WireMoney
from shared.contracts.events.proposals import (
    Attachment,
    ProposalAcceptedV1,
    ProposalDeclinedV1,
    ProposalSentV1,
)
from shared.kernel.aggregate import Aggregate

FREE_LINE_VAT = Decimal(20)
"""A line typed by hand, not from the catalogue, is printed with the general rate."""


def proposal_id_for(deal_id: str) -> str:
    """A deal has one proposal; each change of terms is a new version of it."""
    return f"proposal-{deal_id.removeprefix('deal-')}"


class ProposalState(StrEnum):
    """Where the proposal stands."""

    DRAFT = "draft"
    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"


@dataclass(frozen=True)
class ProposalVersion:
    """One version: its lines as priced on the deal, how long it holds, its terms."""

    version: int
    lines: tuple[DocumentLine, ...]
    valid_until: date
    terms: str | None
    created_at: datetime
    sent_at: datetime | None = None

    @property
    def total(self) -> Money:
        """What the client pays, VAT included."""
        return total((line.amount for line in self.lines), self.lines[0].currency)


@dataclass(frozen=True)
class SentLinks:
    """How the client answers the version sent: two signed links."""

    accept_url: str
    decline_url: str


def document_lines(lines: list[DealLine]) -> tuple[DocumentLine, ...]:
    """A deal's priced lines as a document prints them (catalogue unit and VAT when known)."""
    printed = []
    for number, line in enumerate(lines, start=1):
        item = line.item
        discount = line.priced.discount
        printed.append(
            DocumentLine(
                number=number,
                product=line.priced.line.product,
                unit=item.unit if item else "шт",
                quantity=line.priced.line.quantity,
                unit_price=line.priced.line.unit_price,
                discount_percent=discount.percent if discount else Decimal(0),
                vat_rate=item.vat_rate if item else FREE_LINE_VAT,
                sku=item.sku if item else None,
            )
        )
    return tuple(printed)


@dataclass(eq=False)
class Proposal(Aggregate[EventModel]):
    """A deal's proposal and its versions; only the latest version sent can be answered."""

    id: str
    number: str
    deal_id: str
    client_id: str | None
    manager_id: str
    versions: list[ProposalVersion] = field(default_factory=list)
    state: ProposalState = ProposalState.DRAFT
    answered_version: int | None = None
    answered_at: datetime | None = None
    answer_reason: str | None = None

    @property
    def aggregate_id(self) -> str:
        """The proposal id: the key of its events."""
        return self.id

    @property
    def latest(self) -> ProposalVersion:
        """The newest version."""
        return self.versions[-1]

    @classmethod
    def start(
        cls, deal_id: str, *, number: str, client_id: str | None, manager_id: str
    ) -> Proposal:
        """A proposal without versions yet."""
        return cls(
            id=proposal_id_for(deal_id),
            number=number,
            deal_id=deal_id,
            client_id=client_id,
            manager_id=manager_id,
        )

    def draft(
        self,
        lines: tuple[DocumentLine, ...],
        *,
        valid_until: date,
        terms: str | None,
        now: datetime,
    ) -> ProposalVersion:
        """A new version from the deal's lines as they stand; an answered proposal is closed."""
        if self.state in (ProposalState.ACCEPTED, ProposalState.DECLINED):
            raise Refused(f"the proposal was {self.state.value}: open a new deal to offer again")
        problems = []
        if not lines:
            problems.append("line_items: the deal has no lines to offer")
        if valid_until < now.date():
            problems.append("valid_until: in the past")
        if problems:
            raise Refused("the proposal cannot be drafted so", problems=tuple(problems))
        version = ProposalVersion(
            version=len(self.versions) + 1,
            lines=lines,
            valid_until=valid_until,
            terms=terms,
            created_at=now,
        )
        self.versions.append(version)
        self.state = ProposalState.DRAFT
        return version

    def send(
        self,
        *,
        links: SentLinks,
        document: Attachment,
        recipient_email: str | None,
        now: datetime,
    ) -> ProposalVersion:
        """Send the latest version; notifications mails each version once, so a new offer (or
        a new address) is a new version."""
        if not self.versions:
            raise Refused("draft a version first", missing=("versions",))
        if self.state in (ProposalState.ACCEPTED, ProposalState.DECLINED):
            raise Refused(f"the proposal was {self.state.value}")
        sent = replace(self.latest, sent_at=now)
        self.versions[-1] = sent
        self.state = ProposalState.SENT
        self.record(
            ProposalSentV1(
                proposal_id=self.id,
                number=self.number,
                version=sent.version,
                deal_id=self.deal_id,
                client_id=self.client_id,
                manager_id=self.manager_id,
                recipient_email=recipient_email,
                total=_wire(sent.total),
                valid_until=sent.valid_until.isoformat(),
                accept_url=links.accept_url,
                decline_url=links.decline_url,
                document=document,
                sent_at=now,
            )
        )
        return sent

    def accept(self, version: int, *, via: str, today: date, now: datetime) -> bool:
        """The client takes the version sent; False when it already did (a second click)."""
        if self.state == ProposalState.ACCEPTED and self.answered_version == version:
            return False
        answered = self._answerable(version, today)
        self.state, self.answered_version, self.answered_at = ProposalState.ACCEPTED, version, now
        self.record(
            ProposalAcceptedV1(
                proposal_id=self.id,
                version=version,
                deal_id=self.deal_id,
                client_id=self.client_id,
                manager_id=self.manager_id,
                total=_wire(answered.total),
                via=via,
                decided_at=now,
            )
        )
        return True

    def decline(
        self, version: int, *, via: str, reason: str | None, today: date, now: datetime
    ) -> bool:
        """The client turns the version sent down; False when it already did."""
        if self.state == ProposalState.DECLINED and self.answered_version == version:
            return False
        self._answerable(version, today, expired_ok=True)
        self.state, self.answered_version, self.answered_at = ProposalState.DECLINED, version, now
        self.answer_reason = reason
        self.record(
            ProposalDeclinedV1(
                proposal_id=self.id,
                version=version,
                deal_id=self.deal_id,
                client_id=self.client_id,
                manager_id=self.manager_id,
                via=via,
                reason=reason,
                decided_at=now,
            )
        )
        return True

    def _answerable(
        self, version: int, today: date, *, expired_ok: bool = False
    ) -> ProposalVersion:
        if self.state != ProposalState.SENT:
            raise Refused(f"the proposal is {self.state.value}, not awaiting an answer")
        if version != self.latest.version or self.latest.sent_at is None:
            raise Refused(
                f"version {version} is not the one awaiting an answer ({self.latest.version})"
            )
        if not expired_ok and self.latest.valid_until < today:
            raise Refused(f"the proposal held until {self.latest.valid_until.isoformat()}")
        return self.latest


def _wire(money: Money) -> WireMoney:
    return WireMoney(amount=money.amount, currency=money.currency)
