"""HTTP doors of the leads service: intake, the lead's lifecycle, activities and queries."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from leads.domain.dedupe import LeadStatus
from leads.domain.ids import activity_id_for
from leads.domain.lead import Lead
from leads.domain.lead_records import Activity, Conversion
from leads.domain.lifecycle import LifecycleError
from leads.domain.sight import Sight
from leads.entrypoints.access import ACCESS
from leads.entrypoints.api_models import (
    Accepted,
    ActivityIn,
    ConvertIn,
    DisqualifyIn,
    LeadDetailOut,
    LeadOut,
    LeadPage,
    QualifyIn,
    ReassignIn,
)
from leads.service_layer.commands import LeadCommands, LeadNotFound, LeadOutOfSight
from leads.service_layer.http_intake import HttpIntake, IdempotencyKeyReused
from leads.service_layer.ports import Roster
from leads.service_layer.queries import LeadListQuery, LeadQueries
from leads.service_layer.queries import LeadPage as LeadsRead
from leads.service_layer.sights import sight_of
from shared.contracts.events.lead_received import LeadChannel, LeadReceivedV1
from shared.platform.access import (
    ACCESS_REFUSED,
    EVERYONE,
    LEADERS,
    Refused,
    acting_person,
    caller_of,
    required_actor,
)
from shared.platform.clock import Clock
from shared.platform.repository import ConcurrentModification

BACKDATING = timedelta(minutes=15)
"""How far back a person may log an activity: a late call is not backdated into the SLA."""

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Retries with the same key and body get the same answer and no second lead.",
    ),
]


@dataclass
class LeadsHttp:
    """What the routes need; built by the composition root."""

    intake: HttpIntake
    queries: LeadQueries
    commands: LeadCommands
    clock: Clock
    roster: Roster


def sight_dependency(roster: Roster) -> Any:
    """A route dependency: which leads the caller may see (everything for a system)."""

    async def current_sight(request: Request) -> Sight:
        caller = caller_of(request)
        if caller is None or caller.kind == "key":
            return Sight.everything()
        return await sight_of(caller.id, caller.roles, roster)

    return Depends(current_sight)


def backdated(request: Request, occurred_at: datetime | None, now: datetime) -> bool:
    """Whether a person logs an activity further back than `BACKDATING` (systems may)."""
    caller = caller_of(request)
    person = caller is not None and caller.kind == "person"
    return person and occurred_at is not None and occurred_at < now - BACKDATING


def lead_out(lead: Lead, now: datetime, *, detail: bool = False) -> dict[str, Any]:
    """A lead in API shape; `sla_overdue` is judged at `now`."""
    model = LeadDetailOut if detail else LeadOut
    shown = {name: getattr(lead, name) for name in model.model_fields if hasattr(lead, name)}
    shown["sla_overdue"] = lead.is_sla_overdue(now)
    if detail:
        shown.update(
            quantity=str(lead.quantity) if lead.quantity is not None else None,
            budget=lead.budget.model_dump(mode="json") if lead.budget else None,
            deadline=lead.deadline.isoformat() if lead.deadline else None,
            utm=lead.utm.model_dump(exclude_none=True) if lead.utm else None,
            activities=[activity.as_data() for activity in lead.activities],
            history=[entry.as_data() for entry in lead.history],
        )
    return model.model_validate(shown, from_attributes=True).model_dump(mode="json")


def page_out(page: LeadsRead) -> dict[str, Any]:
    """A page of leads in API shape."""
    return {
        "items": [lead_out(lead, page.read_at) for lead in page.items],
        "total": page.total,
        "offset": page.offset,
        "next_offset": page.next_offset,
    }


def _problem(status: int, error: str, detail: str) -> JSONResponse:
    return JSONResponse({"error": error, "detail": detail}, status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    """Domain refusals become 404/409 with a message that carries no personal data."""

    async def not_found(_: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, LeadOutOfSight):
            ACCESS_REFUSED.labels("404", "out_of_sight").inc()
        return _problem(404, "not_found", "no lead with this id")

    async def conflict(_: Request, exc: Exception) -> JSONResponse:
        return _problem(409, "conflict", str(exc))

    async def busy(_: Request, exc: Exception) -> JSONResponse:
        return _problem(409, "concurrent_change", "the lead changed meanwhile; retry")

    app.add_exception_handler(LeadNotFound, not_found)
    app.add_exception_handler(LifecycleError, conflict)
    app.add_exception_handler(ConcurrentModification, busy)


def leads_router(deps: LeadsHttp) -> APIRouter:
    """Routes under /v1/leads."""
    router = APIRouter(prefix="/v1/leads", tags=["leads"])
    in_sight = sight_dependency(deps.roster)

    @router.post(
        "",
        status_code=202,
        response_model=Accepted,
        summary="Submit a lead (web forms, integrators)",
        responses={409: {"description": "Idempotency-Key reused with a different body"}},
        dependencies=[ACCESS.allow(keys=("intake", "write"), roles=EVERYONE)],
    )
    async def submit_lead(
        lead: LeadReceivedV1, response: Response, idempotency_key: IdempotencyKey = None
    ) -> Accepted | JSONResponse:
        """Validate and publish `lead.received`; the lead is stored by the same consumer as
        leads arriving by Kafka, so both doors dedupe alike.
        """
        try:
            submitted = await deps.intake.submit(lead, idempotency_key=idempotency_key)
        except IdempotencyKeyReused:
            return _problem(
                409, "idempotency_key_reused", "this key was used with a different body"
            )
        response.headers["Location"] = f"/v1/leads/{submitted.lead_id}"
        return Accepted(lead_id=submitted.lead_id, event_id=submitted.event_id)

    @router.get(
        "",
        response_model=LeadPage,
        summary="List leads, warmest first",
        dependencies=[ACCESS.read()],
    )
    async def list_leads(
        status: Annotated[list[LeadStatus] | None, Query(description="Any of these.")] = None,
        manager_id: Annotated[str | None, Query(max_length=128)] = None,
        team: Annotated[str | None, Query(max_length=128)] = None,
        channel: LeadChannel | None = None,
        min_priority: Annotated[int | None, Query(ge=0, le=100)] = None,
        sla_overdue: Annotated[
            bool | None,
            Query(description="Only leads past their first-contact deadline, most overdue first."),
        ] = None,
        sight: Sight = in_sight,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    ) -> dict[str, Any]:
        query = LeadListQuery(
            statuses=tuple(status or ()),
            manager_id=manager_id,
            team=team,
            channel=channel.value if channel is not None else None,
            min_priority=min_priority,
            sla_overdue=bool(sla_overdue),
        )
        return page_out(await deps.queries.find(query, offset=offset, limit=limit, sight=sight))

    @router.get(
        "/{lead_id}",
        response_model=LeadDetailOut,
        summary="One lead with its history",
        dependencies=[ACCESS.read()],
    )
    async def get_lead(lead_id: str, sight: Sight = in_sight) -> dict[str, Any]:
        lead = await deps.queries.lead(lead_id, sight)
        return lead_out(lead, deps.clock.now(), detail=True)

    @router.post(
        "/{lead_id}/activities",
        status_code=201,
        response_model=LeadDetailOut,
        summary="Log a call, e-mail, message, meeting or note; the first contact stops the SLA",
        dependencies=[ACCESS.write()],
    )
    async def log_activity(
        lead_id: str,
        body: ActivityIn,
        request: Request,
        response: Response,
        sight: Sight = in_sight,
        idempotency_key: IdempotencyKey = None,
    ) -> dict[str, Any]:
        author = required_actor(request, body.manager_id, field="manager_id")
        await deps.queries.lead(lead_id, sight)
        now = deps.clock.now()
        if backdated(request, body.occurred_at, now):
            raise RequestValidationError(
                [
                    {
                        "loc": ("body", "occurred_at"),
                        "msg": "may be at most 15 minutes in the past",
                        "type": "value_error",
                    }
                ]
            )
        if body.activity_id:
            activity_id = body.activity_id
        elif idempotency_key:
            activity_id = activity_id_for(lead_id, idempotency_key)
        else:
            activity_id = f"act-{uuid.uuid4().hex[:20]}"
        occurred = body.occurred_at or now
        lead, created = await deps.commands.log_activity(
            lead_id,
            Activity(
                activity_id=activity_id,
                manager_id=author,
                kind=body.kind,
                direction=body.direction,
                occurred_at=occurred,
                outcome=body.outcome,
                duration_seconds=body.duration_seconds,
                note=body.note,
            ),
        )
        if not created:
            response.status_code = 200
        return lead_out(lead, now, detail=True)

    @router.post(
        "/{lead_id}/qualify",
        response_model=LeadDetailOut,
        summary="Qualify",
        dependencies=[ACCESS.write()],
    )
    async def qualify(
        lead_id: str, body: QualifyIn, request: Request, sight: Sight = in_sight
    ) -> dict[str, Any]:
        by = acting_person(request, body.manager_id, field="manager_id")
        await deps.queries.lead(lead_id, sight)
        lead = await deps.commands.qualify(lead_id, by=by)
        return lead_out(lead, deps.clock.now(), detail=True)

    @router.post(
        "/{lead_id}/convert",
        response_model=LeadDetailOut,
        summary="Convert into a deal (publishes lead.converted)",
        dependencies=[ACCESS.write()],
    )
    async def convert(lead_id: str, body: ConvertIn, sight: Sight = in_sight) -> dict[str, Any]:
        await deps.queries.lead(lead_id, sight)
        lead = await deps.commands.convert(
            lead_id,
            Conversion(
                manager_id=body.manager_id,
                products=tuple(body.products),
                amount_estimate=body.amount_estimate,
                expected_close_on=body.expected_close_on,
            ),
        )
        return lead_out(lead, deps.clock.now(), detail=True)

    @router.post(
        "/{lead_id}/disqualify",
        response_model=LeadDetailOut,
        summary="Disqualify",
        dependencies=[ACCESS.write()],
    )
    async def disqualify(
        lead_id: str, body: DisqualifyIn, request: Request, sight: Sight = in_sight
    ) -> dict[str, Any]:
        by = acting_person(request, body.manager_id, field="manager_id")
        await deps.queries.lead(lead_id, sight)
        lead = await deps.commands.disqualify(lead_id, reason=body.reason, note=body.note, by=by)
        return lead_out(lead, deps.clock.now(), detail=True)

    @router.post(
        "/{lead_id}/assign",
        response_model=LeadDetailOut,
        summary="Move to a manager",
        dependencies=[ACCESS.allow(keys=("write",), roles=LEADERS)],
    )
    async def reassign(lead_id: str, body: ReassignIn, sight: Sight = in_sight) -> dict[str, Any]:
        await deps.queries.lead(lead_id, sight)
        if sight.team is not None:  # a team lead moves leads within the team only
            target = await deps.roster.get_manager(body.manager_id)
            if target is None or target.team != sight.team:
                raise Refused("a team lead reassigns within their team only", "scope")
        lead = await deps.commands.reassign(lead_id, to_manager_id=body.manager_id, note=body.note)
        return lead_out(lead, deps.clock.now(), detail=True)

    return router
