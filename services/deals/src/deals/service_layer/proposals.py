"""Proposal use cases: draft a version from the deal, send it as a PDF, take the answer."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

from deals.domain.deal import DealEdits
from deals.domain.documents import CommercialDocument, DocumentKind, MissingRequisites, Party
from deals.domain.proposal import Proposal, SentLinks, document_lines, proposal_id_for
from deals.domain.requisites import LegalForm
from deals.domain.signed_links import answer_link, is_signed
from deals.service_layer.clients import ClientBase
from deals.service_layer.deals import DealBook
from deals.service_layer.errors import NotFound, Refused
from deals.service_layer.task_rules import TaskRules
from shared.contracts.events.proposals import Attachment
from shared.platform.clock import Clock
from shared.platform.logging import get_logger

R = TypeVar("R")
Record = dict[str, Any]
Render = Callable[[CommercialDocument], bytes]

ACCEPT, DECLINE = "accept", "decline"
PROPOSAL_STAGE, NEXT_STAGE = "proposal", "negotiation"
"""The default pipeline's stages around a proposal: an accepted one moves the deal on."""

log = get_logger(__name__)


class ProposalRepository(Protocol):
    """Proposals by id."""

    async def get(self, aggregate_id: str) -> Proposal | None:
        """One proposal, or None."""

    async def add(self, aggregate: Proposal, *, causation_id: str | None = None) -> bool:
        """Store a new proposal."""

    async def update(
        self,
        aggregate_id: str,
        change: Callable[[Proposal], R],
        *,
        causation_id: str | None = None,
        attempts: int = 5,
    ) -> tuple[Proposal, R] | None:
        """Load, change and save; None if it is gone."""

    async def record(self, proposal_id: str) -> Record | None:
        """The stored proposal."""


class BadLink(Exception):
    """A link whose signature does not match: answered as not found."""


def party_of(profile: Mapping[str, Any]) -> Party:
    """A client (or the company) as a document prints it."""
    requisites = profile.get("requisites") or {}
    form = profile.get("legal_form")
    return Party(
        name=profile.get("name") or "",
        legal_form=LegalForm(form) if form else None,
        inn=requisites.get("inn"),
        kpp=requisites.get("kpp"),
        ogrn=requisites.get("ogrn"),
        legal_address=(profile.get("addresses") or {}).get("legal"),
        bank_name=requisites.get("bank_name"),
        bank_account=requisites.get("bank_account"),
        bik=requisites.get("bik"),
        correspondent_account=requisites.get("correspondent_account"),
    )


