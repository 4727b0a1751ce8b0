"""Which deals a list asks for: filters on indexed fields, newest activity first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


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
    stuck_in: tuple[tuple[str, tuple[str, ...]], ...] | None = None
    """Only open deals waiting in one of their pipeline's stuck stages: (pipeline, stages)."""
    entered_before: datetime | None = None
    """With `stuck_in`: only deals that entered their stage before this moment."""
