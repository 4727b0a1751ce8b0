"""HTTP API of the client base, pipelines and discount settings."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from deals.domain.client import ClientFilter
from deals.domain.deputy import Deputy
from deals.entrypoints.access import ACCESS
from deals.entrypoints.api_models import (
    ClientIn,
    ContactIn,
    DeputyIn,
    DiscountRuleIn,
    PipelineIn,
)
from deals.entrypoints.http_common import DealsHttp, out, page
from shared.platform.access import HEADS, required_actor


def clients_router(deps: DealsHttp) -> APIRouter:
    """Routes under /v1/clients, /v1/pipelines, /v1/discount-rules, /v1/managers."""
    router = APIRouter(prefix="/v1")
    in_scope = deps.client_in_scope()

    @router.post(
        "/clients",
        status_code=201,
        tags=["clients"],
        summary="Add a client",
        dependencies=[ACCESS.write()],
    )
    async def create_client(body: ClientIn, request: Request) -> dict[str, Any]:
        """Requisites are checked by checksum; a second client with the same INN is refused."""
        profile = body.model_dump(mode="json", exclude_none=True)
        manager_id = await deps.account_manager(request, body.manager_id)
        if manager_id is not None:
            profile["manager_id"] = manager_id
        return out(await deps.clients.create(profile))

    @router.put(
        "/clients/{client_id}",
        tags=["clients"],
        summary="Update a client",
        dependencies=[ACCESS.write(), in_scope],
    )
    async def update_client(client_id: str, body: ClientIn, request: Request) -> dict[str, Any]:
        profile = body.model_dump(mode="json")
        if body.manager_id is None:
            profile["manager_id"] = (await deps.clients.get(client_id)).get("manager_id")
        else:
            profile["manager_id"] = await deps.account_manager(request, body.manager_id)
        return out(await deps.clients.update(client_id, profile))

    @router.post(
        "/clients/{client_id}/contacts",
        tags=["clients"],
        summary="Add a contact",
        dependencies=[ACCESS.write(), in_scope],
    )
    async def add_contact(client_id: str, body: ContactIn) -> dict[str, Any]:
        contact = body.model_dump(mode="json", exclude_none=True)
        return out(await deps.clients.add_contact(client_id, contact))

    @router.get(
        "/clients/{client_id}",
        tags=["clients"],
        summary="A client with its figures",
        dependencies=[ACCESS.read(), in_scope],
    )
    async def get_client(client_id: str) -> dict[str, Any]:
        """Purchase volume and payment discipline are computed from deals and payments."""
        doc = out(await deps.clients.get(client_id))
        discipline = await deps.invoicing.discipline(client_id)
        doc["purchase_volume"] = [
            {"amount": str(volume.amount), "currency": volume.currency}
            for volume in await deps.clients.purchase_volume(client_id)
        ]
        doc["payment_discipline"] = {
            "installments_due": discipline.installments_due,
            "paid_on_time": discipline.paid_on_time,
            "share_on_time": _text(discipline.share_on_time),
            "average_days_late": _text(discipline.average_days_late),
        }
        return doc

    @router.get(
        "/clients", tags=["clients"], summary="Search clients", dependencies=[ACCESS.read()]
    )
    async def list_clients(
        request: Request,
        inn: Annotated[str | None, Query(max_length=12)] = None,
        name: Annotated[str | None, Query(max_length=200, description="Exact name.")] = None,
        type: Annotated[str | None, Query(max_length=32)] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    ) -> dict[str, Any]:
        owners = (await deps.scope(request)).owners
        managers = None if owners is None else tuple(sorted(owners))
        search = ClientFilter(inn=inn, name=name, type=type, managers=managers)
        found, total = await deps.clients.search(search, offset=offset, limit=limit)
        return page([out(client) for client in found], total, offset)

    @router.get("/pipelines", tags=["pipelines"], summary="Pipelines", dependencies=[ACCESS.read()])
    async def list_pipelines() -> list[dict[str, Any]]:
        return [out(doc) for doc in await deps.pipelines.all()]

    @router.put(
        "/pipelines/{pipeline_id}",
        tags=["pipelines"],
        summary="Configure a pipeline",
        dependencies=[ACCESS.admin()],
    )
    async def put_pipeline(pipeline_id: str, body: PipelineIn) -> dict[str, Any]:
        return out(await deps.pipelines.put(pipeline_id, body.model_dump(mode="json")))

    @router.put(
        "/discount-rules",
        tags=["discounts"],
        summary="Replace the discount schemes",
        dependencies=[ACCESS.admin(HEADS)],
    )
    async def put_rules(rules: list[DiscountRuleIn]) -> list[dict[str, Any]]:
        return await deps.clients.replace_discount_rules(
            [rule.model_dump(mode="json", exclude_none=True) for rule in rules]
        )

    @router.get(
        "/discount-rules",
        tags=["discounts"],
        summary="The discount schemes",
        dependencies=[ACCESS.read()],
    )
    async def get_rules() -> list[dict[str, Any]]:
        return await deps.clients.discount_rules()

    @router.put(
        "/discount-deputy",
        tags=["discounts"],
        summary="Name who decides discounts in the head of sales' place, until when",
        dependencies=[ACCESS.allow(keys=("admin",), roles={"head_of_sales"})],
    )
    async def put_deputy(body: DeputyIn, request: Request) -> dict[str, Any]:
        named_by = required_actor(request, body.named_by, field="named_by")
        deputy = await deps.clients.name_deputy(body.person_id, until=body.until, named_by=named_by)
        return deputy_out(deputy)

    @router.get(
        "/discount-deputy",
        tags=["discounts"],
        summary="The head of sales' deputy for discounts",
        dependencies=[ACCESS.read()],
    )
    async def get_deputy() -> Any:
        deputy = await deps.clients.deputy()
        if deputy is None:
            return JSONResponse(
                {"error": "not_found", "detail": "no deputy was named"}, status_code=404
            )
        return deputy_out(deputy)

    return router


def deputy_out(deputy: Deputy) -> dict[str, Any]:
    """A deputy in API shape."""
    return {
        "person_id": deputy.person_id,
        "until": deputy.until.isoformat(),
        "named_by": deputy.named_by,
    }


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