class ProposalDesk:
    """Commercial proposals of deals."""

    def __init__(
        self,
        proposals: ProposalRepository,
        *,
        deals: DealBook,
        clients: ClientBase,
        follow_ups: TaskRules,
        render: Render,
        seller: Party,
        link_secret: bytes,
        public_url: str,
        clock: Clock,
        time_zone: str,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self._proposals = proposals
        self._deals = deals
        self._clients = clients
        self._follow_ups = follow_ups
        self._render = render
        self._seller = seller
        self._secret = link_secret
        self._public_url = public_url
        self._clock = clock
        self._zone = ZoneInfo(time_zone)
        self._wake = wake

    def _today(self) -> date:
        return self._clock.now().astimezone(self._zone).date()

    async def draft(self, deal_id: str, *, valid_until: date, terms: str | None) -> Proposal:
        """A new version from the deal's lines as they stand now."""
        deal = await self._deals.get(deal_id)
        lines = document_lines(list(deal.line_items))
        now = self._clock.now()
        proposal_id = proposal_id_for(deal_id)
        changed = await self._proposals.update(
            proposal_id, lambda p: p.draft(lines, valid_until=valid_until, terms=terms, now=now)
        )
        if changed is not None:
            return changed[0]
        proposal = Proposal.start(
            deal_id,
            number=f"КП-{deal_id.removeprefix('deal-')[:8].upper()}",
            client_id=deal.client_id,
            manager_id=deal.manager_id,
        )
        proposal.draft(lines, valid_until=valid_until, terms=terms, now=now)
        if not await self._proposals.add(proposal):
            return await self.draft(deal_id, valid_until=valid_until, terms=terms)
        return proposal

    async def get(self, deal_id: str) -> Record:
        """The deal's proposal with its versions."""
        found = await self._proposals.record(proposal_id_for(deal_id))
        if found is None:
            raise NotFound("proposal")
        return found

    async def send(self, deal_id: str, *, recipient_email: str | None) -> Proposal:
        """Render the latest version and send it; missing requisites are named (409)."""
        proposal = await self._proposals.get(proposal_id_for(deal_id))
        if proposal is None or not proposal.versions:
            raise NotFound("proposal")
        if proposal.client_id is None:
            raise Refused("the deal has no client to send to", missing=("client_id",))
        buyer = party_of(await self._clients.get(proposal.client_id))
        latest = proposal.latest
        document = CommercialDocument(
            kind=DocumentKind.PROPOSAL,
            number=proposal.number,
            version=latest.version,
            issued_on=self._today(),
            seller=self._seller,
            buyer=buyer,
            lines=latest.lines,
            currency=latest.total.currency,
            valid_until=latest.valid_until,
            terms=latest.terms,
        )
        missing = document.missing_requisites()
        if missing:
            raise Refused("the client's requisites are incomplete", missing=missing)
        try:
            pdf = await asyncio.to_thread(self._render, document)
        except MissingRequisites as exc:
            raise Refused("requisites are incomplete", missing=exc.fields) from exc
        attachment = Attachment(
            filename=f"{proposal.number}-v{latest.version}.pdf",
            media_type="application/pdf",
            content_base64=base64.b64encode(pdf).decode("ascii"),
        )
        links = SentLinks(
            accept_url=answer_link(
                self._public_url, self._secret, proposal.id, latest.version, ACCEPT
            ),
            decline_url=answer_link(
                self._public_url, self._secret, proposal.id, latest.version, DECLINE
            ),
        )
        now = self._clock.now()
        changed = await self._proposals.update(
            proposal.id,
            lambda p: p.send(
                links=links, document=attachment, recipient_email=recipient_email, now=now
            ),
        )
        assert changed is not None
        self._wake()
        sent_on = self._today()
        deal = await self._deals.update(deal_id, DealEdits(proposal_sent_on=sent_on))
        await self._follow_ups.on_proposal_sent(
            deal.id,
            manager_id=deal.manager_id,
            team=deal.team,
            client_id=deal.client_id,
            sent_on=sent_on,
        )
        return changed[0]

    async def answer(
        self, proposal_id: str, version: int, answer: str, *, via: str, reason: str | None
    ) -> Proposal:
        """The client's answer (by its link, or as the manager records it)."""
        today, now = self._today(), self._clock.now()
        if answer == ACCEPT:
            changed = await self._proposals.update(
                proposal_id, lambda p: p.accept(version, via=via, today=today, now=now)
            )
        else:
            changed = await self._proposals.update(
                proposal_id,
                lambda p: p.decline(version, via=via, reason=reason, today=today, now=now),
            )
        if changed is None:
            raise NotFound("proposal")
        proposal, first_time = changed
        if first_time:
            self._wake()
            if answer == ACCEPT:
                await self._advance(proposal.deal_id)
            await self._follow_ups.on_proposal_answered(
                proposal.deal_id,
                accepted=answer == ACCEPT,
                manager_id=proposal.manager_id,
                client_id=proposal.client_id,
                version=version,
            )
        return proposal

    async def _advance(self, deal_id: str) -> None:
        """An accepted proposal moves a deal waiting on it on to negotiation, gates allowing."""
        deal = await self._deals.get(deal_id)
        if deal.stage != PROPOSAL_STAGE:
            return
        try:
            await self._deals.move(deal_id, to_stage=NEXT_STAGE, by="system", lost_reason=None)
        except Refused as exc:
            # The gate wants something only the manager can give; the follow-up task says so.
            log.info("accepted proposal left the deal in place", deal_id=deal_id, reason=str(exc))

    async def answer_by_link(
        self, proposal_id: str, version: int, answer: str, signature: str
    ) -> Proposal:
        """A client's click: the signature must be this answer's to this version."""
        if answer not in (ACCEPT, DECLINE) or not is_signed(
            self._secret, proposal_id, version, answer, signature
        ):
            raise BadLink(proposal_id)
        return await self.answer(proposal_id, version, answer, via="link", reason=None)
