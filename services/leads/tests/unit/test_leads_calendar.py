"""Business calendar: SLA deadlines across nights, weekends, holidays and time zones."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from leads.domain.calendar import BusinessCalendar, weekly_hours

pytestmark = pytest.mark.unit

MSK = ZoneInfo("Europe/Moscow")
YEKT = ZoneInfo("Asia/Yekaterinburg")
HOUR = timedelta(hours=1)


@pytest.fixture(scope="module")
def moscow() -> BusinessCalendar:
    return BusinessCalendar.russian(years=[2025, 2026])


def msk(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=MSK)


def test_lead_arriving_at_night_is_due_an_hour_after_next_opening(
    moscow: BusinessCalendar,
) -> None:
    deadline = moscow.add_business_time(msk(2026, 3, 3, 23, 10), HOUR)
    assert deadline == msk(2026, 3, 4, 10, 0)


def test_deadline_is_returned_in_utc(moscow: BusinessCalendar) -> None:
    deadline = moscow.add_business_time(msk(2026, 3, 3, 23, 10), HOUR)
    assert deadline.tzinfo is UTC
    assert deadline == datetime(2026, 3, 4, 7, 0, tzinfo=UTC)


def test_friday_evening_lead_is_due_on_monday_morning(moscow: BusinessCalendar) -> None:
    deadline = moscow.add_business_time(msk(2026, 3, 13, 17, 30), HOUR)
    assert deadline == msk(2026, 3, 16, 9, 30)


def test_russia_day_holiday_is_skipped(moscow: BusinessCalendar) -> None:
    assert date(2026, 6, 12) in (moscow.holidays or frozenset())
    deadline = moscow.add_business_time(msk(2026, 6, 11, 17, 30), HOUR)
    assert deadline == msk(2026, 6, 15, 9, 30)


def test_labour_day_holiday_is_skipped(moscow: BusinessCalendar) -> None:
    deadline = moscow.add_business_time(msk(2026, 4, 30, 17, 30), HOUR)
    assert deadline == msk(2026, 5, 4, 9, 30)


def test_new_year_week_is_closed_until_the_twelfth_of_january(moscow: BusinessCalendar) -> None:
    assert not moscow.is_open(msk(2026, 1, 2, 12, 0))
    deadline = moscow.add_business_time(msk(2026, 1, 2, 12, 0), HOUR)
    assert deadline == msk(2026, 1, 12, 10, 0)


def test_same_utc_instant_gives_different_deadlines_in_yekaterinburg_and_moscow() -> None:
    arrived = datetime(2026, 3, 3, 19, 30, tzinfo=UTC)  # 22:30 in Moscow, 00:30 in Yekaterinburg
    moscow = BusinessCalendar.russian("Europe/Moscow", years=[2026])
    yekaterinburg = BusinessCalendar.russian("Asia/Yekaterinburg", years=[2026])
    assert moscow.add_business_time(arrived, HOUR) == msk(2026, 3, 4, 10, 0)
    assert yekaterinburg.add_business_time(arrived, HOUR) == datetime(
        2026, 3, 4, 10, 0, tzinfo=YEKT
    )
    assert datetime(2026, 3, 4, 10, 0, tzinfo=YEKT) == datetime(2026, 3, 4, 5, 0, tzinfo=UTC)


def test_around_the_clock_calendar_just_adds_the_duration() -> None:
    calendar = BusinessCalendar.around_the_clock("Europe/Moscow")
    sunday_night = msk(2026, 3, 8, 3, 0)
    assert calendar.is_open(sunday_night)
    assert calendar.add_business_time(sunday_night, HOUR) == msk(2026, 3, 8, 4, 0)
    assert calendar.business_time_between(sunday_night, msk(2026, 3, 9, 3, 0)) == timedelta(days=1)


def test_five_minute_sla_inside_hours_is_five_minutes(moscow: BusinessCalendar) -> None:
    deadline = moscow.add_business_time(msk(2026, 3, 3, 10, 0), timedelta(minutes=5))
    assert deadline == msk(2026, 3, 3, 10, 5)


def test_five_minute_sla_near_closing_carries_over_to_next_morning(
    moscow: BusinessCalendar,
) -> None:
    deadline = moscow.add_business_time(msk(2026, 3, 3, 17, 57), timedelta(minutes=5))
    assert deadline == msk(2026, 3, 4, 9, 2)


def test_deadline_landing_exactly_on_closing_time_stays_at_closing(
    moscow: BusinessCalendar,
) -> None:
    deadline = moscow.add_business_time(msk(2026, 3, 3, 17, 0), HOUR)
    assert deadline == msk(2026, 3, 3, 18, 0)
    assert not moscow.is_open(deadline)


def test_lead_arriving_before_opening_counts_from_opening(moscow: BusinessCalendar) -> None:
    assert moscow.add_business_time(msk(2026, 3, 3, 7, 45), HOUR) == msk(2026, 3, 3, 10, 0)


def test_is_open_only_inside_working_hours(moscow: BusinessCalendar) -> None:
    assert moscow.is_open(msk(2026, 3, 3, 9, 0))
    assert moscow.is_open(msk(2026, 3, 3, 17, 59))
    assert not moscow.is_open(msk(2026, 3, 3, 8, 59))
    assert not moscow.is_open(msk(2026, 3, 7, 12, 0))  # Saturday


def test_business_time_between_skips_weekend_and_holiday(moscow: BusinessCalendar) -> None:
    # Friday 6 March → Tuesday 10 March 2026; Monday 9 March is a day off (8 March observed).
    elapsed = moscow.business_time_between(msk(2026, 3, 6, 17, 30), msk(2026, 3, 10, 9, 30))
    assert elapsed == timedelta(hours=1)
    assert moscow.business_time_between(msk(2026, 3, 10, 9, 30), msk(2026, 3, 6, 17, 30)) == -HOUR


def test_business_time_between_inverts_add_business_time(moscow: BusinessCalendar) -> None:
    start = msk(2026, 4, 29, 15, 20)
    duration = timedelta(hours=13, minutes=7)
    assert (
        moscow.business_time_between(start, moscow.add_business_time(start, duration)) == duration
    )


def test_night_shift_crossing_midnight_counts_through_midnight() -> None:
    night = BusinessCalendar("Europe/Moscow", working_hours={0: ((time(22), time(2)),)})
    assert night.is_open(msk(2026, 3, 3, 1, 0))  # Tuesday 01:00 belongs to Monday's shift
    assert night.add_business_time(msk(2026, 3, 2, 23, 30), HOUR) == msk(2026, 3, 3, 0, 30)
    assert night.add_business_time(msk(2026, 3, 3, 1, 30), HOUR) == msk(2026, 3, 9, 22, 30)


def test_holiday_cancels_the_whole_night_shift_starting_on_it() -> None:
    night = BusinessCalendar(
        "Europe/Moscow",
        working_hours=weekly_hours(time(22), time(2), range(7)),
        holidays=frozenset({date(2026, 3, 2)}),
    )
    assert not night.is_open(msk(2026, 3, 3, 1, 0))
    assert night.add_business_time(msk(2026, 3, 2, 21, 0), HOUR) == msk(2026, 3, 3, 23, 0)


def test_overlapping_shifts_are_counted_once() -> None:
    calendar = BusinessCalendar(
        "Europe/Moscow", working_hours={1: ((time(9), time(13)), (time(12), time(18)))}
    )
    day = calendar.business_time_between(msk(2026, 3, 3, 0, 0), msk(2026, 3, 4, 0, 0))
    assert day == timedelta(hours=9)


def test_deadline_across_daylight_saving_change_uses_local_opening() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    calendar = BusinessCalendar("Europe/Berlin")
    friday = datetime(2026, 3, 27, 17, 30, tzinfo=berlin)
    assert calendar.add_business_time(friday, HOUR) == datetime(2026, 3, 30, 7, 30, tzinfo=UTC)


def test_naive_datetimes_are_rejected(moscow: BusinessCalendar) -> None:
    naive = datetime(2026, 3, 3, 10, 0)  # noqa: DTZ001
    with pytest.raises(ValueError, match="timezone-aware"):
        moscow.add_business_time(naive, HOUR)
    with pytest.raises(ValueError, match="timezone-aware"):
        moscow.is_open(naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        moscow.business_time_between(naive, msk(2026, 3, 3, 10, 0))


def test_negative_duration_is_rejected(moscow: BusinessCalendar) -> None:
    with pytest.raises(ValueError, match="negative"):
        moscow.add_business_time(msk(2026, 3, 3, 10, 0), -HOUR)


def test_invalid_calendars_are_rejected() -> None:
    with pytest.raises(ValueError, match="time zone"):
        BusinessCalendar("Mars/Olympus_Mons")
    with pytest.raises(ValueError, match="empty shift"):
        BusinessCalendar("UTC", working_hours={0: ((time(9), time(9)),)})
    with pytest.raises(ValueError, match="weekday"):
        BusinessCalendar("UTC", working_hours={7: ((time(9), time(18)),)})


def test_calendar_without_any_working_time_fails_instead_of_looping() -> None:
    closed = BusinessCalendar("UTC", working_hours={})
    with pytest.raises(ValueError, match="no working time"):
        closed.add_business_time(datetime(2026, 3, 3, tzinfo=UTC), HOUR)
