"""HTTP API of plans: the head of sales sets them per period and subject; plan vs fact.

`PUT /v1/plans/{period}/{subject}` stores a new version (the ones before stay, and `GET`
shows them); a period already over is refused with 422 unless the body says
`"correction": true`. `GET /v1/reports/plan-vs-fact?period=…` reads every plan of the period
against the facts to date. Plans are the department's business: heads of sales, admins and
`admin` keys set them; heads, admins and `read` keys read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from reporting.domain.plans import PERIOD_PATTERN, SUBJECT_PATTERN, PlanVersion, Targets
from reporting.entrypoints.access import ACCESS
from reporting.entrypoints.render import plain, rows_of, to_csv
from reporting.entrypoints.report_query import refuse_undeclared
from reporting.service_layer.plans import ClosedPeriod, PlanBook
from shared.contracts.events.money import CurrencyCode
from shared.contracts.values import DecimalString
from shared.platform.access import HEADS, caller_of

PeriodPath = Annotated[
    str, Path(pattern=PERIOD_PATTERN, description="A month (2026-03) or a quarter (2026-Q1).")
]
SubjectPath = Annotated[
    str, Path(pattern=SUBJECT_PATTERN, description="manager:<id> or team:<id>.")
]
Amount = Annotated[DecimalString, Field(ge=0, max_digits=28, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0, le=1_000_000)]


class PlanBody(BaseModel):
    """A plan's targets; a measure left out has no target."""

    model_config = ConfigDict(extra="forbid")

    won_revenue: dict[CurrencyCode, Amount] = Field(
        default_factory=dict,
        max_length=20,
        description="Won revenue per currency (decimal strings), never converted.",
        examples=[{"RUB": "3000000.00"}],
    )
    deals_won: Count | None = Field(default=None, description="Deals won.")
    new_clients: Count | None = Field(
        default=None, description="Clients whose first won deal is won in the period."
    )
    calls: Count | None = Field(default=None, description="Calls logged.")
    meetings: Count | None = Field(default=None, description="Meetings logged.")
    correction: bool = Field(
        default=False,
        description="Change the plan of a period already over (recorded as a correction).",
    )

    def targets(self) -> Targets:
        """The targets the body sets."""
        return Targets(
            dict(sorted(self.won_revenue.items())),
            self.deals_won,
            self.new_clients,
            self.calls,
            self.meetings,
        )


@dataclass
class PlansHttp:
    """What the plan routes need."""

    book: PlanBook


def _version(version: PlanVersion) -> dict[str, Any]:
    shown: dict[str, Any] = plain(version)
    return shown


def _plan(period: str, subject: str, versions: list[PlanVersion]) -> dict[str, Any]:
    return {
        "period": period,
        "subject": subject,
        "current": _version(versions[-1]),
        "history": [_version(v) for v in reversed(versions)],
    }


def plans_router(deps: PlansHttp) -> APIRouter:
    """Routes under /v1/plans and the plan-vs-fact report."""
    router = APIRouter(tags=["plans"])
    book = deps.book

    @router.put(
        "/v1/plans/{period}/{subject}",
        summary="Set a manager's or a team's plan for a month or a quarter (a new version)",
        dependencies=[ACCESS.admin(roles=HEADS)],
    )
    async def set_plan(
        period: PeriodPath, subject: SubjectPath, body: PlanBody, request: Request
    ) -> dict[str, Any]:
        caller = caller_of(request)
        try:
            versions = await book.set(
                period,
                subject,
                body.targets(),
                set_by=caller.id if caller is not None else "anonymous",
                correction=body.correction,
            )
        except ClosedPeriod as exc:
            raise RequestValidationError(
                [{"type": "closed_period", "loc": ("path", "period"), "msg": str(exc)}]
            ) from None
        return _plan(period, subject, versions)

    @router.get(
        "/v1/plans/{period}/{subject}",
        summary="A plan and every earlier version of it, newest first",
        dependencies=[ACCESS.allow(keys=("read", "admin"), roles=HEADS)],
    )
    async def get_plan(period: PeriodPath, subject: SubjectPath) -> Any:
        versions = await book.history(period, subject)
        if not versions:
            return JSONResponse({"error": "not_found", "detail": "no plan"}, status_code=404)
        return _plan(period, subject, versions)

    @router.get(
        "/v1/reports/plan-vs-fact",
        summary="Each plan of a period against the facts to date: % done, run rate, projection",
        description="Run rate is per calendar day of the period elapsed (today included) in "
        "the reporting time zone; the projection is the run rate over every day of the "
        "period. `leaderboard` ranks the managers' plans by % of revenue done (in the "
        "service's currency), then % of deals won.",
        tags=["reports"],
        dependencies=[
            ACCESS.allow(keys=("read",), roles=HEADS),
            refuse_undeclared(("period",)),
        ],
    )
    async def plan_vs_fact(
        period: Annotated[
            str, Query(pattern=PERIOD_PATTERN, description="A month (2026-03) or quarter.")
        ],
        fmt: Annotated[str, Query(alias="format", pattern="^(json|csv)$")] = "json",
    ) -> Response:
        report = plain(await book.report(period))
        if fmt == "csv":
            return PlainTextResponse(
                to_csv(rows_of(report["subjects"])), media_type="text/csv; charset=utf-8"
            )
        return JSONResponse(report)

    return router
