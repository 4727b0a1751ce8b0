"""Time zones by IANA name, the rule that instants are aware, and an instant's local date."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(name: str) -> ZoneInfo:
    """The zone called `name`; ValueError (not a zoneinfo error) for an unknown or bad name."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def is_zone(name: str) -> bool:
    """Whether `name` is a time zone this machine knows."""
    try:
        zone(name)
    except ValueError:
        return False
    return True


def require_aware(value: datetime, name: str) -> None:
    """Refuse a naive datetime: every instant in Voronka carries its offset."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")


def local_date(at: datetime, time_zone: str) -> date:
    """The calendar date of the aware instant `at` in `time_zone`."""
    require_aware(at, "at")
    return at.astimezone(zone(time_zone)).date()
