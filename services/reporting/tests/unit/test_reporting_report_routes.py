"""The report routes over HTTP: each applies every filter it declares and refuses the others."""

from collections.abc import AsyncIterator
from typing import Any, cast

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from reporting_fakes import InMemoryFactLog, InMemoryReadModels
from reporting_small_world import NOW, TZ, small_world_reports

from reporting.domain.segments import SegmentThresholds
from reporting.entrypoints.http_reports import ReportsHttp, reports_router
from reporting.entrypoints.report_query import FORMAT, Param
from reporting.service_layer.queries import Reports
from shared.platform.clock import ManualClock
from shared.platform.http import create_app
from shared.platform.people import PeopleDirectory, Scope

pytestmark = pytest.mark.unit

PREFIX = "/v1/reports"
THRESHOLDS = SegmentThresholds()
APRIL = "2026-04-01"

CHANGES: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    # route: (the query without the filter, each declared filter with a value that must change
    # the answer on the small world). Values say why in a word where it is not plain.
    "/funnel": (
        {},
        {
            "from": APRIL,  # L3 only
            "to": APRIL,  # L1 and L2
            "as_of": "2026-03-04T00:00:00+00:00",  # before any conversion
            "manager_id": "m2",
            "team": "south",
            "channel": "phone",
        },
    ),
    "/sales": (
        {},
        {
            "from": "2026-03-22",  # D1 won before
            "to": "2026-03-22",  # D2 and D5 won after
            "as_of": "2026-03-21T00:00:00+00:00",
            "manager_id": "m1",
            "team": "north",
            "channel": "phone",
            "currency": "USD",
            "client_id": "c1",
        },
    ),
    "/sales/by-manager": (
        {},
        {
            "from": "2026-03-22",
            "to": "2026-03-22",
            "as_of": "2026-03-21T00:00:00+00:00",
            "manager_id": "m1",
            "team": "north",
            "channel": "phone",
            "currency": "USD",
            "client_id": "c2",
        },
    ),
    "/activity/daily": (
        {},
        {"from": APRIL, "to": APRIL, "as_of": "2026-03-05T00:00:00+00:00", "manager_id": "m1"},
    ),
    "/activity/weekly": (
        {},
        {"from": APRIL, "to": APRIL, "as_of": "2026-03-05T00:00:00+00:00", "manager_id": "m1"},
    ),
    "/objections": (
        {},
        {"from": APRIL, "to": APRIL, "as_of": "2026-03-20T00:00:00+00:00", "manager_id": "m1"},
    ),
    "/response": (
        {},
        {
            "from": APRIL,
            "to": APRIL,
            "as_of": "2026-03-02T12:00:00+00:00",  # L1 only
            "manager_id": "m1",
            "team": "south",
            "channel": "phone",
        },
    ),
    "/leaderboard": (
        {},
        {
            "from": "2026-03-22",
            "to": "2026-03-22",
            "as_of": "2026-03-21T00:00:00+00:00",
            "manager_id": "m2",
            "currency": "USD",  # no amount won in USD
        },
    ),
    "/receivables": (
        {},
        {
            "from": APRIL,
            "to": APRIL,
            "as_of": "2026-03-25T00:00:00+00:00",
            "manager_id": "m2",
            "client_id": "c1",
            "currency": "USD",
        },
    ),
    "/receivables/aging": (
        {},
        {
            "as_of": "2026-04-25T00:00:00+00:00",
            "manager_id": "m2",  # nothing overdue
            "client_id": "c2",
            "currency": "USD",
        },
    ),
    "/payment-discipline": (
        {},
        {"as_of": "2026-04-05T00:00:00+00:00", "manager_id": "m1", "client_id": "c2"},
    ),
    "/segments": (
        {},
        {"as_of": "2026-04-01T00:00:00+00:00", "manager_id": "m1", "client_id": "c2"},
    ),
    "/retention": (
        # A bounded period is required: April after March (c1 and c2 bought, c1 again).
        {"from": APRIL, "to": "2026-05-01"},
        {"from": "2026-03-01", "to": "2026-04-15", "as_of": "2026-04-10T00:00:00+00:00"},
    ),
    "/churn-reasons": (
        {},
        {"from": APRIL, "to": APRIL, "as_of": "2026-03-29T00:00:00+00:00", "client_id": "c2"},
    ),
    "/channels": (
        {},
        {"from": APRIL, "to": APRIL, "as_of": "2026-03-04T00:00:00+00:00", "channel": "phone"},
    ),
    "/claims": (
        {},
        {"from": APRIL, "to": APRIL, "as_of": "2026-04-01T00:00:00+00:00", "client_id": "c1"},
    ),
    "/forecast": (
        {},
        {
            "from": "2026-06-01",  # D4 is expected 20 May
            "to": "2026-05-20",
            "manager_id": "m2",
            "currency": "USD",
        },
    ),
    "/stages": ({}, {"from": APRIL, "to": APRIL, "manager_id": "m1"}),
    "/products": ({}, {"from": APRIL, "to": APRIL}),  # D5 only; D1 and D2
    "/cross-sell": ({}, {"from": APRIL, "to": APRIL}),
}


