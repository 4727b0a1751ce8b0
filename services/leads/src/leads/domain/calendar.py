"""Team business calendar: working hours, holidays and SLA deadlines counted in business time."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from typing import TypeAlias

import holidays as holidays_lib

from shared.kernel.zones import require_aware, zone

Shift: TypeAlias = tuple[time, time]
"""One working interval in local wall-clock time; `end <= start` means it ends the next day."""

WeeklyHours: TypeAlias = Mapping[int, tuple[Shift, ...]]
"""Working intervals per weekday, 0 = Monday … 6 = Sunday; a missing weekday is a day off."""

# A calendar whose every day is closed would make a deadline search run forever; after this
# many consecutive closed days we give up and call the calendar invalid instead.
_MAX_CLOSED_DAYS = 800


def weekly_hours(start: time, end: time, weekdays: Iterable[int] = range(5)) -> WeeklyHours:
    """Build the same working interval for each given weekday (default Monday–Friday)."""
    return MappingProxyType({day: ((start, end),) for day in weekdays})


@dataclass(frozen=True)
class BusinessCalendar:
    """Working time of a team, in the team's own time zone.

    Shifts are half-open `[start, end)`: at closing time the calendar is already closed.
    A shift whose end is not after its start crosses midnight (22:00–02:00 runs from 22:00
    of its weekday to 02:00 of the next day; 09:00–00:00 ends at midnight); it belongs to the
    day it starts on, so a holiday cancels the whole night shift that starts on it.
    Overlapping shifts are allowed and counted once. Local times that fall into a DST gap
    or overlap are resolved by `zoneinfo` (fold=0); durations are real elapsed time.
    Not modelled: Russian shortened pre-holiday days and working Saturdays moved by decree
    (`holidays` does not publish them) — pass such changes through `working_hours`/`holidays`.
    """

    time_zone: str
    working_hours: WeeklyHours = field(
        default_factory=lambda: weekly_hours(time(9), time(18)), hash=False
    )
    holidays: frozenset[date] | None = None
    always_open: bool = False

    def __post_init__(self) -> None:
        zone(self.time_zone)
        normalized: dict[int, tuple[Shift, ...]] = {}
        for weekday, shifts in self.working_hours.items():
            if weekday not in range(7):
                raise ValueError(f"weekday must be 0 (Monday) … 6 (Sunday), got {weekday}")
            for start, end in shifts:
                if start.tzinfo is not None or end.tzinfo is not None:
                    raise ValueError("shift times are local wall-clock times: no tzinfo")
                if start == end:
                    raise ValueError(f"empty shift {start}–{end}; use always_open for 24/7")
            normalized[weekday] = tuple(sorted(shifts))
        # Copy and freeze so a caller mutating its dict cannot change a frozen calendar.
        object.__setattr__(self, "working_hours", MappingProxyType(normalized))
        object.__setattr__(self, "holidays", frozenset(self.holidays or ()))

    @classmethod
    def russian(
        cls,
        time_zone: str = "Europe/Moscow",
        start: time = time(9),
        end: time = time(18),
        *,
        years: Iterable[int],
    ) -> BusinessCalendar:
        """Monday–Friday office hours minus Russian public holidays (incl. the New Year week).

        `years` is explicit because the domain does not read the clock: a year missing here
        has no holidays, so callers pass at least the current and the next year.
        """
        public = holidays_lib.country_holidays("RU", years=list(years))
        return cls(
            time_zone=time_zone,
            working_hours=weekly_hours(start, end),
            holidays=frozenset(public.keys()),
        )

    @classmethod
    def around_the_clock(cls, time_zone: str = "UTC") -> BusinessCalendar:
        """A 24/7 calendar: business time equals elapsed time."""
        return cls(time_zone=time_zone, working_hours={}, always_open=True)

    def is_open(self, at: datetime) -> bool:
        """Whether `at` falls inside a working shift."""
        require_aware(at, "at")
        if self.always_open:
            return True
        at_utc = at.astimezone(UTC)
        first = at.astimezone(zone(self.time_zone)).date() - timedelta(days=1)
        for _day, shifts in self._days_from(first, count=2):
            if any(opens <= at_utc < closes for opens, closes in shifts):
                return True
        return False

    def add_business_time(self, start: datetime, duration: timedelta) -> datetime:
        """Return the UTC instant when `duration` of business time has elapsed since `start`.

        Counting starts at the next opening if `start` is outside hours. A deadline that lands
        exactly on closing time stays there rather than moving to the next opening.
        """
        require_aware(start, "start")
        if duration < timedelta(0):
            raise ValueError(f"duration must not be negative, got {duration}")
        start_utc = start.astimezone(UTC)
        if self.always_open:
            return start_utc + duration
        remaining = duration
        cursor = start_utc
        closed_days = 0
        first = start.astimezone(zone(self.time_zone)).date() - timedelta(days=1)
        for _day, shifts in self._days_from(first):
            closed_days = 0 if shifts else closed_days + 1
            if closed_days > _MAX_CLOSED_DAYS:
                raise ValueError(f"calendar has no working time for {_MAX_CLOSED_DAYS} days")
            for opens, closes in shifts:
                if closes <= cursor:
                    continue
                cursor = max(cursor, opens)
                available = closes - cursor
                if remaining <= available:
                    return cursor + remaining
                remaining -= available
                cursor = closes
        raise AssertionError("unreachable: the day iterator is endless")

    def business_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Business time elapsed from `a` to `b`; negative when `b` is before `a`."""
        require_aware(a, "a")
        require_aware(b, "b")
        a_utc, b_utc = a.astimezone(UTC), b.astimezone(UTC)
        if b_utc < a_utc:
            return -self.business_time_between(b_utc, a_utc)
        if self.always_open:
            return b_utc - a_utc
        local_zone = zone(self.time_zone)
        total = timedelta(0)
        cursor = a_utc
        first = a_utc.astimezone(local_zone).date() - timedelta(days=1)
        for day, shifts in self._days_from(first):
            # Shifts of `day` start no earlier than its local midnight.
            if datetime.combine(day, time(0), tzinfo=local_zone) >= b_utc:
                break
            for opens, closes in shifts:
                lo, hi = max(cursor, opens), min(closes, b_utc)
                if hi > lo:
                    total += hi - lo
                    cursor = hi
        return total

    def _days_from(
        self, first: date, count: int | None = None
    ) -> Iterator[tuple[date, list[tuple[datetime, datetime]]]]:
        """Yield each local day from `first` with its shifts as UTC intervals sorted by start."""
        local_zone = zone(self.time_zone)
        closed = self.holidays or frozenset()
        day = first
        produced = 0
        while count is None or produced < count:
            intervals: list[tuple[datetime, datetime]] = []
            if day not in closed:
                for start, end in self.working_hours.get(day.weekday(), ()):
                    end_day = day if end > start else day + timedelta(days=1)
                    opens = datetime.combine(day, start, tzinfo=local_zone).astimezone(UTC)
                    closes = datetime.combine(end_day, end, tzinfo=local_zone).astimezone(UTC)
                    intervals.append((opens, closes))
            yield day, intervals
            day += timedelta(days=1)
            produced += 1
