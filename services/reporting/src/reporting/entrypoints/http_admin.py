"""Operations on the projections: which version is live, and a rebuild from offset 0."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from reporting.adapters.records import FactLog


def admin_router(
    store: FactLog, start_rebuild: Callable[[], Coroutine[Any, Any, int]]
) -> APIRouter:
    """Routes under /v1/projections."""
    router = APIRouter(prefix="/v1/projections", tags=["operations"])
    running: dict[str, asyncio.Task[int]] = {}

    @router.get("", summary="Active and building projection versions")
    async def versions() -> dict[str, Any]:
        doc = await store.versions()
        task = running.get("rebuild")
        return {
            "active": doc["active"],
            "building": doc.get("building", []),
            "rebuild_running": task is not None and not task.done(),
        }

    @router.post("/rebuild", status_code=202, summary="Replay every topic into a new version")
    async def rebuild() -> Any:
        task = running.get("rebuild")
        if task is not None and not task.done():
            return JSONResponse({"error": "conflict", "detail": "a rebuild is running"}, 409)
        running["rebuild"] = asyncio.create_task(start_rebuild(), name="reporting-rebuild")
        return {"status": "started"}

    return router