class FixedScope:
    """A people directory in which every caller has one scope."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    async def scope_of(self, _caller: object) -> Scope:
        return self.scope


async def app_for(scope: Scope) -> FastAPI:
    app = create_app(title="reporting", version="0", description="", readiness={})
    deps = ReportsHttp(
        reports=await small_world_reports(),
        clock=ManualClock(NOW),
        currency="RUB",
        people=cast(PeopleDirectory, FixedScope(scope)),
    )
    app.include_router(reports_router(deps))
    return app


@pytest_asyncio.fixture(scope="module")
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the report routes for the head of sales (one app for the module)."""
    transport = httpx.ASGITransport(app=await app_for(Scope.everything()))
    async with httpx.AsyncClient(transport=transport, base_url="http://reporting") as client:
        yield client


@pytest_asyncio.fixture
async def client_as() -> AsyncIterator[Any]:
    """`await client_as(scope)`: an HTTP client of the report routes for a caller of that scope."""
    clients: list[httpx.AsyncClient] = []

    async def make(scope: Scope) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=await app_for(scope))
        client = httpx.AsyncClient(transport=transport, base_url="http://reporting")
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


def declared_filters() -> dict[str, set[str]]:
    """Each report route and the query parameters its OpenAPI document declares, but format."""
    reports = Reports(InMemoryFactLog(), InMemoryReadModels(), time_zone=TZ, thresholds=THRESHOLDS)
    people = cast(PeopleDirectory, FixedScope(Scope.everything()))
    app = FastAPI()
    app.include_router(reports_router(ReportsHttp(reports, ManualClock(NOW), "RUB", people)))
    return {
        path.removeprefix(PREFIX): {
            p["name"] for p in item["get"].get("parameters", []) if p["in"] == "query"
        }
        - {FORMAT}
        for path, item in app.openapi()["paths"].items()
    }


DECLARED = declared_filters()


def test_the_table_covers_every_report_route_and_every_filter_it_declares() -> None:
    assert set(CHANGES) == set(DECLARED)
    assert {route: set(changes) for route, (_, changes) in CHANGES.items()} == DECLARED
    assert set().union(*DECLARED.values()) == {str(p) for p in Param}


@pytest.mark.parametrize(
    ("route", "name"),
    [(route, name) for route, (_, changes) in CHANGES.items() for name in changes],
    ids=str,
)
async def test_each_declared_filter_changes_the_answer(
    http: httpx.AsyncClient, route: str, name: str
) -> None:
    baseline, changes = CHANGES[route]
    without = await http.get(PREFIX + route, params=baseline)
    with_filter = await http.get(PREFIX + route, params={**baseline, name: changes[name]})
    assert without.status_code == with_filter.status_code == 200, with_filter.text
    assert without.json() != with_filter.json()


@pytest.mark.parametrize(
    ("route", "name"),
    [
        (route, name)
        for route in CHANGES
        for name in sorted({str(p) for p in Param} - DECLARED[route] | {"bogus", "Manager_id"})
    ],
    ids=str,
)
async def test_a_query_parameter_a_report_does_not_declare_is_refused(
    http: httpx.AsyncClient, route: str, name: str
) -> None:
    baseline, _ = CHANGES[route]
    refused = await http.get(PREFIX + route, params={**baseline, name: "x"})
    assert refused.status_code == 422
    body = refused.json()
    assert body["error"] == "validation_failed"
    assert [(e["loc"], e["type"]) for e in body["detail"]] == [(["query", name], "extra_forbidden")]


