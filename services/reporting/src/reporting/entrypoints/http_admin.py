"""Operations on the projections: which version is live, and a rebuild from offset 0."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from reporting.service_layer.rebuild import Projections


def admin_router(projections: Projections) -> APIRouter:
    """Routes under /v1/projections."""
    router = APIRouter(prefix="/v1/projections", tags=["operations"])
    running: dict[str, asyncio.Task[int]] = {}

    @router.get("", summary="Active and building projection versions")
    async def versions() -> dict[str, Any]:
        versions = await projections.versions()
        task = running.get("rebuild")
        return {
            "active": versions.active,
            "building": list(versions.building),
            "rebuild_running": task is not None and not task.done(),
        }

    @router.post("/rebuild", status_code=202, summary="Replay every topic into a new version")
    async def rebuild() -> Any:
        task = running.get("rebuild")
        if task is not None and not task.done():
            return JSONResponse({"error": "conflict", "detail": "a rebuild is running"}, 409)
        running["rebuild"] = asyncio.create_task(projections.rebuild(), name="reporting-rebuild")
        return {"status": "started"}

    return router
