"""HTTP API of the reports: JSON for every report, CSV with `?format=csv`; filters in the query.

Each report takes the filters it applies and no other (`report_query`): a query naming a
filter the report does not apply is refused with 422 rather than answered unfiltered.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from reporting.domain.activity import Granularity
from reporting.domain.facts import Period
from reporting.entrypoints.access import ACCESS
from reporting.entrypoints.render import plain, rows_of, to_csv
from reporting.entrypoints.report_query import (
    ARGUMENT,
    FORMAT,
    Param,
    query_signature,
    refuse_undeclared,
)
from reporting.entrypoints.report_scope import (
    DepartmentOnly,
    ManagerRequired,
    Narrowing,
    OutOfScope,
    narrowed,
    rows_in_scope,
)
from reporting.service_layer.queries import Filters, Reports
from shared.platform.access import ACCESS_REFUSED, Refused, caller_of
from shared.platform.clock import Clock
from shared.platform.people import PeopleDirectory, Scope

Compute = Callable[["Filters"], Awaitable[Any]]

FROM, TO, AS_OF = Param.FROM, Param.TO, Param.AS_OF
MANAGER, TEAM, CHANNEL = Param.MANAGER, Param.TEAM, Param.CHANNEL
CURRENCY, CLIENT = Param.CURRENCY, Param.CLIENT
PERIOD = (FROM, TO, AS_OF)
DEALS = (*PERIOD, MANAGER, TEAM, CHANNEL, CURRENCY, CLIENT)
"""Sales filters: the deal's manager, currency and client, its lead's team and channel."""

NARROWED_BY: dict[Narrowing, frozenset[Param]] = {
    Narrowing.FILTERS: frozenset({MANAGER, TEAM}),
    Narrowing.ONE_MANAGER: frozenset({MANAGER}),
    Narrowing.ROWS: frozenset({MANAGER}),
    Narrowing.DEPARTMENT: frozenset(),
}
"""The filters `narrowed` may set: a report must apply them, or a caller would see more."""


@dataclass
class ReportsHttp:
    """What the report routes need."""

    reports: Reports
    clock: Clock
    currency: str
    people: PeopleDirectory


def reports_router(deps: ReportsHttp) -> APIRouter:
    """Routes under /v1/reports."""
    router = APIRouter(prefix="/v1/reports", tags=["reports"])

    def filters(
        period_from: date | None,
        period_to: date | None,
        as_of: datetime | None,
        manager_id: str | None,
        team: str | None,
        channel: str | None,
        currency: str | None,
        client_id: str | None,
    ) -> Filters | JSONResponse:
        if as_of is not None and as_of.tzinfo is None:
            return _bad("as_of", "needs a time zone offset")
        if period_from and period_to and period_to < period_from:
            return _bad("to", "is before from")
        period = (
            Period(period_from, period_to, deps.reports.time_zone)
            if period_from or period_to
            else None
        )
        return Filters(period, as_of, manager_id, team, channel, currency, client_id)

    async def answer(
        f: Filters | JSONResponse,
        fmt: str,
        compute: Callable[[Filters], Awaitable[Any]],
        key: str,
        rows_of_managers: Scope | None,
    ) -> Response:
        if isinstance(f, JSONResponse):
            return f
        try:
            result = plain(await compute(f))
        except ValueError as exc:
            return _bad("query", str(exc))
        if rows_of_managers is not None:
            result = rows_in_scope(result, rows_of_managers)
        if fmt == "csv":
            return PlainTextResponse(
                to_csv(rows_of(result, key)), media_type="text/csv; charset=utf-8"
            )
        return JSONResponse(result)

    def route(
        path: str,
        summary: str,
        *,
        takes: Sequence[Param],
        key: str = "key",
        how: Narrowing = Narrowing.ONE_MANAGER,
    ) -> Callable[[Compute], Compute]:
        """Register a report that applies the filters `takes` names, and refuses any other."""
        missing = NARROWED_BY[how] - set(takes)
        if missing:
            raise ValueError(f"{path}: narrowed by {sorted(missing)} that it does not apply")

        def register(compute: Compute) -> Compute:
            async def endpoint(**query: Any) -> Response:
                request: Request = query["request"]

                def given(name: str) -> Any:
                    return query.get(ARGUMENT[name])

                f = filters(
                    given(FROM),
                    given(TO),
                    given(AS_OF),
                    given(MANAGER),
                    given(TEAM),
                    given(CHANNEL),
                    given(CURRENCY),
                    given(CLIENT),
                )
                fmt: str = given(FORMAT)
                scope = await deps.people.scope_of(caller_of(request))
                if isinstance(f, Filters):
                    try:
                        f = narrowed(f, scope, how)
                    except OutOfScope:
                        ACCESS_REFUSED.labels("404", "out_of_sight").inc()
                        return JSONResponse({"error": "not_found", "detail": "out of scope"}, 404)
                    except DepartmentOnly:
                        raise Refused(
                            "this report covers the whole department: heads of sales only",
                            "scope",
                        ) from None
                    except ManagerRequired:
                        return _bad("manager_id", "name one manager of your team")
                rows = scope if how is Narrowing.ROWS else None
                return await answer(f, fmt, compute, key, rows)

            # FastAPI reads the query from the signature: only the filters the report takes.
            endpoint.__signature__ = query_signature(takes)  # type: ignore[attr-defined]
            router.get(
                path,
                summary=summary,
                name=compute.__name__,
                dependencies=[ACCESS.read(), refuse_undeclared(takes)],
            )(endpoint)
            return compute

        return register

    now = deps.clock.now
    r = deps.reports

    @route(
        "/funnel",
        "Lead funnel: received → contacted → qualified → deal → won",
        takes=(*PERIOD, MANAGER, TEAM, CHANNEL),
        how=Narrowing.FILTERS,
    )
    async def funnel(f: Filters) -> Any:
        return await r.funnel(f)

    @route(
        "/sales",
        "Won and lost deals, average size, time to close, weighted pipeline",
        takes=DEALS,
    )
    async def sales(f: Filters) -> Any:
        return await r.sales(f)

    @route(
        "/sales/by-manager",
        "Sales figures per manager",
        takes=DEALS,
        key="manager_id",
        how=Narrowing.ROWS,
    )
    async def sales_by_manager(f: Filters) -> Any:
        return await r.sales_by_manager(f)

    @route(
        "/activity/daily",
        "Calls, e-mails, messages, meetings, notes, objections on leads, deals and clients;"
        " tasks done and gone overdue; per manager per day",
        takes=(*PERIOD, MANAGER),
        key="manager_id",
        how=Narrowing.ROWS,
    )
    async def activity_daily(f: Filters) -> Any:
        return await r.activity(f, Granularity.DAY)

    @route(
        "/activity/weekly",
        "The same per ISO week",
        takes=(*PERIOD, MANAGER),
        key="manager_id",
        how=Narrowing.ROWS,
    )
    async def activity_weekly(f: Filters) -> Any:
        return await r.activity(f, Granularity.WEEK)

    @route(
        "/objections",
        "Objections heard per manager, by category",
        takes=(*PERIOD, MANAGER),
        key="manager_id",
        how=Narrowing.ROWS,
    )
    async def objections(f: Filters) -> Any:
        return await r.objections(f)

    @route(
        "/response",
        "First-response time and SLA breach rate per manager",
        takes=(*PERIOD, MANAGER, TEAM, CHANNEL),
        key="manager_id",
        how=Narrowing.ROWS,
    )
    async def response(f: Filters) -> Any:
        return await r.response(f)

    @route(
        "/leaderboard",
        "Managers by won amount (in `currency`), then wins, then activity",
        takes=(*PERIOD, MANAGER, CURRENCY),
        how=Narrowing.ROWS,
    )
    async def leaderboard(f: Filters) -> Any:
        return await r.leaderboard(f, f.currency or deps.currency)

    @route(
        "/receivables",
        "Invoiced vs paid, per currency",
        takes=(*PERIOD, MANAGER, CLIENT, CURRENCY),
    )
    async def receivables(f: Filters) -> Any:
        return await r.invoiced_vs_paid(f)

    @route(
        "/receivables/aging",
        "Overdue installments by age: 1–30, 31–60, 61–90, 90+ days",
        takes=(AS_OF, MANAGER, CLIENT, CURRENCY),
    )
    async def aging(f: Filters) -> Any:
        return await r.overdue(f, now())

    @route(
        "/payment-discipline",
        "Share paid on time and average days late per client",
        takes=(AS_OF, MANAGER, CLIENT),
        key="client_id",
        how=Narrowing.DEPARTMENT,
    )
    async def discipline(f: Filters) -> Any:
        return await r.discipline(f, now())

    @route(
        "/segments",
        "Client segments (hot, warm, cooling, sleeping)",
        takes=(AS_OF, MANAGER, CLIENT),
        key="client_id",
        how=Narrowing.DEPARTMENT,
    )
    async def segments(f: Filters) -> Any:
        return await r.segments(f, now())

    @route(
        "/retention",
        "Share of clients buying again (needs from and to)",
        takes=PERIOD,
        how=Narrowing.DEPARTMENT,
    )
    async def retention(f: Filters) -> Any:
        return await r.retention(f)

    @route(
        "/churn-reasons",
        "Lost reasons and claims per client",
        takes=(*PERIOD, CLIENT),
        key="client_id",
        how=Narrowing.DEPARTMENT,
    )
    async def churn(f: Filters) -> Any:
        return await r.churn(f)

    @route(
        "/channels",
        "Which channels bring leads that become revenue",
        takes=(*PERIOD, CHANNEL),
        key="channel",
        how=Narrowing.DEPARTMENT,
    )
    async def channels(f: Filters) -> Any:
        return await r.channels(f)

    @route(
        "/claims",
        "Claims by category",
        takes=(*PERIOD, CLIENT),
        key="category",
        how=Narrowing.DEPARTMENT,
    )
    async def claims(f: Filters) -> Any:
        return await r.claims(f)

    @route(
        "/forecast",
        "Open deals by expected close date (from, to): best, commit (probability ≥ 0.7) and"
        " pipeline, weighted by stage probability, per manager and in total",
        takes=(FROM, TO, MANAGER, CURRENCY),
        key="part",
    )
    async def forecast(f: Filters) -> Any:
        return await r.forecast(f)

    @route(
        "/stages",
        "Per pipeline stage: deals that entered it in the period, where they moved next"
        " (share), hours spent in it, lost reasons",
        takes=(FROM, TO, MANAGER),
    )
    async def stages(f: Filters) -> Any:
        return await r.stages(f)

    @route(
        "/products",
        "Demand by product (SKU or name) over deals won in the period: quantity, net",
        takes=(FROM, TO),
        how=Narrowing.DEPARTMENT,
    )
    async def products(f: Filters) -> Any:
        return await r.products(f)

    @route(
        "/cross-sell",
        "Pairs of products won together in one deal, by deals, most frequent first",
        takes=(FROM, TO),
        how=Narrowing.DEPARTMENT,
    )
    async def cross_sell(f: Filters) -> Any:
        return await r.cross_sell(f)

    return router


def _bad(field: str, message: str) -> JSONResponse:
    body = {"error": "validation_failed", "detail": [{"loc": ["query", field], "msg": message}]}
    return JSONResponse(body, status_code=422)
