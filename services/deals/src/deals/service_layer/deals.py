"""Deals: opened from converted leads or by hand, priced with discounts, moved through gates."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from deals.adapters.store import DealsStore, Doc
from deals.domain.contracts import PaymentForm
from deals.domain.discounts import (
    ClientSegment,
    ClientType,
    DiscountContext,
    DiscountKind,
    DiscountRule,
    LineItem,
    PaymentFormDiscount,
    Promotion,
    SegmentDiscount,
    VolumeTier,
    best_discount,
    needs_approval,
    price_line,
)
from deals.domain.money import Money, total
from deals.domain.pipeline import StageKind, is_stuck
from deals.service_layer.errors import NotFound, Refused
from deals.service_layer.events import deal_event
from deals.service_layer.facts import gate_facts
from deals.service_layer.money_docs import money_doc, money_of, wire
from deals.service_layer.pipelines import DEFAULT_PIPELINE_ID, Pipelines, pipeline_of
from shared.contracts.events.deal_stage_changed import DealStageChangedV1
from shared.contracts.events.deal_stage_changed import StageKind as WireStageKind
from shared.contracts.events.lead_lifecycle import LeadConvertedV1
from shared.platform.clock import Clock
from shared.platform.logging import get_logger
from shared.platform.outbox import outbox_fields, with_outbox
from shared.platform.revisions import modify

log = get_logger(__name__)

DEAL_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:voronka:deals:deal")
DISCOUNT_RULES_ID = "discount_rules"
MANAGER_LIMITS_ID = "manager_discount_limits"
SYSTEM = "system"


def deal_id_for_lead(lead_id: str) -> str:
    """One lead converts into one deal, however often `lead.converted` is delivered."""
    return f"deal-{uuid.uuid5(DEAL_NAMESPACE, lead_id).hex[:20]}"


@dataclass(frozen=True)
class LineRequest:
    """A line as the manager enters it."""

    product: str
    quantity: Decimal
    unit_price: Money
    requested_discount_percent: Decimal | None = None


class DealBook:
    """The write side of deals, plus the stuck flag every read shows."""

    def __init__(
        self,
        store: DealsStore,
        pipelines: Pipelines,
        *,
        clock: Clock,
        stuck_after_hours: int,
        default_max_discount: Decimal,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self._store = store
        self._pipelines = pipelines
        self._clock = clock
        self._stuck_hours = stuck_after_hours
        self._default_max_discount = default_max_discount
        self._wake = wake

    async def open_from_lead(self, event: LeadConvertedV1, *, event_id: str) -> str:
        """Create the deal a converted lead asks for; a redelivery finds it already there."""
        deal_id = deal_id_for_lead(event.lead_id)
        now = self._clock.now()
        lines = [
            {
                "product": p.product,
                "quantity": str(p.quantity or Decimal(1)),
                "unit_price": {
                    "amount": str(p.unit_price.amount),
                    "currency": p.unit_price.currency,
                },
            }
            for p in event.products
            if p.unit_price is not None
        ]
        priced = [self._price(self._line_of(raw), None, {}, now.date(), ()) for raw in lines]
        if event.amount_estimate is not None:
            amount = Money.of(event.amount_estimate.amount, event.amount_estimate.currency)
        elif priced:
            amount = total(
                (Money.of(Decimal(p["net"]["amount"]), p["net"]["currency"]) for p in priced),
                priced[0]["net"]["currency"],
            )
        else:
            amount = Money.zero("RUB")
        contact = event.contact
        title = contact.company or contact.name or event.lead_id
        if event.products:
            title = f"{title}: {event.products[0].product}"
        fields = {
            "title": title,
            "manager_id": event.manager_id,
            "team": event.team,
            "client_id": None,
            "lead_id": event.lead_id,
            "channel": event.channel.value,
            "source": event.source,
            "prospect": contact.model_dump(exclude_none=True),
            "request_text": event.request_text,
            "line_items": priced,
            "amount": money_doc(amount),
            "expected_close_on": event.expected_close_on.isoformat()
            if event.expected_close_on
            else None,
        }
        await self._open(deal_id, fields, by=event.manager_id, causation_id=event_id)
        return deal_id

    async def open(self, fields: dict[str, Any], *, by: str, deal_id: str | None = None) -> Doc:
        """Create a deal by hand in the first stage of its pipeline."""
        deal_id = deal_id or f"deal-{uuid.uuid4().hex[:20]}"
        raw_lines = fields.pop("line_items", None) or []
        fields.setdefault("amount", money_doc(Money.zero(fields.pop("currency", None) or "RUB")))
        await self._open(deal_id, fields, by=by, causation_id=None)
        if raw_lines:
            return await self.set_line_items(deal_id, raw_lines, payment_form=None)
        return await self.get(deal_id)

    async def _open(
        self, deal_id: str, fields: dict[str, Any], *, by: str, causation_id: str | None
    ) -> None:
        pipeline_doc = await self._pipelines.get(fields.get("pipeline_id") or DEFAULT_PIPELINE_ID)
        pipeline = pipeline_of(pipeline_doc)
        now = self._clock.now()
        first = pipeline.first
        doc: Doc = {
            "_id": deal_id,
            **fields,
            "pipeline_id": pipeline.id,
            "stage": first.code,
            "stage_kind": first.kind.value,
            "stage_entered_at": now,
            "approval": {"status": "not_needed"},
            "shipments": {},
            "claims": {},
            "history": [{"at": now, "type": "created", "stage": first.code, "by": by}],
            "created_at": now,
            "updated_at": now,
        }
        event = self._stage_event(
            doc, None, first.code, first.kind, first.probability, now, by, None
        )
        doc.update(
            outbox_fields([deal_event(event, key=deal_id, at=now, causation_id=causation_id)])
        )
        if await self._store.insert(self._store.deals, doc):
            log.info("deal opened", deal_id=deal_id, lead_id=fields.get("lead_id"))
            self._wake()

    def _stage_event(
        self,
        deal: Doc,
        from_stage: str | None,
        to_stage: str,
        kind: StageKind,
        probability: Decimal,
        at: datetime,
        by: str,
        lost_reason: str | None,
    ) -> DealStageChangedV1:
        return DealStageChangedV1(
            deal_id=deal["_id"],
            pipeline_id=deal["pipeline_id"],
            from_stage=from_stage,
            to_stage=to_stage,
            changed_at=at,
            changed_by=by,
            amount=wire(money_of(deal["amount"])),
            client_id=deal.get("client_id"),
            manager_id=deal["manager_id"],
            lost_reason=lost_reason,
            stage_probability=probability,
            to_stage_kind=WireStageKind(kind.value),
            lead_id=deal.get("lead_id"),
            channel=deal.get("channel"),
            team=deal.get("team"),
        )

    async def get(self, deal_id: str) -> Doc:
        """One deal."""
        doc: Doc | None = await self._store.deals.find_one({"_id": deal_id})
        if doc is None:
            raise NotFound("deal")
        return doc

    def is_stuck(self, deal: Doc, stuck_stages: list[str], now: datetime) -> bool:
        """In an invoice or payment stage (configurable per pipeline) longer than allowed."""
        return deal["stage"] in stuck_stages and is_stuck(
            deal["stage_entered_at"], now, timedelta(hours=self._stuck_hours)
        )

    async def update(self, deal_id: str, fields: dict[str, Any]) -> Doc:
        """Change plain fields (title, client, close date, proposal sent, payment form)."""
        now = self._clock.now()

        async def decide(doc: Doc) -> Mapping[str, Any] | None:
            self._require_open(doc)
            if (
                fields.get("client_id")
                and await self._store.clients.find_one({"_id": fields["client_id"]}) is None
            ):
                raise Refused("no client with this id", problems=("client_id",))
            return {"$set": {**fields, "updated_at": now}}

        return await self._modify(deal_id, decide)

    async def set_line_items(
        self, deal_id: str, raw_lines: list[dict[str, Any]], *, payment_form: str | None
    ) -> Doc:
        """Price lines with the best discount each; past the manager's limit, approval waits."""
        now = self._clock.now()
        rules = await self._rules()

        async def decide(doc: Doc) -> Mapping[str, Any] | None:
            self._require_open(doc)
            client = (
                await self._store.clients.find_one({"_id": doc.get("client_id")})
                if doc.get("client_id")
                else None
            )
            form = payment_form or doc.get("payment_form")
            limit = await self._limit(doc["manager_id"])
            priced = [
                self._price(
                    self._line_of(raw),
                    raw.get("requested_discount_percent"),
                    client or {},
                    now.date(),
                    rules,
                    form,
                    limit,
                )
                for raw in raw_lines
            ]
            currencies = {p["net"]["currency"] for p in priced}
            if len(currencies) > 1:
                raise Refused(
                    "all lines of a deal must be in one currency", problems=("line_items",)
                )
            currency = currencies.pop() if currencies else money_of(doc["amount"]).currency
            amount = total((money_of(p["net"]) for p in priced), currency)
            over = [p for p in priced if p.get("needs_approval")]
            approval = (
                {
                    "status": "pending",
                    "requested_at": now,
                    "max_percent": str(max(Decimal(p["discount"]["percent"]) for p in over)),
                    "manager_limit": str(limit),
                }
                if over
                else {"status": "not_needed"}
            )
            update: dict[str, Any] = {
                "line_items": priced,
                "amount": money_doc(amount),
                "approval": approval,
                "updated_at": now,
            }
            if form:
                update["payment_form"] = form
            return {
                "$set": update,
                "$push": {"history": {"at": now, "type": "priced", "amount": money_doc(amount)}},
            }

        return await self._modify(deal_id, decide)

    async def decide_discount(self, deal_id: str, *, approved: bool, by: str) -> Doc:
        """The head of sales approves or rejects a discount above the manager's limit."""
        now = self._clock.now()

        async def decide(doc: Doc) -> Mapping[str, Any] | None:
            if doc["approval"]["status"] != "pending":
                raise Refused("no discount awaits approval on this deal")
            status = "approved" if approved else "rejected"
            return {
                "$set": {
                    "approval.status": status,
                    "approval.decided_by": by,
                    "approval.decided_at": now,
                    "updated_at": now,
                },
                "$push": {"history": {"at": now, "type": f"discount_{status}", "by": by}},
            }

        return await self._modify(deal_id, decide)

    async def move(self, deal_id: str, *, to_stage: str, by: str, lost_reason: str | None) -> Doc:
        """Move through the pipeline's gates; every move publishes `deal.stage_changed`."""
        now = self._clock.now()

        async def decide(doc: Doc) -> Mapping[str, Any] | None:
            if doc["stage"] == to_stage:
                return None
            pipeline_doc = await self._pipelines.get(doc["pipeline_id"])
            pipeline = pipeline_of(pipeline_doc)
            facts = await gate_facts(self._store, doc)
            decision = pipeline.check_move(
                facts,
                doc["stage"],
                to_stage,
                lost_reason=lost_reason,
                allowed_lost_reasons=pipeline_doc.get("lost_reasons") or (),
            )
            if not decision.allowed:
                raise Refused(
                    f"cannot move from {doc['stage']} to {to_stage}",
                    problems=decision.problems,
                    missing=decision.missing,
                )
            target = pipeline.stage(to_stage)
            if (
                doc["approval"]["status"] in ("pending", "rejected")
                and target.kind is not StageKind.LOST
            ):
                raise Refused(
                    "a discount above the manager's limit awaits the head of sales",
                    problems=(f"approval: {doc['approval']['status']}",),
                )
            event = self._stage_event(
                doc, doc["stage"], to_stage, target.kind, target.probability, now, by, lost_reason
            )
            update = {
                "$set": {
                    "stage": to_stage,
                    "stage_kind": target.kind.value,
                    "stage_entered_at": now,
                    "updated_at": now,
                    **({"lost_reason": lost_reason} if target.kind is StageKind.LOST else {}),
                    **({"closed_at": now} if target.is_closed else {}),
                },
                "$push": {
                    "history": {
                        "at": now,
                        "type": "stage_changed",
                        "from": doc["stage"],
                        "to": to_stage,
                        "by": by,
                    }
                },
            }
            return with_outbox(update, [deal_event(event, key=doc["_id"], at=now)])

        deal = await self._modify(deal_id, decide)
        self._wake()
        return deal

    async def _modify(self, deal_id: str, decide: Any) -> Doc:
        doc = await modify(self._store.deals, {"_id": deal_id}, decide)
        if doc is None:
            raise NotFound("deal")
        return doc

    @staticmethod
    def _require_open(doc: Doc) -> None:
        if doc.get("stage_kind") in (StageKind.WON.value, StageKind.LOST.value):
            raise Refused(f"the deal is closed ({doc['stage']})")

    @staticmethod
    def _line_of(raw: Mapping[str, Any]) -> LineItem:
        price = raw["unit_price"]
        return LineItem(
            product=str(raw["product"]),
            quantity=Decimal(str(raw["quantity"])),
            unit_price=Money.of(Decimal(str(price["amount"])), str(price["currency"])),
        )

    def _price(
        self,
        line: LineItem,
        requested: Any,
        client: Mapping[str, Any],
        on: date,
        rules: tuple[DiscountRule, ...],
        payment_form: str | None = None,
        limit: Decimal | None = None,
    ) -> dict[str, Any]:
        segment = client.get("segment")
        client_type = client.get("type")
        context = DiscountContext(
            on=on,
            rules=rules,
            segment=ClientSegment(segment) if segment in set(ClientSegment) else None,
            client_type=ClientType(client_type) if client_type in set(ClientType) else None,
            payment_form=_payment_form(payment_form),
            requested_percent=Decimal(str(requested)) if requested is not None else None,
        )
        discount = best_discount(line, context)
        priced = price_line(line, discount)
        manual = discount is not None and discount.rule_kind is DiscountKind.MANUAL
        return {
            "product": line.product,
            "quantity": str(line.quantity),
            "unit_price": money_doc(line.unit_price),
            "discount": (
                {
                    "rule_id": discount.rule_id,
                    "kind": discount.rule_kind.value,
                    "percent": str(discount.percent),
                }
                if discount
                else None
            ),
            "gross": money_doc(priced.gross),
            "discount_amount": money_doc(priced.discount_amount),
            "net": money_doc(priced.net),
            # Scheme discounts are the company's own offer; only a manual one is the manager's.
            "needs_approval": manual
            and needs_approval(
                discount, limit if limit is not None else self._default_max_discount
            ),
        }

    async def _rules(self) -> tuple[DiscountRule, ...]:
        doc = await self._store.settings.find_one({"_id": DISCOUNT_RULES_ID})
        return tuple(rule_of(r) for r in (doc or {}).get("rules", []))

    async def _limit(self, manager_id: str) -> Decimal:
        doc = await self._store.settings.find_one({"_id": MANAGER_LIMITS_ID})
        limits = (doc or {}).get("limits", {})
        return Decimal(limits[manager_id]) if manager_id in limits else self._default_max_discount


def _payment_form(value: str | None) -> PaymentForm | None:
    return PaymentForm(value) if value in set(PaymentForm) else None


def rule_of(raw: Mapping[str, Any]) -> DiscountRule:
    """A stored discount rule as its domain class."""
    kind = raw["kind"]
    percent = Decimal(str(raw["percent"]))
    if kind == "volume":
        return VolumeTier(raw["id"], Decimal(str(raw["min_quantity"])), percent, raw.get("product"))
    if kind == "segment":
        return SegmentDiscount(
            raw["id"],
            percent,
            ClientSegment(raw["segment"]) if raw.get("segment") else None,
            ClientType(raw["client_type"]) if raw.get("client_type") else None,
        )
    if kind == "payment_form":
        return PaymentFormDiscount(raw["id"], PaymentForm(raw["payment_form"]), percent)
    return Promotion(
        raw["id"],
        percent,
        date.fromisoformat(str(raw["valid_from"])),
        date.fromisoformat(str(raw["valid_to"])),
        raw.get("product"),
    )
