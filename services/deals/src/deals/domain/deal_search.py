"""Which deals a list asks for: filters on indexed fields, newest activity first."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DealFilter:
    """Equality filters (None: any); `stages` keeps deals in one of these stages."""

    stage: str | None = None
    manager_id: str | None = None
    client_id: str | None = None
    pipeline_id: str | None = None
    stages: tuple[str, ...] | None = None
    managers: tuple[str, ...] | None = None
    """Only deals of these managers (a caller's scope); None: anyone's."""
