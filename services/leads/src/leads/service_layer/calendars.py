"""Business calendars of teams, built from the roster and cached (holiday tables are costly)."""

from __future__ import annotations

from datetime import time
from functools import lru_cache

from leads.domain.calendar import BusinessCalendar
from leads.domain.roster import WorkingTime

AROUND_THE_CLOCK = "around_the_clock"
RU_BUSINESS = "ru_business"


@lru_cache(maxsize=256)
def _calendar(kind: str, time_zone: str, start: time, end: time, year: int) -> BusinessCalendar:
    if kind == AROUND_THE_CLOCK:
        return BusinessCalendar.around_the_clock(time_zone)
    return BusinessCalendar.russian(time_zone, start, end, years=(year - 1, year, year + 1))


def calendar_of(
    working_time: WorkingTime | None, *, default: WorkingTime, year: int
) -> BusinessCalendar:
    """The calendar a team (or a manager) works by; missing parts come from `default`."""
    merged = (working_time or WorkingTime()).over(default)
    if (
        merged.calendar is None
        or merged.time_zone is None
        or merged.work_start is None
        or merged.work_end is None
    ):
        raise ValueError("the default working time must set every part")
    return _calendar(merged.calendar, merged.time_zone, merged.work_start, merged.work_end, year)
