"""Deals: opened from converted leads or by hand, priced with discounts, moved through gates."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from deals.domain.contracts import PaymentForm
from deals.domain.deal import Deal, DealEdits, DealOpening
from deals.domain.deal_lines import (
    DealLine,
    LineRequest,
    PricingTerms,
    lines_total,
    price_request,
)
from deals.domain.deal_pipeline import (
    DEFAULT_PIPELINE_ID,
    DEFAULT_STUCK_STAGES,
    ConfiguredPipeline,
)
from deals.domain.deal_search import DealFilter
from deals.domain.money import Money
from deals.service_layer.deal_ports import (
    ClientProfiles,
    DealPaperwork,
    DealRepository,
    DiscountSettings,
)
from deals.service_layer.errors import NotFound, Refused
from deals.service_layer.pipelines import Pipelines
from shared.contracts.events.lead_lifecycle import LeadConvertedV1
from shared.platform.clock import Clock
from shared.platform.logging import get_logger

log = get_logger(__name__)

DEAL_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:voronka:deals:deal")
R = TypeVar("R")


def deal_id_for_lead(lead_id: str) -> str:
    """One lead converts into one deal, however often `lead.converted` is delivered."""
    return f"deal-{uuid.uuid5(DEAL_NAMESPACE, lead_id).hex[:20]}"


@dataclass(frozen=True)
class OpenDeal:
    """A deal opened by hand; lines, if any, are priced like `set_line_items` prices them."""

    title: str
    manager_id: str
    team: str | None = None
    client_id: str | None = None
    pipeline_id: str | None = None
    currency: str | None = None
    channel: str | None = None
    expected_close_on: date | None = None
    line_items: Sequence[LineRequest] = ()


@dataclass(frozen=True)
class FlaggedDeal:
    """A deal and whether it has waited too long for the client's money."""

    deal: Deal
    stuck: bool


@dataclass(frozen=True)
class DealPage:
    """One page of the deal list and how many deals match the filters."""

    items: list[FlaggedDeal] = field(default_factory=list)
    total: int = 0


