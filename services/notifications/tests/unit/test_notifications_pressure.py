"""Contact pressure: quiet hours across midnight and zones, daily and weekly caps, opt-outs."""

from collections.abc import Sequence
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from notifications.domain.model import RecipientKind
from notifications.domain.pressure import (
    PressureAction,
    PressureDecision,
    PressurePolicy,
    PressureReason,
)

pytestmark = pytest.mark.unit

MSK = "Europe/Moscow"
YEKT = "Asia/Yekaterinburg"
MANAGER = RecipientKind.MANAGER
POLICY = PressurePolicy()


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def local(zone: str, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=ZoneInfo(zone))


def decide(
    now: datetime,
    zone: str = MSK,
    history: Sequence[datetime] = (),
    *,
    policy: PressurePolicy = POLICY,
    opted_out: bool = False,
    urgent: bool = False,
    kind: RecipientKind = RecipientKind.CLIENT,
) -> PressureDecision:
    return policy.decide(now, zone, history, opted_out, urgent, recipient_kind=kind)


def deferred_until(instant: datetime) -> PressureDecision:
    return PressureDecision(PressureAction.DEFER, PressureReason.QUIET_HOURS, instant)


SEND = PressureDecision(PressureAction.SEND, PressureReason.ALLOWED)


def test_daytime_message_goes_now() -> None:
    assert decide(local(MSK, 3, 3, 12)) == SEND


def test_late_evening_in_moscow_defers_to_nine_next_morning_in_utc() -> None:
    decision = decide(local(MSK, 3, 3, 22, 30))
    assert decision == deferred_until(utc(3, 4, 6))
    assert decision.not_before is not None
    assert decision.not_before.tzinfo is UTC


def test_after_midnight_in_moscow_defers_to_nine_the_same_morning() -> None:
    assert decide(local(MSK, 3, 4, 1, 30)) == deferred_until(utc(3, 4, 6))


def test_late_evening_in_yekaterinburg_defers_to_nine_local_which_is_four_utc() -> None:
    assert decide(local(YEKT, 3, 3, 22), YEKT) == deferred_until(utc(3, 4, 4))


def test_the_same_instant_is_quiet_in_yekaterinburg_but_not_in_moscow() -> None:
    instant = utc(3, 3, 16, 30)  # 19:30 in Moscow, 21:30 in Yekaterinburg
    assert decide(instant, MSK) == SEND
    assert decide(instant, YEKT) == deferred_until(utc(3, 4, 4))


def test_quiet_hours_are_half_open() -> None:
    assert decide(local(MSK, 3, 3, 21)).action is PressureAction.DEFER
    assert decide(local(MSK, 3, 3, 20, 59)) == SEND
    assert decide(local(MSK, 3, 4, 9)) == SEND
    assert decide(local(MSK, 3, 4, 8, 59)) == deferred_until(utc(3, 4, 6))


@pytest.mark.parametrize(
    ("evening", "morning_utc"),
    [
        # Berlin springs forward on 29 March 2026: 09:00 that day is CEST, UTC+2.
        (local("Europe/Berlin", 3, 28, 22), utc(3, 29, 7)),
        # ...and falls back on 25 October 2026: 09:00 that day is CET, UTC+1.
        (local("Europe/Berlin", 10, 24, 22), utc(10, 25, 8)),
    ],
)
def test_quiet_hours_end_at_nine_local_across_dst_changes(
    evening: datetime, morning_utc: datetime
) -> None:
    assert decide(evening, "Europe/Berlin") == deferred_until(morning_utc)


def test_quiet_hours_that_do_not_cross_midnight() -> None:
    lunch = PressurePolicy(quiet_start=time(13), quiet_end=time(14))
    assert decide(local(MSK, 3, 3, 13, 30), policy=lunch) == deferred_until(utc(3, 3, 11))
    assert decide(local(MSK, 3, 3, 22), policy=lunch) == SEND


def test_equal_start_and_end_mean_no_quiet_hours() -> None:
    always = PressurePolicy(quiet_start=time(9), quiet_end=time(9))
    assert decide(local(MSK, 3, 3, 3), policy=always) == SEND


def test_fourth_reminder_of_the_day_is_suppressed_by_the_daily_cap() -> None:
    history = [local(MSK, 3, 3, 9, 30), local(MSK, 3, 3, 11), local(MSK, 3, 3, 13)]
    assert decide(local(MSK, 3, 3, 15), history=history[:2]) == SEND
    assert decide(local(MSK, 3, 3, 15), history=history) == PressureDecision(
        PressureAction.SUPPRESS, PressureReason.DAILY_CAP
    )


