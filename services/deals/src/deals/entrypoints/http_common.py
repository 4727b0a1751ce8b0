"""What every deals router shares: dependencies, document-to-JSON, and error answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from deals.domain.deal import Deal
from deals.entrypoints.pipeline_views import PipelineViews, Shows
from deals.service_layer.catalogue import Catalogue
from deals.service_layer.clients import ClientBase
from deals.service_layer.contracts import Contracts
from deals.service_layer.deals import DealBook
from deals.service_layer.errors import Invalid, NotFound, Refused
from deals.service_layer.fulfilment import Fulfilment
from deals.service_layer.invoice_documents import InvoiceDocuments
from deals.service_layer.invoicing import Invoicing
from deals.service_layer.task_rules import TaskRules
from shared.platform.access import ACCESS_REFUSED, caller_of
from shared.platform.access import Refused as AccessRefused
from shared.platform.clock import Clock
from shared.platform.people import PeopleDirectory, Scope
from shared.platform.repository import ConcurrentModification

Doc = dict[str, Any]


@dataclass
class DealsHttp:
    """The use cases the routes call."""

    clients: ClientBase
    pipelines: PipelineViews
    deals: DealBook
    contracts: Contracts
    invoicing: Invoicing
    fulfilment: Fulfilment
    clock: Clock
    shows_deal: Shows[Deal]
    people: PeopleDirectory
    catalogue: Catalogue
    follow_ups: TaskRules | None = None
    invoice_documents: InvoiceDocuments | None = None

    async def scope(self, request: Request) -> Scope:
        """Whose deals, invoices and contracts the caller sees."""
        return await self.people.scope_of(caller_of(request))

    def deal_in_scope(self) -> Any:
        """A route dependency: the path's deal is 404 to a caller who may not see it."""

        async def check(deal_id: str, request: Request) -> None:
            scope = await self.scope(request)
            if scope.owners is not None:
                out_of_sight_unless(scope.sees((await self.deals.get(deal_id)).manager_id), "deal")

        return Depends(check)

    def client_in_scope(self) -> Any:
        """A route dependency: the path's client is 404 to a caller who may not see it."""

        async def check(client_id: str, request: Request) -> None:
            scope = await self.scope(request)
            if scope.owners is not None:
                client = await self.clients.get(client_id)
                out_of_sight_unless(scope.sees(client.get("manager_id")), "client")

        return Depends(check)

    async def account_manager(self, request: Request, asked: str | None) -> str | None:
        """Whose client a person adds or edits: themselves by default, within their scope."""
        caller = caller_of(request)
        if caller is None or caller.kind == "key":
            return asked
        chosen = asked or caller.id
        if not (await self.scope(request)).sees(chosen):
            raise AccessRefused("the account manager must be within your scope", "scope")
        return chosen

    def invoice_in_scope(self) -> Any:
        """A route dependency: the path's invoice is 404 to a caller who may not see it."""

        async def check(invoice_id: str, request: Request) -> None:
            scope = await self.scope(request)
            if scope.owners is not None:
                invoice = await self.invoicing.get(invoice_id)
                out_of_sight_unless(scope.sees(invoice.get("manager_id")), "invoice")

        return Depends(check)


def out_of_sight_unless(seen: bool, what: str) -> None:
    if not seen:
        ACCESS_REFUSED.labels("404", "out_of_sight").inc()
        raise NotFound(what)


def out(doc: Doc) -> dict[str, Any]:
    """A record as JSON: `_id` becomes `id`; internal fields (`_outbox`, `rev`, ...) stay out."""
    body = {k: v for k, v in doc.items() if not k.startswith("_") and k != "rev"}
    return {"id": doc["_id"], **body}


def page(items: list[dict[str, Any]], total: int, offset: int) -> dict[str, Any]:
    """A page of a list, with where the next one starts."""
    following = offset + len(items)
    return {
        "items": items,
        "total": total,
        "offset": offset,
        "next_offset": following if following < total else None,
    }


def install_error_handlers(app: FastAPI) -> None:
    """Domain refusals as 404/409/422 naming fields; never the values sent."""

    async def not_found(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"error": "not_found", "detail": str(exc)}, status_code=404)

    async def refused(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Refused)
        body = {
            "error": "refused",
            "detail": str(exc),
            "missing": list(exc.missing),
            "problems": list(exc.problems),
        }
        return JSONResponse(body, status_code=409)

    async def invalid(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Invalid)
        detail = []
        for problem in exc.problems:
            field_path, _sep, message = problem.partition(": ")
            detail.append({"loc": ["body", *field_path.split(".")], "msg": message or problem})
        return JSONResponse({"error": "validation_failed", "detail": detail}, status_code=422)

    async def busy(_: Request, exc: Exception) -> JSONResponse:
        body = {"error": "concurrent_change", "detail": "changed meanwhile; retry"}
        return JSONResponse(body, status_code=409)

    app.add_exception_handler(NotFound, not_found)
    app.add_exception_handler(Refused, refused)
    app.add_exception_handler(Invalid, invalid)
    app.add_exception_handler(ConcurrentModification, busy)