class DealBook:
    """The use cases of a deal, plus the stuck flag every read shows."""

    def __init__(
        self,
        deals: DealRepository,
        pipelines: Pipelines,
        *,
        settings: DiscountSettings,
        clients: ClientProfiles,
        paperwork: DealPaperwork,
        clock: Clock,
        stuck_after_hours: int,
        default_max_discount: Decimal,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self._deals = deals
        self._pipelines = pipelines
        self._settings = settings
        self._clients = clients
        self._paperwork = paperwork
        self._clock = clock
        self._stuck_after = timedelta(hours=stuck_after_hours)
        self._default_max_discount = default_max_discount
        self._wake = wake

    async def hand_over_open_deals(
        self, from_manager: str, to_manager: str, *, reason: str, causation_id: str | None
    ) -> int:
        """Give every open deal of one manager to another; how many moved.

        Safe to repeat (a redelivery): a deal that moved already is not the manager's any more.
        """
        moved = 0
        for deal_id in await self._deals.open_ids_of(from_manager):
            changed = await self._deals.update(
                deal_id,
                lambda deal: deal.hand_over(to_manager, reason=reason, now=self._clock.now()),
                causation_id=causation_id,
            )
            moved += bool(changed and changed[1])
        if moved:
            self._wake()
        return moved

    async def hand_over(self, deal_id: str, to_manager: str, *, reason: str) -> tuple[Deal, str]:
        """Give one open deal to another manager (a closed deal keeps its owner: 409); the
        deal and its previous owner."""
        deal = await self.get(deal_id)
        deal.require_open()
        now = self._clock.now()
        changed = await self._change(
            deal_id, lambda d: d.hand_over(to_manager, reason=reason, now=now)
        )
        self._wake()
        return changed, deal.manager_id

    async def open_from_lead(self, event: LeadConvertedV1, *, event_id: str) -> str:
        """Create the deal a converted lead asks for; a redelivery finds it already there."""
        deal_id = deal_id_for_lead(event.lead_id)
        now = self._clock.now()
        # Lines from the lead carry no discount: schemes apply when the manager prices them.
        terms = PricingTerms(on=now.date(), manager_limit=self._default_max_discount)
        lines = [
            price_request(
                LineRequest(
                    product=p.product,
                    quantity=p.quantity or Decimal(1),
                    unit_price=Money.of(p.unit_price.amount, p.unit_price.currency),
                ),
                terms,
            )
            for p in event.products
            if p.unit_price is not None
        ]
        contact = event.contact
        title = contact.company or contact.name or event.lead_id
        if event.products:
            title = f"{title}: {event.products[0].product}"
        opening = DealOpening(
            title=title,
            manager_id=event.manager_id,
            amount=_estimate(event, lines),
            team=event.team,
            lead_id=event.lead_id,
            channel=event.channel.value,
            source=event.source,
            prospect=contact.model_dump(exclude_none=True),
            request_text=event.request_text,
            expected_close_on=event.expected_close_on,
            line_items=tuple(lines),
        )
        pipeline = await self._pipelines.get(DEFAULT_PIPELINE_ID)
        deal = Deal.open(deal_id, opening, pipeline, by=event.manager_id, now=now)
        await self._add(deal, causation_id=event_id)
        return deal_id

    async def open(self, command: OpenDeal, *, deal_id: str | None = None) -> Deal:
        """Create a deal by hand in the first stage of its pipeline, its lines priced."""
        now = self._clock.now()
        pipeline = await self._pipelines.get(command.pipeline_id or DEFAULT_PIPELINE_ID)
        opening = DealOpening(
            title=command.title,
            manager_id=command.manager_id,
            amount=Money.zero(command.currency or "RUB"),
            team=command.team,
            client_id=command.client_id,
            channel=command.channel,
            expected_close_on=command.expected_close_on,
        )
        deal_id = deal_id or f"deal-{uuid.uuid4().hex[:20]}"
        deal = Deal.open(deal_id, opening, pipeline, by=command.manager_id, now=now)
        if command.line_items:
            terms = await self._terms(deal, payment_form=None)
            deal.price(command.line_items, terms, now=now)
        await self._add(deal, causation_id=None)
        return deal

    async def _add(self, deal: Deal, *, causation_id: str | None) -> None:
        if await self._deals.add(deal, causation_id=causation_id):
            log.info("deal opened", deal_id=deal.id, lead_id=deal.lead_id)
            self._wake()

    async def get(self, deal_id: str) -> Deal:
        """One deal."""
        deal = await self._deals.get(deal_id)
        if deal is None:
            raise NotFound("deal")
        return deal

    async def flagged(self, deal: Deal) -> FlaggedDeal:
        """The deal with its stuck flag (per its pipeline's stuck stages)."""
        pipeline = await self._pipelines.get(deal.pipeline_id)
        stuck = pipeline.flags_as_stuck(
            deal.stage, deal.stage_entered_at, self._clock.now(), self._stuck_after
        )
        return FlaggedDeal(deal, stuck)

    async def list(
        self, search: DealFilter, *, only_stuck: bool, offset: int, limit: int
    ) -> DealPage:
        """A page of deals, newest activity first; `only_stuck`: the stuck ones, longest first.

        Stuck is asked of the database (each pipeline's stuck stages, entered before now less
        the limit), so pages and the total count stuck deals only.
        """
        if only_stuck:
            now = self._clock.now()
            stuck_in = tuple(
                (pipeline.id, stages)
                for pipeline in await self._pipelines.all()
                if search.pipeline_id in (None, pipeline.id)
                and (stages := _stuck_stages(pipeline, search.stage))
            )
            search = replace(
                search, stage=None, stuck_in=stuck_in, entered_before=now - self._stuck_after
            )
            if not stuck_in:
                return DealPage([], 0)
        deals, total = await self._deals.page(search, offset=offset, limit=limit)
        return DealPage([await self.flagged(deal) for deal in deals], total)

    async def update(self, deal_id: str, edits: DealEdits) -> Deal:
        """Change plain fields (title, client, close date, proposal sent, payment form)."""
        (await self.get(deal_id)).require_open()
        if (
            isinstance(edits.client_id, str)
            and edits.client_id
            and not await self._clients.exists(edits.client_id)
        ):
            raise Refused("no client with this id", problems=("client_id",))
        now = self._clock.now()
        return await self._change(deal_id, lambda deal: deal.edit(edits, now=now))

    async def set_line_items(
        self, deal_id: str, lines: Sequence[LineRequest], *, payment_form: PaymentForm | None
    ) -> Deal:
        """Price lines with the best discount each; past the manager's limit, approval waits."""
        deal = await self.get(deal_id)
        deal.require_open()
        terms = await self._terms(deal, payment_form=payment_form)
        now = self._clock.now()
        return await self._change(deal_id, lambda d: d.price(lines, terms, now=now))

    async def _terms(self, deal: Deal, *, payment_form: PaymentForm | None) -> PricingTerms:
        segment, client_type = (
            await self._clients.discount_profile(deal.client_id) if deal.client_id else (None, None)
        )
        limit = await self._settings.manager_limit(deal.manager_id)
        return PricingTerms(
            on=self._clock.now().date(),
            manager_limit=self._default_max_discount if limit is None else limit,
            rules=await self._settings.discount_rules(),
            segment=segment,
            client_type=client_type,
            payment_form=payment_form or deal.payment_form,
        )

    async def decide_discount(self, deal_id: str, *, approved: bool, by: str) -> Deal:
        """The head of sales approves or rejects a discount above the manager's limit."""
        now = self._clock.now()
        return await self._change(
            deal_id, lambda deal: deal.decide_discount(approved=approved, by=by, now=now)
        )

    async def move(self, deal_id: str, *, to_stage: str, by: str, lost_reason: str | None) -> Deal:
        """Move through the pipeline's gates; every move publishes `deal.stage_changed`."""
        loaded = await self.get(deal_id)
        pipeline = await self._pipelines.get(loaded.pipeline_id)
        paperwork = await self._paperwork.of_deal(deal_id)
        now = self._clock.now()
        deal = await self._change(
            deal_id,
            lambda d: d.move_to(
                to_stage, pipeline, paperwork, by=by, lost_reason=lost_reason, now=now
            ),
        )
        self._wake()
        return deal

    async def attach_contract(
        self, deal_id: str, *, contract: dict[str, Any], payment_form: str
    ) -> None:
        """Keep a copy of the deal's contract (what its gates check) and its payment form."""
        form = PaymentForm(payment_form)
        now = self._clock.now()
        await self._change(
            deal_id, lambda deal: deal.attach_contract(contract, payment_form=form, now=now)
        )

    async def _change(self, deal_id: str, change: Callable[[Deal], R]) -> Deal:
        changed = await self._deals.update(deal_id, change)
        if changed is None:
            raise NotFound("deal")
        return changed[0]


def _stuck_stages(pipeline: ConfiguredPipeline, stage: str | None) -> tuple[str, ...]:
    """A pipeline's stuck stages (`stage` alone when asked for and one of them)."""
    stages = pipeline.stuck_stages or DEFAULT_STUCK_STAGES
    return stages if stage is None else tuple(s for s in stages if s == stage)


def _estimate(event: LeadConvertedV1, lines: Sequence[DealLine]) -> Money:
    """The lead's estimate, else what its priced lines add up to, else nothing (in roubles)."""
    if event.amount_estimate is not None:
        return Money.of(event.amount_estimate.amount, event.amount_estimate.currency)
    if lines:
        return lines_total(lines, lines[0].net.currency)
    return Money.zero("RUB")
