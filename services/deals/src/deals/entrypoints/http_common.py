"""What every deals router shares: dependencies, document-to-JSON, and error answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from deals.domain.deal import Deal
from deals.entrypoints.pipeline_views import PipelineViews, Shows
from deals.service_layer.clients import ClientBase
from deals.service_layer.contracts import Contracts
from deals.service_layer.deals import DealBook
from deals.service_layer.errors import Invalid, NotFound, Refused
from deals.service_layer.fulfilment import Fulfilment
from deals.service_layer.invoicing import Invoicing
from shared.platform.clock import Clock
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
