"""The kernel's time-zone helpers and the aggregate base every domain builds on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest

from shared.kernel.aggregate import Aggregate
from shared.kernel.reminders import ReminderKind
from shared.kernel.zones import is_zone, local_date, require_aware, zone

pytestmark = pytest.mark.unit


class NoOffset(tzinfo):
    """A tzinfo that knows no offset: the datetime is aware in form only."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None

    def tzname(self, dt: datetime | None) -> str | None:
        return None


# --- zones ----------------------------------------------------------------------------------


def test_zone_gives_the_named_zone() -> None:
    moscow = zone("Europe/Moscow")

    assert moscow == ZoneInfo("Europe/Moscow")
    assert datetime(2026, 3, 2, 12, 0, tzinfo=moscow).utcoffset() == timedelta(hours=3)


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "", "../etc/passwd", "/usr/share/zoneinfo"])
def test_zone_refuses_an_unknown_or_malformed_name_with_a_value_error(name: str) -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        zone(name)


def test_is_zone_tells_known_names_from_the_rest() -> None:
    assert is_zone("Asia/Yekaterinburg")
    assert is_zone("UTC")
    assert not is_zone("Europe/Atlantis")
    assert not is_zone("")


def test_require_aware_accepts_an_instant_with_its_offset() -> None:
    require_aware(datetime(2026, 3, 2, 9, 0, tzinfo=timezone(timedelta(hours=5))), "due_at")


def test_require_aware_refuses_a_naive_datetime_and_names_the_field() -> None:
    with pytest.raises(ValueError, match="due_at must be timezone-aware"):
        require_aware(datetime(2026, 3, 2, 9, 0), "due_at")  # noqa: DTZ001


def test_require_aware_refuses_a_tzinfo_without_an_offset() -> None:
    with pytest.raises(ValueError, match="must be timezone-aware"):
        require_aware(datetime(2026, 3, 2, 9, 0, tzinfo=NoOffset()), "at")


def test_local_date_is_the_calendar_day_in_that_zone() -> None:
    late_evening_utc = datetime(2026, 3, 1, 21, 30, tzinfo=UTC)

    assert local_date(late_evening_utc, "UTC") == date(2026, 3, 1)
    assert local_date(late_evening_utc, "Europe/Moscow") == date(2026, 3, 2)  # 00:30 at +3
    assert local_date(late_evening_utc, "America/New_York") == date(2026, 3, 1)  # 16:30 at -5
    assert local_date(datetime(2026, 3, 2, 2, 0, tzinfo=UTC), "America/New_York") == date(
        2026, 3, 1
    )  # 21:00 the day before


def test_local_date_refuses_a_naive_instant_and_an_unknown_zone() -> None:
    with pytest.raises(ValueError, match="at must be timezone-aware"):
        local_date(datetime(2026, 3, 2, 9, 0), "Europe/Moscow")  # noqa: DTZ001
    with pytest.raises(ValueError, match="unknown time zone"):
        local_date(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), "Europe/Atlantis")


def test_reminder_kinds_are_the_four_wire_values_in_order() -> None:
    assert [kind.value for kind in ReminderKind] == [
        "on_issue",
        "mid_term",
        "day_before",
        "overdue",
    ]


# --- the aggregate base ---------------------------------------------------------------------


@dataclass(eq=False)
class Tally(Aggregate[str]):
    """A counter that records a note of each increment."""

    tally_id: str
    count: int = 0

    @property
    def aggregate_id(self) -> str:
        return self.tally_id

    def add(self, n: int) -> None:
        self.count += n
        self.record(f"added {n}")


def test_a_new_aggregate_has_no_revision_and_no_events() -> None:
    tally = Tally("t1")

    assert tally.revision is None
    assert tally.pending_events == []
    assert tally.aggregate_id == "t1"
    assert repr(tally) == "Tally(tally_id='t1', count=0)"


def test_recorded_events_wait_in_order_until_collected_once() -> None:
    tally = Tally("t1")
    tally.add(2)
    tally.add(3)

    assert tally.count == 5
    assert tally.pending_events == ["added 2", "added 3"]
    assert tally.collect_events() == ["added 2", "added 3"]
    assert tally.pending_events == []
    assert tally.collect_events() == []


def test_aggregates_with_equal_fields_are_still_distinct_objects() -> None:
    one, other = Tally("t1"), Tally("t1")

    assert one != other
    assert len({one, other}) == 2  # hashable by identity: a repository remembers each load


def test_the_base_has_no_id_of_its_own() -> None:
    with pytest.raises(NotImplementedError):
        _ = Aggregate[str]().aggregate_id
