"""Business calendars of teams, built from the roster and cached (holiday tables are costly)."""

from __future__ import annotations

from datetime import time
from functools import lru_cache
from typing import Any

from leads.domain.calendar import BusinessCalendar

AROUND_THE_CLOCK = "around_the_clock"
RU_BUSINESS = "ru_business"


@lru_cache(maxsize=256)
def _calendar(kind: str, time_zone: str, start: time, end: time, year: int) -> BusinessCalendar:
    if kind == AROUND_THE_CLOCK:
        return BusinessCalendar.around_the_clock(time_zone)
    return BusinessCalendar.russian(time_zone, start, end, years=(year - 1, year, year + 1))


def calendar_of(
    spec: dict[str, Any] | None, *, default: dict[str, Any], year: int
) -> BusinessCalendar:
    """The calendar a team (or a manager) works by; missing parts come from `default`."""
    merged = {**default, **{k: v for k, v in (spec or {}).items() if v is not None}}
    return _calendar(
        str(merged["calendar"]),
        str(merged["time_zone"]),
        _as_time(merged["work_start"]),
        _as_time(merged["work_end"]),
        year,
    )


def _as_time(value: Any) -> time:
    return value if isinstance(value, time) else time.fromisoformat(str(value))