def test_daily_cap_counts_the_recipients_local_calendar_day() -> None:
    # 22:30 UTC on the 2nd is already 01:30 on the 3rd in Yekaterinburg.
    history = [utc(3, 2, 22, 30), local(YEKT, 3, 3, 10), local(YEKT, 3, 3, 11)]
    decision = decide(local(YEKT, 3, 3, 15), YEKT, history)
    assert decision.reason is PressureReason.DAILY_CAP
    yesterday = [local(YEKT, 3, 2, 10), local(YEKT, 3, 2, 11), local(YEKT, 3, 2, 20)]
    assert decide(local(YEKT, 3, 3, 15), YEKT, yesterday) == SEND


def test_cap_is_measured_at_the_deferred_send_time() -> None:
    today = [local(MSK, 3, 3, 10), local(MSK, 3, 3, 12), local(MSK, 3, 3, 14)]
    assert decide(local(MSK, 3, 3, 22), history=today) == deferred_until(utc(3, 4, 6))
    tomorrow_full = [local(MSK, 3, 4, 0, 10)] * 3
    suppressed = decide(local(MSK, 3, 4, 1), history=tomorrow_full)
    assert suppressed.action is PressureAction.SUPPRESS


def test_weekly_cap_counts_a_rolling_seven_days() -> None:
    six_days = [local(MSK, 3, day, 12) for day in range(4, 10)]
    decision = decide(local(MSK, 3, 10, 12), history=six_days)
    assert decision == PressureDecision(PressureAction.SUPPRESS, PressureReason.WEEKLY_CAP)
    one_older = [local(MSK, 3, 3, 12), *six_days[1:]]
    assert decide(local(MSK, 3, 10, 12), history=one_older) == SEND


def test_caps_can_be_switched_off() -> None:
    uncapped = PressurePolicy(max_per_day=None, max_per_week=None)
    history = [local(MSK, 3, 3, 10)] * 20
    assert decide(local(MSK, 3, 3, 15), history=history, policy=uncapped) == SEND


def test_opted_out_recipient_is_suppressed_even_for_urgent_messages() -> None:
    expected = PressureDecision(PressureAction.SUPPRESS, PressureReason.OPTED_OUT)
    assert decide(local(MSK, 3, 3, 12), opted_out=True) == expected
    assert decide(local(MSK, 3, 3, 12), opted_out=True, urgent=True) == expected


def test_urgent_message_skips_quiet_hours_and_caps() -> None:
    history = [local(MSK, 3, 3, 10)] * 5
    decision = decide(local(MSK, 3, 3, 23), history=history, urgent=True)
    assert decision == PressureDecision(PressureAction.SEND, PressureReason.URGENT)


def test_managers_are_uncapped_by_default_but_keep_quiet_hours() -> None:
    history = [local(MSK, 3, 3, 10)] * 10
    assert decide(local(MSK, 3, 3, 15), history=history, kind=MANAGER) == SEND
    assert decide(local(MSK, 3, 3, 23), history=history, kind=MANAGER) == deferred_until(
        utc(3, 4, 6)
    )


def test_caps_per_recipient_kind_are_configurable() -> None:
    strict = PressurePolicy(max_per_day=1, capped_kinds=frozenset(RecipientKind))
    decision = decide(
        local(MSK, 3, 3, 15),
        history=[local(MSK, 3, 3, 10)],
        policy=strict,
        kind=RecipientKind.MANAGER,
    )
    assert decision.reason is PressureReason.DAILY_CAP


def test_integrators_have_no_quiet_hours() -> None:
    assert decide(local(MSK, 3, 3, 23), kind=RecipientKind.INTEGRATOR) == SEND


def test_invalid_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        decide(datetime(2026, 3, 3, 12))  # noqa: DTZ001
    with pytest.raises(ValueError, match="naive"):
        decide(local(MSK, 3, 3, 12), history=[datetime(2026, 3, 3, 10)])  # noqa: DTZ001
    with pytest.raises(ValueError, match="time zone"):
        decide(local(MSK, 3, 3, 12), "Nowhere/Land")
    with pytest.raises(ValueError, match="negative"):
        PressurePolicy(max_per_day=-1)
    with pytest.raises(ValueError, match="not_before"):
        PressureDecision(PressureAction.DEFER, PressureReason.QUIET_HOURS)


def test_an_uncapped_message_passes_the_caps_but_not_quiet_hours_or_an_opt_out() -> None:
    today = [local(MSK, 3, 3, 10), local(MSK, 3, 3, 12), local(MSK, 3, 3, 14)]
    week = [local(MSK, 3, day, 10) for day in range(1, 7)]

    def uncapped(now: datetime, history: Sequence[datetime], opted_out: bool = False) -> object:
        return POLICY.decide(now, MSK, history, opted_out, uncapped=True)

    assert uncapped(local(MSK, 3, 3, 15), today) == SEND
    assert uncapped(local(MSK, 3, 7, 15), week) == SEND
    assert uncapped(local(MSK, 3, 3, 22), today) == deferred_until(utc(3, 4, 6))
    assert uncapped(local(MSK, 3, 3, 15), [], opted_out=True) == PressureDecision(
        PressureAction.SUPPRESS, PressureReason.OPTED_OUT
    )
