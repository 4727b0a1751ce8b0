"""HTTP doors of the leads service: intake, the lead's lifecycle, activities and queries."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from faststream.kafka import KafkaBroker

from leads.adapters.lead_store import LeadDoc, MongoLeadStore
from leads.adapters.request_log import MongoRequestLog
from leads.domain.dedupe import LeadStatus
from leads.domain.ids import activity_id_for, lead_id_for, request_event_id
from leads.domain.lifecycle import AWAITING_CONTACT, LifecycleError
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
from leads.service_layer.commands import (
    Activity,
    ConcurrentChange,
    Conversion,
    LeadCommands,
    LeadNotFound,
)
from leads.service_layer.events import SOURCE
from shared.contracts.codec import encode
from shared.contracts.events.lead_received import LeadChannel, LeadReceivedV1
from shared.contracts.topics import Topic
from shared.platform.clock import Clock
from shared.platform.errors import InfrastructureUnavailable

INTAKE_SOURCE = f"{SOURCE}:http"
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

    broker: KafkaBroker
    topic_prefix: str
    leads: MongoLeadStore
    requests: MongoRequestLog
    commands: LeadCommands
    clock: Clock
    publish_timeout: float


def lead_out(doc: LeadDoc, now: Any, *, detail: bool = False) -> dict[str, Any]:
    """Storage document to API shape: internal fields stay in."""
    out = {key: value for key, value in doc.items() if not key.startswith("_")}
    out["id"] = doc["_id"]
    deadline = doc.get("sla_deadline")
    out["sla_overdue"] = bool(
        deadline is not None and LeadStatus(doc["status"]) in AWAITING_CONTACT and deadline < now
    )
    model = LeadDetailOut if detail else LeadOut
    return model.model_validate(out).model_dump(mode="json")


def _problem(status: int, error: str, detail: str) -> JSONResponse:
    return JSONResponse({"error": error, "detail": detail}, status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    """Domain refusals become 404/409 with a message that carries no personal data."""

    async def not_found(_: Request, exc: Exception) -> JSONResponse:
        return _problem(404, "not_found", "no lead with this id")

    async def conflict(_: Request, exc: Exception) -> JSONResponse:
        return _problem(409, "conflict", str(exc))

    async def busy(_: Request, exc: Exception) -> JSONResponse:
        return _problem(409, "concurrent_change", "the lead changed meanwhile; retry")

    app.add_exception_handler(LeadNotFound, not_found)
    app.add_exception_handler(LifecycleError, conflict)
    app.add_exception_handler(ConcurrentChange, busy)


def leads_router(deps: LeadsHttp) -> APIRouter:
    """Routes under /v1/leads."""
    router = APIRouter(prefix="/v1/leads", tags=["leads"])

    @router.post(
        "",
        status_code=202,
        response_model=Accepted,
        summary="Submit a lead (web forms, integrators)",
        responses={409: {"description": "Idempotency-Key reused with a different body"}},
    )
    async def submit_lead(
        lead: LeadReceivedV1, response: Response, idempotency_key: IdempotencyKey = None
    ) -> Accepted | JSONResponse:
        """Validate and publish `lead.received`; the lead is stored by the same consumer as
        leads arriving by Kafka, so both doors dedupe alike.
        """
        if idempotency_key:
            event_id = request_event_id(lead.source, idempotency_key)
        else:
            event_id = str(uuid.uuid4())
        lead_id = lead_id_for(lead.source, lead.external_id, event_id)
        if idempotency_key:
            body_hash = hashlib.sha256(lead.model_dump_json().encode()).hexdigest()
            earlier = await deps.requests.remember(
                f"{lead.source}\x1f{idempotency_key}",
                body_hash=body_hash,
                lead_id=lead_id,
                at=deps.clock.now(),
            )
            if earlier is not None and earlier["body_hash"] != body_hash:
                return _problem(
                    409, "idempotency_key_reused", "this key was used with a different body"
                )
        await _publish(deps, lead, event_id=event_id, lead_id=lead_id)
        response.headers["Location"] = f"/v1/leads/{lead_id}"
        return Accepted(lead_id=lead_id, event_id=event_id)

    @router.get("", response_model=LeadPage, summary="List leads, warmest first")
    async def list_leads(
        status: Annotated[list[LeadStatus] | None, Query(description="Any of these.")] = None,
        manager_id: Annotated[str | None, Query(max_length=128)] = None,
        team: Annotated[str | None, Query(max_length=128)] = None,
        channel: LeadChannel | None = None,
        min_priority: Annotated[int | None, Query(ge=0, le=100)] = None,
        sla_overdue: Annotated[
            bool | None, Query(description="Only leads past their first-contact deadline.")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    ) -> dict[str, Any]:
        now = deps.clock.now()
        query: dict[str, Any] = {}
        if status:
            query["status"] = {"$in": [s.value for s in status]}
        if manager_id is not None:
            query["manager_id"] = manager_id
        if team is not None:
            query["team"] = team
        if channel is not None:
            query["channel"] = channel.value
        if min_priority is not None:
            query["priority.score"] = {"$gte": min_priority}
        if sla_overdue:
            wanted = set(status or LeadStatus) & AWAITING_CONTACT
            query["status"] = {"$in": sorted(s.value for s in wanted)}
            query["sla_deadline"] = {"$lt": now}
        docs, total = await deps.leads.search(query, offset=offset, limit=limit)
        items = [lead_out(doc, now) for doc in docs]
        following = offset + len(items)
        return {
            "items": items,
            "total": total,
            "offset": offset,
            "next_offset": following if following < total else None,
        }

    @router.get("/{lead_id}", response_model=LeadDetailOut, summary="One lead with its history")
    async def get_lead(lead_id: str) -> dict[str, Any]:
        doc = await deps.leads.get(lead_id)
        if doc is None:
            raise LeadNotFound(lead_id)
        return lead_out(doc, deps.clock.now(), detail=True)

    @router.post(
        "/{lead_id}/activities",
        status_code=201,
        response_model=LeadDetailOut,
        summary="Log a call, e-mail, message, meeting or note; the first contact stops the SLA",
    )
    async def log_activity(
        lead_id: str,
        body: ActivityIn,
        response: Response,
        idempotency_key: IdempotencyKey = None,
    ) -> dict[str, Any]:
        now = deps.clock.now()
        if body.activity_id:
            activity_id = body.activity_id
        elif idempotency_key:
            activity_id = activity_id_for(lead_id, idempotency_key)
        else:
            activity_id = f"act-{uuid.uuid4().hex[:20]}"
        occurred = body.occurred_at or now
        doc, created = await deps.commands.log_activity(
            lead_id,
            Activity(
                activity_id=activity_id,
                manager_id=body.manager_id,
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
        return lead_out(doc, now, detail=True)

    @router.post("/{lead_id}/qualify", response_model=LeadDetailOut, summary="Qualify")
    async def qualify(lead_id: str, body: QualifyIn) -> dict[str, Any]:
        doc = await deps.commands.qualify(lead_id, by=body.manager_id)
        return lead_out(doc, deps.clock.now(), detail=True)

    @router.post(
        "/{lead_id}/convert",
        response_model=LeadDetailOut,
        summary="Convert into a deal (publishes lead.converted)",
    )
    async def convert(lead_id: str, body: ConvertIn) -> dict[str, Any]:
        doc = await deps.commands.convert(
            lead_id,
            Conversion(
                manager_id=body.manager_id,
                products=tuple(body.products),
                amount_estimate=body.amount_estimate,
                expected_close_on=body.expected_close_on,
            ),
        )
        return lead_out(doc, deps.clock.now(), detail=True)

    @router.post("/{lead_id}/disqualify", response_model=LeadDetailOut, summary="Disqualify")
    async def disqualify(lead_id: str, body: DisqualifyIn) -> dict[str, Any]:
        doc = await deps.commands.disqualify(
            lead_id, reason=body.reason, note=body.note, by=body.manager_id
        )
        return lead_out(doc, deps.clock.now(), detail=True)

    @router.post("/{lead_id}/assign", response_model=LeadDetailOut, summary="Move to a manager")
    async def reassign(lead_id: str, body: ReassignIn) -> dict[str, Any]:
        doc = await deps.commands.reassign(lead_id, to_manager_id=body.manager_id, note=body.note)
        return lead_out(doc, deps.clock.now(), detail=True)

    return router


async def _publish(deps: LeadsHttp, lead: LeadReceivedV1, *, event_id: str, lead_id: str) -> None:
    payload, headers = encode(
        lead,
        source=INTAKE_SOURCE,
        subject=lead_id,
        event_id=event_id,
        correlation_id=lead_id,
        time=deps.clock.now(),
    )
    try:
        await asyncio.wait_for(
            deps.broker.publish(
                payload,
                topic=deps.topic_prefix + Topic.LEAD_RECEIVED.value,
                key=lead_id.encode(),
                headers={name: value.decode() for name, value in headers},
                correlation_id=lead_id,
            ),
            deps.publish_timeout,
        )
    except TimeoutError:
        raise InfrastructureUnavailable("Kafka did not acknowledge the lead in time") from None
