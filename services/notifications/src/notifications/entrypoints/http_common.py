"""Small helpers shared by the HTTP routers: the path id type and the 404 body."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from fastapi.responses import JSONResponse

ResourceId = Annotated[str, Path(min_length=1, max_length=128, pattern=r"^[\w.:@\-]+$")]
"""An id in a path: bounded, and limited to characters ids are minted from."""


def not_found(what: str) -> JSONResponse:
    """404 that names the kind of object, never the id asked for."""
    return JSONResponse({"error": "not_found", "detail": f"no {what} with this id"}, 404)
