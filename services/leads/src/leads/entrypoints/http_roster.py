"""HTTP API of the roster: managers, presence, teams, assignment rules and work queues."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from leads.adapters.lead_store import MongoLeadStore
from leads.adapters.roster_store import MongoRosterStore
from leads.domain.dedupe import LeadStatus
from leads.domain.lifecycle import OPEN_STATUSES
from leads.entrypoints.api_models import (
    LeadPage,
    LeadSettingsOut,
    ManagerIn,
    ManagerOut,
    PresenceIn,
    RuleIn,
    TeamIn,
    TeamOut,
)
from leads.entrypoints.http_leads import lead_out
from leads.settings import LeadsSettings
from shared.platform.clock import Clock


@dataclass
class RosterHttp:
    """What the roster routes need."""

    roster: MongoRosterStore
    leads: MongoLeadStore
    clock: Clock
    settings: LeadsSettings


def _not_found(what: str) -> JSONResponse:
    return JSONResponse({"error": "not_found", "detail": f"no {what} with this id"}, 404)


def _with_id(doc: dict[str, Any]) -> dict[str, Any]:
    return {**{k: v for k, v in doc.items() if k != "_id"}, "id": doc["_id"]}


def roster_router(deps: RosterHttp) -> APIRouter:
    """Routes under /v1/managers, /v1/teams, /v1/assignment-rules and /v1/lead-settings."""
    router = APIRouter(prefix="/v1", tags=["roster"])

    @router.put("/managers/{manager_id}", response_model=ManagerOut, summary="Add or update")
    async def put_manager(manager_id: str, body: ManagerIn) -> dict[str, Any]:
        fields = body.model_dump(mode="json")
        await deps.roster.put_manager(manager_id, fields)
        return {**fields, "id": manager_id}

    @router.get("/managers", response_model=list[ManagerOut], summary="The roster")
    async def list_managers() -> list[dict[str, Any]]:
        return [_with_id(doc) for doc in await deps.roster.list_managers()]

    @router.get("/managers/{manager_id}", response_model=ManagerOut, summary="One manager")
    async def get_manager(manager_id: str) -> Any:
        doc = await deps.roster.get_manager(manager_id)
        return _with_id(doc) if doc else _not_found("manager")

    @router.put("/managers/{manager_id}/presence", summary="Mark present or away")
    async def set_presence(manager_id: str, body: PresenceIn) -> Any:
        if not await deps.roster.set_presence(manager_id, body.present):
            return _not_found("manager")
        return {"id": manager_id, "present": body.present}

    @router.get(
        "/managers/{manager_id}/queue",
        response_model=LeadPage,
        summary="The manager's open leads, warmest first",
    )
    async def work_queue(
        manager_id: str,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    ) -> dict[str, Any]:
        now = deps.clock.now()
        open_statuses = sorted(s.value for s in OPEN_STATUSES)
        query = {"manager_id": manager_id, "status": {"$in": open_statuses}}
        docs, total = await deps.leads.search(query, offset=offset, limit=limit)
        items = [lead_out(doc, now) for doc in docs]
        following = offset + len(items)
        return {
            "items": items,
            "total": total,
            "offset": offset,
            "next_offset": following if following < total else None,
        }

    @router.put("/teams/{team_id}", response_model=TeamOut, summary="Add or update a team")
    async def put_team(team_id: str, body: TeamIn) -> dict[str, Any]:
        fields = body.model_dump(mode="json")
        await deps.roster.put_team(team_id, fields)
        return {**fields, "id": team_id}

    @router.get("/teams", response_model=list[TeamOut], summary="Teams")
    async def list_teams() -> list[dict[str, Any]]:
        return [_with_id(doc) for doc in await deps.roster.list_teams()]

    @router.put("/assignment-rules", response_model=list[RuleIn], summary="Replace the rules")
    async def put_rules(rules: list[RuleIn]) -> list[dict[str, Any]]:
        fields = [rule.model_dump(mode="json") for rule in rules]
        await deps.roster.put_rules(fields)
        return fields

    @router.get("/assignment-rules", response_model=list[RuleIn], summary="The rules, in order")
    async def get_rules() -> list[dict[str, Any]]:
        return await deps.roster.get_rules()

    @router.get("/lead-settings", response_model=LeadSettingsOut, summary="Lead configuration")
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
