"""HTTP API of deals: open, edit, price, approve, move, contract, shipments and claims."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from deals.domain.deal import Deal, DealEdits
from deals.domain.deal_lines import LineRequest
from deals.domain.deal_search import DealFilter
from deals.domain.money import Money
from deals.domain.shipments import ClaimStatus, ShipmentStatus
from deals.entrypoints.access import ACCESS
from deals.entrypoints.api_models import (
    ApprovalIn,
    ClaimIn,
    ClaimMoveIn,
    ContractIn,
    DealIn,
    DealPatch,
    LineIn,
    LinesIn,
    MoveIn,
    OwnerIn,
    ShipmentIn,
    ShipmentMoveIn,
)
from deals.entrypoints.http_common import DealsHttp, out, page
from deals.service_layer.deals import FlaggedDeal, OpenDeal
from shared.platform.access import EVERYONE, LEADERS, caller_of, required_actor
from shared.platform.access import Refused as AccessRefused


async def line_requests(deps: DealsHttp, lines: list[LineIn], *, field: str) -> list[LineRequest]:
    """Lines as entered, in domain terms; a `sku` line is priced from the catalogue today."""
    requests = []
    for n, line in enumerate(lines):
        if line.sku is not None:
            requests.append(
                await deps.catalogue.line(
                    line.sku,
                    quantity=line.quantity,
                    currency=line.currency or "RUB",
                    on=deps.clock.now().date(),
                    requested_discount_percent=line.requested_discount_percent,
                    field=f"{field}.{n}",
                )
            )
            continue
        assert line.product is not None, "checked by LineIn"
        assert line.unit_price is not None, "checked by LineIn"
        requests.append(
            LineRequest(
                product=line.product,
                quantity=line.quantity,
                unit_price=Money.of(line.unit_price.amount, line.unit_price.currency),
                requested_discount_percent=line.requested_discount_percent,
            )
        )
    return requests


def deals_router(deps: DealsHttp) -> APIRouter:
    """Routes under /v1/deals."""
    router = APIRouter(prefix="/v1/deals", tags=["deals"])
    in_scope = deps.deal_in_scope()

    def shown(item: FlaggedDeal) -> dict[str, Any]:
        return {**out(deps.shows_deal.to_document(item.deal)), "stuck": item.stuck}

    async def view(deal: Deal) -> dict[str, Any]:
        return shown(await deps.deals.flagged(deal))

    @router.post("", status_code=201, summary="Open a deal by hand", dependencies=[ACCESS.write()])
    async def open_deal(body: DealIn, request: Request) -> dict[str, Any]:
        if not (await deps.scope(request)).sees(body.manager_id):
            raise AccessRefused("you may open deals only for people in your scope", "scope")
        command = OpenDeal(
            title=body.title,
            manager_id=body.manager_id,
            team=body.team,
            client_id=body.client_id,
            pipeline_id=body.pipeline_id,
            currency=body.currency,
            channel=body.channel,
            expected_close_on=body.expected_close_on,
            line_items=await line_requests(deps, body.line_items, field="line_items"),
        )
        return await view(await deps.deals.open(command))

    @router.get("", summary="List deals, newest activity first", dependencies=[ACCESS.read()])
    async def list_deals(
        request: Request,
        stage: Annotated[str | None, Query(max_length=64)] = None,
        manager_id: Annotated[str | None, Query(max_length=128)] = None,
        client_id: Annotated[str | None, Query(max_length=128)] = None,
        pipeline_id: Annotated[str | None, Query(max_length=64)] = None,
        stuck: Annotated[
            bool | None, Query(description="Only deals waiting too long for payment.")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    ) -> dict[str, Any]:
        owners = (await deps.scope(request)).narrow(manager_id)
        search = DealFilter(
            stage=stage,
            manager_id=manager_id if owners is None else None,
            client_id=client_id,
            pipeline_id=pipeline_id,
            managers=None if owners is None else tuple(sorted(owners)),
        )
        found = await deps.deals.list(search, only_stuck=bool(stuck), offset=offset, limit=limit)
        return page([shown(item) for item in found.items], found.total, offset)

    @router.get(
        "/{deal_id}", summary="One deal with its history", dependencies=[ACCESS.read(), in_scope]
    )
    async def get_deal(deal_id: str) -> dict[str, Any]:
        return await view(await deps.deals.get(deal_id))

    @router.patch(
        "/{deal_id}",
        summary="Edit title, client, close date, proposal, payment form",
        dependencies=[ACCESS.write(), in_scope],
    )
    async def edit_deal(deal_id: str, body: DealPatch) -> dict[str, Any]:
        edits = DealEdits(**{name: getattr(body, name) for name in body.model_fields_set})
        deal = await deps.deals.update(deal_id, edits)
        if deps.follow_ups is not None and isinstance(edits.proposal_sent_on, date):
            # The follow-up's id is fixed by deal and date: a retried edit sets it once.
            await deps.follow_ups.on_proposal_sent(
                deal.id,
                manager_id=deal.manager_id,
                team=deal.team,
                client_id=deal.client_id,
                sent_on=edits.proposal_sent_on,
            )
        return await view(deal)

    @router.put(
        "/{deal_id}/line-items",
        summary="Replace the lines; discounts are applied",
        dependencies=[ACCESS.write(), in_scope],
    )
    async def set_lines(deal_id: str, body: LinesIn) -> dict[str, Any]:
        lines = await line_requests(deps, body.items, field="items")
        return await view(
            await deps.deals.set_line_items(deal_id, lines, payment_form=body.payment_form)
        )

    @router.post(
        "/{deal_id}/discount-approval",
        summary="Approve or reject a discount",
        description="By the head of sales, or by the deputy they named "
        "(`PUT /v1/discount-deputy`) until the stand-in ends; keys need `deals:approve`.",
        dependencies=[ACCESS.allow(keys=("approve",), roles=EVERYONE)],
    )
    async def approve(deal_id: str, body: ApprovalIn, request: Request) -> dict[str, Any]:
        by = required_actor(request, body.by, field="by")
        caller = caller_of(request)
        if (
            caller is not None
            and caller.kind == "person"
            and "head_of_sales" not in caller.roles
            and not await deps.clients.decides_discounts(caller.id)
        ):
            raise AccessRefused(
                "only the head of sales, or the deputy they named, decides discounts", "role"
            )
        return await view(await deps.deals.decide_discount(deal_id, approved=body.approved, by=by))

    @router.post(
        "/{deal_id}/stage",
        summary="Move to a stage (refused with the missing fields when a gate is not met)",
        responses={409: {"description": "Gate not met: `missing` lists the field paths"}},
        dependencies=[ACCESS.write(), in_scope],
    )
    async def move(deal_id: str, body: MoveIn, request: Request) -> dict[str, Any]:
        by = required_actor(request, body.by, field="by")
        deal = await deps.deals.move(
            deal_id, to_stage=body.to_stage, by=by, lost_reason=body.lost_reason
        )
        if deps.follow_ups is not None:
            await deps.follow_ups.on_deal_moved(deal.id)
            if body.revisit_on is not None and deal.stage_kind.value == "lost":
                await deps.follow_ups.on_lost(
                    deal.id,
                    manager_id=deal.manager_id,
                    client_id=deal.client_id,
                    revisit_on=body.revisit_on,
                )
        return await view(deal)

    @router.put(
        "/{deal_id}/manager",
        summary="Hand an open deal to another manager (its open tasks follow)",
        dependencies=[ACCESS.allow(keys=("write",), roles=LEADERS), in_scope],
    )
    async def hand_over(deal_id: str, body: OwnerIn, request: Request) -> dict[str, Any]:
        """The new owner must be within your sight; publishes `deal.reassigned`."""
        to = await deps.account_manager(request, body.manager_id) or body.manager_id
        deal, previous = await deps.deals.hand_over(deal_id, to, reason="manual")
        if deps.follow_ups is not None:
            await deps.follow_ups.hand_over_deal_tasks(deal_id, previous, to)
        return await view(deal)

    @router.put(
        "/{deal_id}/contract",
        summary="Attach or update the contract",
        dependencies=[ACCESS.write(), in_scope],
    )
    async def put_contract(deal_id: str, body: ContractIn) -> dict[str, Any]:
        return out(await deps.contracts.attach(deal_id, body.model_dump(mode="json")))

    @router.post(
        "/{deal_id}/shipments",
        status_code=201,
        summary="Plan a shipment",
        dependencies=[ACCESS.write(), in_scope],
    )
    async def plan_shipment(deal_id: str, body: ShipmentIn) -> dict[str, Any]:
        return await view(
            await deps.fulfilment.plan_shipment(
                deal_id, planned_on=body.planned_on, shipment_id=body.shipment_id
            )
        )

    @router.post(
        "/{deal_id}/shipments/{shipment_id}/status",
        summary="Ship, deliver, return",
        dependencies=[ACCESS.write(), in_scope],
    )
    async def move_shipment(deal_id: str, shipment_id: str, body: ShipmentMoveIn) -> dict[str, Any]:
        return await view(
            await deps.fulfilment.move_shipment(
                deal_id, shipment_id, status=ShipmentStatus(body.status), on=body.on
            )
        )

    @router.post(
        "/{deal_id}/claims",
        status_code=201,
        summary="Record a claim",
        dependencies=[ACCESS.write(), in_scope],
    )
    async def open_claim(deal_id: str, body: ClaimIn) -> dict[str, Any]:
        return await view(
            await deps.fulfilment.open_claim(
                deal_id,
                category=body.category,
                description=body.description,
                shipment_id=body.shipment_id,
            )
        )

    @router.post(
        "/{deal_id}/claims/{claim_id}/status",
        summary="Investigate, resolve, reject",
        dependencies=[ACCESS.write(), in_scope],
    )
    async def move_claim(deal_id: str, claim_id: str, body: ClaimMoveIn) -> dict[str, Any]:
        return await view(
            await deps.fulfilment.move_claim(
                deal_id, claim_id, status=ClaimStatus(body.status), resolution=body.resolution
            )
        )

    return router