async def test_every_undeclared_parameter_is_named_and_declared_ones_pass(
    http: httpx.AsyncClient,
) -> None:
    refused = await http.get(
        PREFIX + "/funnel", params={"team": "north", "currency": "RUB", "client_id": "c1"}
    )
    assert refused.status_code == 422
    assert [e["loc"] for e in refused.json()["detail"]] == [
        ["query", "client_id"],
        ["query", "currency"],
    ]
    assert (
        "it takes as_of, channel, format, from, manager_id, team, to"
        in (refused.json()["detail"][0]["msg"])
    )
    csv = await http.get(PREFIX + "/funnel", params={"team": "north", "format": "csv"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")


async def test_a_managers_narrowing_applies_over_the_filters(client_as: Any) -> None:
    manager = await client_as(Scope(owners=frozenset({"m1"})))
    # c1 bought D1 from m1 and D5 from m2: m1 sees D1 only.
    own = (await manager.get(PREFIX + "/sales", params={"client_id": "c1"})).json()
    assert (own["won_count"], own["won_sum"]) == (1, {"RUB": "100000"})
    rows = (await manager.get(PREFIX + "/sales/by-manager", params={"client_id": "c2"})).json()
    assert list(rows) == ["m1"] and rows["m1"]["open_count"] == 1  # D4; not m2's D2
    other = await manager.get(PREFIX + "/sales", params={"manager_id": "m2"})
    assert other.status_code == 404


async def test_a_team_leads_narrowing_is_the_named_manager_or_the_team(client_as: Any) -> None:
    lead = await client_as(Scope(owners=frozenset({"l-north", "m1", "m2"}), team="north"))
    # The funnel is narrowed to the team's leads: L1 and L3, not L2 (south).
    funnel = (await lead.get(PREFIX + "/funnel")).json()
    assert funnel["steps"][0] == {"step": "received", "count": 2, "conversion": None}
    # Sales are narrowed by the manager named, not by the team: m2's D2 came from a south lead.
    sales = (await lead.get(PREFIX + "/sales", params={"manager_id": "m2"})).json()
    assert (sales["won_count"], sales["won_sum"]) == (2, {"RUB": "60000"})
    # Asking for the team's leads' deals is still possible; another team's is out of sight.
    north = (await lead.get(PREFIX + "/sales", params={"manager_id": "m1", "team": "north"})).json()
    assert north["won_count"] == 1
    south = await lead.get(PREFIX + "/sales", params={"manager_id": "m2", "team": "south"})
    assert south.status_code == 404
    refused = await lead.get(PREFIX + "/sales", params={"team": "north"})
    assert refused.status_code == 422


async def test_the_forecast_and_stages_narrow_to_a_manager_products_are_the_heads(
    client_as: Any,
) -> None:
    m2 = await client_as(Scope(owners=frozenset({"m2"})))
    # D4 (m1's, expected 20 May) is the only deal in the forecast: m2 sees none of it.
    own = (await m2.get(PREFIX + "/forecast")).json()
    assert own["managers"] == {} and own["total"]["deals"] == 0
    m1 = await client_as(Scope(owners=frozenset({"m1"})))
    mine = (await m1.get(PREFIX + "/forecast")).json()
    assert mine["total"]["best"] == {"RUB": "30000"}
    assert mine["total"]["pipeline"] == {"RUB": "15000.00"}  # 30 000 × 0.5
    stages = (await m2.get(PREFIX + "/stages")).json()
    new = next(row for row in stages if row["stage"] == "new")
    assert new["entered"] == 3  # D2, D3, D5: entered while m2 held them
    lead = await client_as(Scope(owners=frozenset({"l-north", "m1", "m2"}), team="north"))
    assert (await lead.get(PREFIX + "/forecast")).status_code == 422
    assert (await lead.get(PREFIX + "/stages", params={"manager_id": "m1"})).status_code == 200
    for route in ("/products", "/cross-sell"):
        assert (await m1.get(PREFIX + route)).status_code == 403
        assert (await lead.get(PREFIX + route)).status_code == 403
