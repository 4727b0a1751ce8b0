"""`GET /v1/audit`: a service's audit trail for admins, filtered and paged in the query."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, HTTPException, Query, Request
from pydantic import AwareDatetime, BaseModel, Field

from shared.contracts.events.audit import AuditRecordedV1
from shared.platform.access import Access
from shared.platform.audit import AuditTrail


class AuditPage(BaseModel):
    """One page of entries, newest first, and the cursor of the next page."""

    entries: list[AuditRecordedV1]
    next: str | None = Field(
        default=None, description="Pass as `after` for the next page; absent on the last page."
    )


def audit_router(access: Access) -> APIRouter:
    """The audit route of one service, open to admin keys and admins."""
    router = APIRouter(tags=["audit"])

    @router.get(
        "/v1/audit",
        response_model=AuditPage,
        summary="Who changed what, when, before → after (personal data redacted)",
        dependencies=[access.admin()],
    )
    async def audit(
        request: Request,
        actor: Annotated[str | None, Query(max_length=128)] = None,
        kind: Annotated[str | None, Query(max_length=128)] = None,
        record_id: Annotated[str | None, Query(max_length=256)] = None,
        since: AwareDatetime | None = None,
        until: AwareDatetime | None = None,
        after: Annotated[str | None, Query(max_length=64)] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> AuditPage:
        trail: AuditTrail | None = getattr(request.app.state, "audit_trail", None)
        if trail is None:
            raise HTTPException(404, "this service keeps no audit trail")
        entries = await trail.entries(
            actor=actor,
            kind=kind,
            record_id=record_id,
            since=since,
            until=until,
            after=after,
            limit=limit,
        )
        last = entries[-1].entry_id if len(entries) == limit else None
        return AuditPage(entries=entries, next=last)

    return router


def install_audit(app: FastAPI, trail: AuditTrail, access: Access) -> None:
    """Record the app's state-changing requests in `trail` and serve it on `GET /v1/audit`."""
    app.state.audit_trail = trail
    app.include_router(audit_router(access))
