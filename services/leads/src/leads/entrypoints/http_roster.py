"""HTTP API of the roster: managers, presence, teams, assignment rules and work queues."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from leads.domain.assignment import AssignmentRule
from leads.domain.dedupe import LeadStatus
from leads.domain.roster import RosterManager, RosterTeam, WorkingTime
from leads.domain.sight import Sight
from leads.entrypoints.access import ACCESS
from leads.entrypoints.api_models import (
    AbsenceIn,
    HandOverOut,
    LeadPage,
    LeadSettingsOut,
    ManagerIn,
    ManagerOut,
    PresenceIn,
    RuleIn,
    TeamIn,
    TeamOut,
)
from leads.entrypoints.http_leads import page_out, sight_dependency
from leads.service_layer.absences import Absences
from leads.service_layer.ports import Roster
from leads.service_layer.queries import LeadQueries
from leads.settings import LeadsSettings
from shared.platform.access import HEADS, LEADERS, Refused


@dataclass
class RosterHttp:
    """What the roster routes need."""

    roster: Roster
    queries: LeadQueries
    settings: LeadsSettings
    absences: Absences


def _not_found(what: str) -> JSONResponse:
    return JSONResponse({"error": "not_found", "detail": f"no {what} with this id"}, 404)


def _shown(model: type[BaseModel], record: object) -> dict[str, Any]:
    return model.model_validate(record, from_attributes=True).model_dump(mode="json")


def roster_manager(manager_id: str, body: ManagerIn) -> RosterManager:
    """The roster entry a request describes."""
    hours = body.working_hours
    return RosterManager(
        id=manager_id,
        name=body.name,
        team=body.team,
        role=body.role,
        channels=tuple(body.channels),
        regions=tuple(body.regions),
        products=tuple(body.products),
        time_zone=body.time_zone,
        capacity=body.capacity,
        present=body.present,
        active=body.active,
        working_hours=WorkingTime(**hours.model_dump()) if hours else None,
        email=body.email,
        messenger_chat_id=body.messenger_chat_id,
        max_discount_percent=body.max_discount_percent,
    )


def roster_router(deps: RosterHttp) -> APIRouter:
    """Routes under /v1/managers, /v1/teams, /v1/assignment-rules and /v1/lead-settings."""
    router = APIRouter(prefix="/v1", tags=["roster"])
    in_sight = sight_dependency(deps.roster)

    @router.put(
        "/managers/{manager_id}",
        response_model=ManagerOut,
        summary="Add or update",
        description=(
            "Made inactive (leaving), the manager's open leads go to their deputy if one is at"
            " work, else to whom assignment picks, else to the head of sales; safe to repeat."
        ),
        dependencies=[ACCESS.admin(HEADS)],
    )
    async def put_manager(manager_id: str, body: ManagerIn) -> dict[str, Any]:
        manager = roster_manager(manager_id, body)
        stored = await deps.roster.get_manager(manager_id)
        if stored is not None:  # an absence is declared and ended on its own route
            manager = replace(manager, absent_until=stored.absent_until, deputy_id=stored.deputy_id)
        await deps.roster.put_manager(manager)
        if not manager.active:
            await deps.absences.leave(manager_id)
        return _shown(ManagerOut, manager)

    @router.get(
        "/managers",
        response_model=list[ManagerOut],
        summary="The roster",
        dependencies=[ACCESS.read()],
    )
    async def list_managers() -> list[dict[str, Any]]:
        return [_shown(ManagerOut, manager) for manager in await deps.roster.list_managers()]

    @router.get(
        "/managers/{manager_id}",
        response_model=ManagerOut,
        summary="One manager",
        dependencies=[ACCESS.read()],
    )
    async def get_manager(manager_id: str) -> Any:
        manager = await deps.roster.get_manager(manager_id)
        return _shown(ManagerOut, manager) if manager else _not_found("manager")

    @router.put(
        "/managers/{manager_id}/presence",
        summary="Mark present or away",
        dependencies=[ACCESS.write()],
    )
    async def set_presence(manager_id: str, body: PresenceIn, sight: Sight = in_sight) -> Any:
        if not await in_team_sight(sight, manager_id) or not await deps.roster.set_presence(
            manager_id, body.present
        ):
            return _not_found("manager")
        return {"id": manager_id, "present": body.present}

    async def in_team_sight(sight: Sight, manager_id: str) -> bool:
        """Whether a caller's sight covers a manager: themselves, their team, or everyone."""
        if sight.nothing or sight.manager_id not in (None, manager_id):
            return False
        if sight.team is None:
            return True
        manager = await deps.roster.get_manager(manager_id)
        return manager is not None and manager.team == sight.team

    @router.put(
        "/managers/{manager_id}/absence",
        response_model=HandOverOut,
        summary="Declare an absence: open leads (here) and deals (in deals) go to the deputy",
        description="A team lead declares absences within their team; safe to repeat.",
        dependencies=[ACCESS.admin(LEADERS)],
    )
    async def declare_absence(manager_id: str, body: AbsenceIn, sight: Sight = in_sight) -> Any:
        if not await in_team_sight(sight, manager_id):
            return _not_found("manager")
        if not await in_team_sight(sight, body.deputy_id):
            raise Refused("a team lead names a deputy from their team", "scope")
        handed = await deps.absences.declare(manager_id, until=body.until, deputy_id=body.deputy_id)
        if handed is None:
            return _not_found("manager")
        return {
            "manager_id": manager_id,
            "deputy_id": body.deputy_id,
            "absent_until": body.until,
            "leads_handed_over": handed.leads_handed_over,
        }

    @router.delete(
        "/managers/{manager_id}/absence",
        response_model=ManagerOut,
        summary="End an absence: at work again, no deputy",
        dependencies=[ACCESS.admin(LEADERS)],
    )
    async def end_absence(manager_id: str, sight: Sight = in_sight) -> Any:
        if not await in_team_sight(sight, manager_id):
            return _not_found("manager")
        back = await deps.absences.end(manager_id)
        return _shown(ManagerOut, back) if back else _not_found("manager")

    @router.get(
        "/managers/{manager_id}/queue",
        response_model=LeadPage,
        summary="The manager's open leads, warmest first",
        dependencies=[ACCESS.read()],
    )
    async def work_queue(
        manager_id: str,
        sight: Sight = in_sight,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    ) -> dict[str, Any]:
        page = await deps.queries.queue(manager_id, offset=offset, limit=limit, sight=sight)
        return page_out(page)

    @router.put(
        "/teams/{team_id}",
        response_model=TeamOut,
        summary="Add or update a team",
        dependencies=[ACCESS.admin(HEADS)],
    )
    async def put_team(team_id: str, body: TeamIn) -> dict[str, Any]:
        team = RosterTeam(id=team_id, **body.model_dump())
        await deps.roster.put_team(team)
        return _shown(TeamOut, team)

    @router.get(
        "/teams", response_model=list[TeamOut], summary="Teams", dependencies=[ACCESS.read()]
    )
    async def list_teams() -> list[dict[str, Any]]:
        return [_shown(TeamOut, team) for team in await deps.roster.list_teams()]

    @router.put(
        "/assignment-rules",
        response_model=list[RuleIn],
        summary="Replace the rules",
        dependencies=[ACCESS.admin(HEADS)],
    )
    async def put_rules(rules: list[RuleIn]) -> list[dict[str, Any]]:
        parsed = [
            AssignmentRule(**{**rule.model_dump(), "manager_ids": tuple(rule.manager_ids)})
            for rule in rules
        ]
        await deps.roster.put_rules(parsed)
        return [_shown(RuleIn, rule) for rule in parsed]

    @router.get(
        "/assignment-rules",
        response_model=list[RuleIn],
        summary="The rules, in order",
        dependencies=[ACCESS.read()],
    )
    async def get_rules() -> list[dict[str, Any]]:
        return [_shown(RuleIn, rule) for rule in await deps.roster.get_rules()]

    @router.get(
        "/lead-settings",
        response_model=LeadSettingsOut,
        summary="Lead configuration",
        dependencies=[ACCESS.read()],
    )
    async def lead_settings() -> dict[str, Any]:
        s = deps.settings
        return {
            "disqualify_reasons": s.disqualify_reasons,
            "statuses": list(LeadStatus),
            "sla_minutes": s.sla_minutes,
            "sla_minutes_by_channel": s.sla_minutes_by_channel,
            "sla_max_breaches": s.sla_max_breaches,
        }

    return router
