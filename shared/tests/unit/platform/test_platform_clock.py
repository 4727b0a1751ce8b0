"""ManualClock moves only when told to and wakes sleepers without any real waiting."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from shared.platform.clock import (
    OFFSET_FILE_VARIABLE,
    Clock,
    ManualClock,
    OffsetFileClock,
    SystemClock,
    clock_from_env,
)

pytestmark = pytest.mark.unit

START = datetime(2024, 2, 28, 23, 0, tzinfo=UTC)
MOSCOW = timezone(timedelta(hours=3))


async def settle() -> None:
    """Let woken tasks run; a few loop turns, no real time."""
    for _ in range(3):
        await asyncio.sleep(0)


def test_both_clocks_satisfy_the_clock_protocol() -> None:
    clocks: list[Clock] = [SystemClock(), ManualClock(START)]

    assert all(isinstance(clock, Clock) for clock in clocks)


def test_system_clock_tells_aware_utc_time() -> None:
    now = SystemClock().now()

    assert now.tzinfo is UTC


async def test_system_clock_sleep_zero_returns() -> None:
    await SystemClock().sleep(0)


def test_manual_clock_tells_the_time_it_was_given_in_utc() -> None:
    clock = ManualClock(datetime(2024, 2, 29, 2, 0, tzinfo=MOSCOW))

    assert clock.now() == datetime(2024, 2, 28, 23, 0, tzinfo=UTC)
    assert clock.now().tzinfo is UTC


def test_advance_accepts_a_timedelta_or_seconds() -> None:
    clock = ManualClock(START)

    clock.advance(timedelta(hours=1))
    clock.advance(30.5)

    assert clock.now() == START + timedelta(hours=1, seconds=30.5)


def test_set_jumps_forward_across_the_leap_day() -> None:
    clock = ManualClock(START)

    clock.set(datetime(2024, 3, 1, 0, 0, tzinfo=UTC))

    assert clock.now() - START == timedelta(days=1, hours=1)


@pytest.mark.parametrize("step", [-1, -0.001, timedelta(seconds=-1)])
def test_advancing_backwards_raises(step: float | timedelta) -> None:
    clock = ManualClock(START)

    with pytest.raises(ValueError, match="never goes backwards"):
        clock.advance(step)
    assert clock.now() == START


def test_setting_an_earlier_time_raises() -> None:
    clock = ManualClock(START)

    with pytest.raises(ValueError, match="never goes backwards"):
        clock.set(START - timedelta(microseconds=1))


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        ManualClock(datetime(2024, 1, 1))  # noqa: DTZ001
    clock = ManualClock(START)
    with pytest.raises(ValueError, match="timezone-aware"):
        clock.set(datetime(2030, 1, 1))  # noqa: DTZ001


async def test_sleep_wakes_on_advance_and_not_before() -> None:
    clock = ManualClock(START)
    sleeper = asyncio.create_task(clock.sleep(60))
    await settle()
    assert clock.pending_sleepers == 1

    clock.advance(59.999)
    await settle()
    assert not sleeper.done()

    clock.advance(0.001)
    await settle()
    assert sleeper.done()
    assert clock.pending_sleepers == 0


async def test_set_past_the_deadline_wakes_sleepers_in_deadline_order() -> None:
    clock = ManualClock(START)
    woke: list[str] = []

    async def sleep_then_note(seconds: float, label: str) -> None:
        await clock.sleep(seconds)
        woke.append(label)

    tasks = [
        asyncio.create_task(sleep_then_note(3600, "hour")),
        asyncio.create_task(sleep_then_note(60, "minute")),
        asyncio.create_task(sleep_then_note(86400, "day")),
    ]
    await settle()

    clock.set(START + timedelta(hours=2))
    await settle()

    assert woke == ["minute", "hour"]
    assert clock.pending_sleepers == 1
    tasks[2].cancel()
    await settle()
    assert clock.pending_sleepers == 0


async def test_sleeping_for_zero_returns_without_advancing() -> None:
    clock = ManualClock(START)

    await clock.sleep(0)

    assert clock.now() == START


async def test_a_cancelled_sleeper_is_forgotten() -> None:
    clock = ManualClock(START)
    sleeper = asyncio.create_task(clock.sleep(10))
    await settle()

    sleeper.cancel()
    await settle()

    assert sleeper.cancelled()
    assert clock.pending_sleepers == 0
    clock.advance(10)


async def test_sleeping_for_nan_seconds_is_refused() -> None:
    with pytest.raises(ValueError, match="NaN"):
        await ManualClock(START).sleep(float("nan"))


def test_offset_file_clock_follows_what_the_test_writes(tmp_path: Path) -> None:
    offset_file = tmp_path / "offset"
    clock = OffsetFileClock(str(offset_file), reread_seconds=0)
    before = datetime.now(UTC)
    assert abs((clock.now() - before).total_seconds()) < 5  # no file yet: real time
    offset_file.write_text("3660")
    assert clock.now() - datetime.now(UTC) > timedelta(minutes=60)
    offset_file.write_text("not a number")
    assert clock.now() - datetime.now(UTC) > timedelta(minutes=60)  # keeps the last offset


async def test_offset_file_clock_sleeps_its_own_time_and_wakes_on_a_jump(tmp_path: Path) -> None:
    offset_file = tmp_path / "offset"
    offset_file.write_text("0")
    clock = OffsetFileClock(str(offset_file), reread_seconds=0)
    sleeper = asyncio.create_task(clock.sleep(3600))
    await asyncio.sleep(1.2)  # real seconds pass, the clock's hour does not
    assert not sleeper.done()
    offset_file.write_text("3600")
    await asyncio.wait_for(sleeper, timeout=2.5)  # noticed at the next reread, within a second


def test_clock_from_env_is_the_system_clock_unless_asked(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(OFFSET_FILE_VARIABLE, raising=False)
    assert isinstance(clock_from_env(), SystemClock)
    monkeypatch.setenv(OFFSET_FILE_VARIABLE, str(tmp_path / "offset"))
    assert isinstance(clock_from_env(), OffsetFileClock)
