"""The sales roster: managers, teams and the working time they keep."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal

HEAD_OF_SALES = "head_of_sales"
"""The role that gets escalations instead of new leads."""


@dataclass(frozen=True)
class WorkingTime:
    """A calendar kind (ru_business, around_the_clock), a time zone and a working day."""

    calendar: str | None = None
    time_zone: str | None = None
    work_start: time | None = None
    work_end: time | None = None

    def over(self, default: WorkingTime) -> WorkingTime:
        """This working time, with what it leaves unset taken from `default`."""
        return WorkingTime(
            calendar=default.calendar if self.calendar is None else self.calendar,
            time_zone=default.time_zone if self.time_zone is None else self.time_zone,
            work_start=default.work_start if self.work_start is None else self.work_start,
            work_end=default.work_end if self.work_end is None else self.work_end,
        )


@dataclass(frozen=True)
class RosterManager:
    """A member of the roster; empty channels, regions or products mean "any"."""

    id: str
    name: str
    team: str
    role: str = "manager"
    channels: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    time_zone: str = "Europe/Moscow"
    capacity: int = 10
    present: bool = True
    active: bool = True
    working_hours: WorkingTime | None = None
    absent_until: date | None = None
    deputy_id: str | None = None
    email: str | None = None
    messenger_chat_id: str | None = None
    max_discount_percent: Decimal | None = None

    @property
    def is_head_of_sales(self) -> bool:
        """Heads of sales take escalations, not new leads."""
        return self.role == HEAD_OF_SALES


@dataclass(frozen=True)
class RosterTeam:
    """A team: its working time (unset parts are the service's) and its head of sales."""

    id: str
    name: str
    head_id: str | None = None
    calendar: str | None = None
    time_zone: str | None = None
    work_start: time | None = None
    work_end: time | None = None

    @property
    def working_time(self) -> WorkingTime:
        """The working time the team sets itself."""
        return WorkingTime(self.calendar, self.time_zone, self.work_start, self.work_end)
