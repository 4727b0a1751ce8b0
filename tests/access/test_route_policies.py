"""Every route of every service declares who may call it; one that does not is refused."""
# The walk covers what the OpenAPI document shows; a route left out of it (the dashboard's
# script) is still refused at run time when it declares nothing, as the last test shows.

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from deals.bootstrap import build as build_deals
from deals.settings import DealsSettings
from leads.bootstrap import build as build_leads
from leads.settings import LeadsSettings
from notifications.bootstrap import build as build_notifications
from notifications.settings import NotificationsSettings
from reporting.bootstrap import build as build_reporting
from reporting.settings import ReportingSettings
from shared.platform.access import Access
from shared.platform.http import create_app

pytestmark = pytest.mark.unit

BUILDERS: dict[str, tuple[Any, Any]] = {
    "leads": (build_leads, LeadsSettings),
    "deals": (build_deals, DealsSettings),
    "notifications": (build_notifications, NotificationsSettings),
    "reporting": (build_reporting, ReportingSettings),
}
OPERATIONS = {"/healthz", "/readyz", "/metrics"}


def service_apps() -> Iterator[tuple[str, FastAPI]]:
    """Each service's app as its bootstrap builds it (nothing connects until started)."""
    for name, (build, settings) in BUILDERS.items():
        yield name, build(settings()).app


@pytest.mark.parametrize(("name", "app"), list(service_apps()), ids=list(BUILDERS))
def test_every_route_in_the_openapi_document_declares_who_may_call_it(
    name: str, app: FastAPI
) -> None:
    document = app.openapi()
    undeclared, walked = [], 0
    for path, operations in document["paths"].items():
        if path in OPERATIONS:
            continue
        for method, operation in operations.items():
            walked += 1
            security = operation.get("security") or []
            scopes = [scope for item in security for scope in item.get("HTTPBearer", [])]
            if not any(scope.startswith(f"{name}:") for scope in scopes):
                undeclared.append(f"{method.upper()} {path}")
    assert walked >= 3
    assert undeclared == []


async def test_a_route_without_a_declaration_is_refused_even_while_the_api_is_open() -> None:
    app = create_app(title="t", version="0", description="", readiness={})
    router = APIRouter(prefix="/v1")

    @router.get("/declared", dependencies=[Access("t").read()], include_in_schema=False)
    async def declared() -> dict[str, str]:
        return {}

    @router.get("/forgotten")
    async def forgotten() -> dict[str, str]:
        return {}

    app.include_router(router)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.get("/v1/declared")).status_code == 200
        refused = await client.get("/v1/forgotten")
        assert refused.status_code == 403
        assert refused.json() == {
            "error": "forbidden",
            "detail": "this route declares no access policy",
        }
        assert (await client.get("/healthz")).status_code == 200
