"""Operations on the projections: which version is live, and a rebuild from the fact log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from reporting.entrypoints.access import ACCESS
from reporting.service_layer.rebuild import Projections
from shared.platform.access import ADMINS


def admin_router(projections: Projections) -> APIRouter:
    """Routes under /v1/projections."""
    router = APIRouter(prefix="/v1/projections", tags=["operations"])

    @router.get(
        "",
        summary="Active and building projection versions",
        dependencies=[ACCESS.allow(keys=("read",), roles=ADMINS)],
    )
    async def versions() -> dict[str, Any]:
        versions = await projections.versions()
        return {
            "active": versions.active,
            "building": list(versions.building),
            "rebuild_running": await projections.running(),
        }

    @router.post(
        "/rebuild",
        status_code=202,
        summary="Fold the fact log into a new version",
        dependencies=[ACCESS.allow(keys=("rebuild",), roles=ADMINS)],
    )
    async def rebuild() -> Any:
        if not await projections.start():
            return JSONResponse({"error": "conflict", "detail": "a rebuild is running"}, 409)
        return {"status": "started"}

    return router
