"""Manager activity: per day and ISO week in a zone, first response and SLA, the leaderboard."""

import copy
import json
import random
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from reporting.domain.activity import (
    ActivityCounts,
    ActivityState,
    Granularity,
    LeaderboardRow,
    ResponseStats,
    activity_entry,
    apply,
    bucket_of,
    empty_state,
    fold,
    leaderboard,
    report_activity,
    report_objections,
    report_response,
)
from reporting.domain.facts import (
    ActivityKind,
    ActivityLogged,
    DealStageChanged,
    Fact,
    LeadAssigned,
    LeadContacted,
    LeadSlaBreached,
    Period,
    StageKind,
    TaskDone,
    TaskOverdue,
)

pytestmark = pytest.mark.unit

CALL, EMAIL, MESSAGE = ActivityKind.CALL, ActivityKind.EMAIL, ActivityKind.MESSAGE
MEETING, NOTE = ActivityKind.MEETING, ActivityKind.NOTE
OBJECTION = ActivityKind.OBJECTION


def utc(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def activity(activity_id: str, manager: str, kind: ActivityKind, at: datetime) -> ActivityLogged:
    return ActivityLogged(activity_id, None, manager, kind, at)


def assigned(lead_id: str, manager: str | None, received: datetime) -> LeadAssigned:
    return LeadAssigned(lead_id, "phone", "telephony", manager, "t1", received, received)


def won(deal_id: str, manager: str, amount: str, at: datetime, currency: str = "RUB") -> Fact:
    return DealStageChanged(
        deal_id=deal_id,
        pipeline_id="wholesale",
        from_stage="payment",
        to_stage="won",
        to_stage_kind=StageKind.WON,
        changed_at=at,
        amount=Decimal(amount),
        currency=currency,
        client_id="client-1",
        manager_id=manager,
    )


ACTIVITIES: list[Fact] = [
    activity("a1", "mgr-a", CALL, utc(3, 2, 6)),  # Mon 03-02 09:00 MSK
    activity("a2", "mgr-a", CALL, utc(3, 2, 20, 30)),  # Mon 03-02 23:30 MSK
    activity("a3", "mgr-a", EMAIL, utc(3, 2, 21, 30)),  # Tue 03-03 00:30 MSK, still 03-02 in UTC
    activity("a4", "mgr-a", MEETING, utc(3, 8, 20)),  # Sun 03-08 23:00 MSK, ISO week 10
    activity("a5", "mgr-a", NOTE, utc(3, 9, 6)),  # Mon 03-09, ISO week 11
    activity("b1", "mgr-b", MESSAGE, utc(3, 3, 7)),  # Tue 03-03
    activity("b2", "mgr-b", CALL, utc(3, 8, 21, 30)),  # Mon 03-09 00:30 MSK, week 11; UTC week 10
]

LEADS: list[Fact] = [
    assigned("L1", "mgr-a", utc(3, 2)),
    LeadContacted("L1", "mgr-a", utc(3, 2, 9, 10), 600, True),
    # L2 is breached by a, moves to b (a reassignment, not a fact here), b answers late.
    assigned("L2", "mgr-a", utc(3, 2)),
    LeadSlaBreached("L2", "mgr-a", utc(3, 2, 10)),
    LeadContacted("L2", "mgr-b", utc(3, 2, 10, 30), 5400, False),
    assigned("L3", "mgr-a", utc(3, 3)),
    LeadContacted("L3", "mgr-a", utc(3, 3, 9, 30), 1800, True),
    # L4: b misses the deadline twice; it still counts as one breached lead.
    assigned("L4", "mgr-b", utc(3, 4)),
    LeadSlaBreached("L4", "mgr-b", utc(3, 4, 10)),
    LeadSlaBreached("L4", "mgr-b", utc(3, 4, 12)),
    assigned("L5", "mgr-b", utc(3, 5)),
    LeadContacted("L5", "mgr-b", utc(3, 5, 9, 5), 300, True),
    # L6 waited in the team queue: a breach nobody owns.
    assigned("L6", None, utc(3, 6)),
    LeadSlaBreached("L6", None, utc(3, 6, 10)),
]

DEALS: list[Fact] = [
    won("D1", "mgr-a", "100000", utc(3, 10)),
    won("D2", "mgr-b", "100000", utc(3, 11)),
    won("D3", "mgr-b", "500", utc(3, 12), currency="USD"),
    won("D4", "mgr-c", "50000", utc(3, 13)),
    won("D5", "mgr-c", "900000", utc(2, 13)),  # February: outside the board's period
    activity("d1", "mgr-d", CALL, utc(3, 16)),
    activity("e1", "mgr-e", CALL, utc(3, 16)),
]

FACTS = ACTIVITIES + LEADS + DEALS
MARCH = Period(date(2026, 3, 1), date(2026, 4, 1), "Europe/Moscow")


def built(facts: Sequence[Fact] = FACTS) -> ActivityState:
    return fold(empty_state(), facts)


def orders(facts: Sequence[Fact], times: int = 25) -> Iterator[list[Fact]]:
    yield list(reversed(facts))
    rng = random.Random(11)
    for _ in range(times):
        shuffled = list(facts)
        rng.shuffle(shuffled)
        yield shuffled


def test_bucket_labels() -> None:
    assert bucket_of(utc(3, 2, 21, 30), Granularity.DAY) == "2026-03-03"
    assert bucket_of(utc(3, 2, 21, 30), Granularity.DAY, "UTC") == "2026-03-02"
    assert bucket_of(utc(3, 8, 21, 30), Granularity.WEEK) == "2026-W11"
    assert bucket_of(utc(3, 8, 21, 30), Granularity.WEEK, "UTC") == "2026-W10"
    # 2027-01-01 is a Friday of ISO week 53 of 2026.
    assert bucket_of(datetime(2027, 1, 1, 12, tzinfo=UTC), Granularity.WEEK) == "2026-W53"


def test_activity_per_day_in_moscow_time() -> None:
    assert report_activity(built(ACTIVITIES)) == {
        "mgr-a": {
            "2026-03-02": ActivityCounts(calls=2),
            "2026-03-03": ActivityCounts(emails=1),
            "2026-03-08": ActivityCounts(meetings=1),
            "2026-03-09": ActivityCounts(notes=1),
        },
        "mgr-b": {
            "2026-03-03": ActivityCounts(messages=1),
            "2026-03-09": ActivityCounts(calls=1),
        },
    }


def test_activity_per_iso_week_depends_on_the_zone() -> None:
    weekly = report_activity(built(ACTIVITIES), Granularity.WEEK)
    assert weekly == {
        "mgr-a": {
            "2026-W10": ActivityCounts(calls=2, emails=1, meetings=1),
            "2026-W11": ActivityCounts(notes=1),
        },
        "mgr-b": {"2026-W10": ActivityCounts(messages=1), "2026-W11": ActivityCounts(calls=1)},
    }
    # Calls, e-mails, messages and meetings count; the note does not: 2 + 1 + 1 = 4.
    assert weekly["mgr-a"]["2026-W10"].total == 4
    assert weekly["mgr-a"]["2026-W11"].total == 0
    in_utc = report_activity(built(ACTIVITIES), Granularity.WEEK, time_zone="UTC")
    assert in_utc["mgr-b"] == {"2026-W10": ActivityCounts(calls=1, messages=1)}


def test_activity_filters() -> None:
    state = built(ACTIVITIES)
    assert list(report_activity(state, manager_id="mgr-b")) == ["mgr-b"]
    # Up to 03-03 00:00 UTC: a1, a2, a3 (a3 is 03-03 in Moscow).
    assert report_activity(state, as_of=utc(3, 3, 0)) == {
        "mgr-a": {"2026-03-02": ActivityCounts(calls=2), "2026-03-03": ActivityCounts(emails=1)}
    }
    week_ten = Period(date(2026, 3, 2), date(2026, 3, 9))
    assert report_activity(state, Granularity.WEEK, period=week_ten)["mgr-b"] == {
        "2026-W10": ActivityCounts(messages=1)
    }


def test_first_response_and_sla_breach_rate_per_manager() -> None:
    assert report_response(built(LEADS)) == {
        # a owned L1, L2, L3 and breached L2: 1/3; answered L1 in 600 s and L3 in 1800 s.
        "mgr-a": ResponseStats(
            manager_id="mgr-a",
            leads_owned=3,
            leads_breached=1,
            breach_rate=Decimal("0.3333"),
            first_contacts=2,
            contacted_within_sla=2,
            median_first_response_seconds=Decimal(1200),  # (600 + 1800) / 2
        ),
        # b owned L2 (made first contact), L4, L5 and breached L4 (twice, one lead): 1/3.
        "mgr-b": ResponseStats(
            manager_id="mgr-b",
            leads_owned=3,
            leads_breached=1,
            breach_rate=Decimal("0.3333"),
            first_contacts=2,
            contacted_within_sla=1,
            median_first_response_seconds=Decimal(2850),  # (300 + 5400) / 2
        ),
    }


def test_response_as_of_and_by_period() -> None:
    state = built(LEADS)
    # By 03-02 10:00 L1 is answered and L2 breached by a; b has not answered L2 yet.
    early = report_response(state, as_of=utc(3, 2, 10))
    assert list(early) == ["mgr-a"]
    assert (early["mgr-a"].leads_owned, early["mgr-a"].breach_rate) == (2, Decimal("0.5000"))
    # Leads that arrived from 03-04 on: L4 and L5 (b), L6 (nobody).
    later = report_response(state, period=Period(start=date(2026, 3, 4)))
    assert list(later) == ["mgr-b"]
    assert (later["mgr-b"].leads_owned, later["mgr-b"].leads_breached) == (2, 1)
    assert later["mgr-b"].median_first_response_seconds == Decimal(300)


def test_leaderboard_orders_by_won_amount_then_count_then_activity() -> None:
    board = leaderboard(built(), period=MARCH)
    assert board == (
        # b and a both won 100 000 RUB; b won two deals (one in USD), a one.
        LeaderboardRow("mgr-b", Decimal("100000"), 2, 2),
        LeaderboardRow("mgr-a", Decimal("100000"), 1, 4),  # a1 a2 a3 a4; the note a5 is out
        # c's February deal is outside the period.
        LeaderboardRow("mgr-c", Decimal("50000"), 1, 0),
        # d and e tie on everything: by id.
        LeaderboardRow("mgr-d", Decimal(0), 0, 1),
        LeaderboardRow("mgr-e", Decimal(0), 0, 1),
    )


def test_leaderboard_in_another_currency_and_over_all_time() -> None:
    in_usd = leaderboard(built(), currency="USD")
    assert in_usd[0] == LeaderboardRow("mgr-b", Decimal("500"), 2, 2)
    everything = leaderboard(built())
    assert everything[0] == LeaderboardRow("mgr-c", Decimal("950000"), 2, 0)


def test_same_figures_and_state_in_any_arrival_order() -> None:
    expected_state = built()
    for order in orders(FACTS):
        state = built(order)
        assert state == expected_state
        assert report_activity(state, Granularity.WEEK) == report_activity(
            expected_state, Granularity.WEEK
        )
        assert report_response(state) == report_response(expected_state)
        assert leaderboard(state, period=MARCH) == leaderboard(expected_state, period=MARCH)


def test_the_same_activity_twice_counts_once() -> None:
    assert built(FACTS + FACTS) == built()
    again = apply(built(ACTIVITIES), activity("a1", "mgr-a", CALL, utc(3, 2, 6)))
    assert report_activity(again)["mgr-a"]["2026-03-02"] == ActivityCounts(calls=2)


def test_apply_leaves_the_given_state_alone_and_the_state_is_plain_json() -> None:
    state = built()
    snapshot = copy.deepcopy(state)
    apply(state, activity("z1", "mgr-z", CALL, utc(3, 20)))
    assert state == snapshot
    assert json.loads(json.dumps(state)) == state


# Activities the deals service recorded on deals and clients, objections, and tasks; Moscow
# time is UTC+3, and 2026-03-09 is the Monday of ISO week 11.


def on_deal(
    activity_id: str,
    manager: str,
    kind: ActivityKind,
    at: datetime,
    *,
    deal: str | None = None,
    client: str | None = None,
    category: str | None = None,
) -> ActivityLogged:
    return ActivityLogged(activity_id, None, manager, kind, at, deal, client, category)


WON_THEN_WORKED: list[Fact] = [
    won("D1", "mgr-a", "1000", utc(3, 9, 12)),  # won on Mon 03-09
    on_deal("dc1", "mgr-a", CALL, utc(3, 10, 7), deal="D1"),  # Tue 03-10 10:00, after the win
    ActivityLogged("la1", "L1", "mgr-a", CALL, utc(3, 10, 8)),  # a lead's call, same day
    on_deal("dc2", "mgr-a", OBJECTION, utc(3, 10, 7, 5), deal="D1", category="price"),
    on_deal("dc3", "mgr-a", OBJECTION, utc(3, 11, 8), client="c1", category="price"),
    on_deal("dc4", "mgr-b", OBJECTION, utc(3, 11, 9), client="c2"),  # no category given
    on_deal("dc5", "mgr-b", OBJECTION, utc(3, 12, 9), client="c2", category="timing"),
    on_deal("dc6", "mgr-a", EMAIL, utc(3, 11, 21, 30), client="c1"),  # Thu 03-12 00:30 MSK
    TaskDone("t1", "mgr-a", utc(3, 10, 12)),  # 03-10 15:00
    TaskDone("t2", "mgr-a", utc(3, 11, 20, 30)),  # 03-11 23:30
    TaskOverdue("t3", "mgr-a", utc(3, 10, 6)),  # 03-10 09:00
    TaskOverdue("t3", "mgr-a", utc(3, 10, 9)),  # told again: the same task gone overdue on a
    TaskOverdue("t3", "mgr-b", utc(3, 11, 6)),  # reassigned to b, overdue on b: 03-11 09:00
    TaskDone("t3", "mgr-b", utc(3, 11, 10)),  # b did it: 03-11 13:00
]


def test_a_call_logged_on_a_won_deal_counts_in_the_activity_report() -> None:
    daily = report_activity(built(WON_THEN_WORKED))
    assert daily == {
        "mgr-a": {
            # dc1 on the won deal and la1 on a lead; the objection dc2; t1 done; t3 overdue.
            "2026-03-10": ActivityCounts(calls=2, objections=1, tasks_done=1, tasks_overdue=1),
            # dc3 at 11:00; t2 at 23:30.
            "2026-03-11": ActivityCounts(objections=1, tasks_done=1),
            # dc6 at 00:30 of the 12th in Moscow.
            "2026-03-12": ActivityCounts(emails=1),
        },
        "mgr-b": {
            # dc4 at 12:00; t3 overdue on b at 09:00 and done by b at 13:00.
            "2026-03-11": ActivityCounts(objections=1, tasks_done=1, tasks_overdue=1),
            "2026-03-12": ActivityCounts(objections=1),
        },
    }
    # Objections and tasks are no contacts: a's 03-10 total is the two calls.
    assert daily["mgr-a"]["2026-03-10"].total == 2


def test_deal_activities_and_tasks_per_iso_week() -> None:
    weekly = report_activity(built(WON_THEN_WORKED), Granularity.WEEK)
    assert weekly == {
        "mgr-a": {
            "2026-W11": ActivityCounts(
                calls=2, emails=1, objections=2, tasks_done=2, tasks_overdue=1
            )
        },
        "mgr-b": {"2026-W11": ActivityCounts(objections=2, tasks_done=1, tasks_overdue=1)},
    }
    assert weekly["mgr-a"]["2026-W11"].total == 3  # dc1, la1, dc6
    # As of 03-11 00:00 UTC: dc1, la1, dc2, t1, t3 (a); nothing of b yet.
    assert report_activity(built(WON_THEN_WORKED), Granularity.WEEK, as_of=utc(3, 11, 0)) == {
        "mgr-a": {"2026-W11": ActivityCounts(calls=2, objections=1, tasks_done=1, tasks_overdue=1)}
    }
    only_b = report_activity(built(WON_THEN_WORKED), manager_id="mgr-b")
    assert list(only_b) == ["mgr-b"]


def test_objections_per_manager_by_category() -> None:
    state = built(WON_THEN_WORKED)
    assert report_objections(state) == {
        "mgr-a": {"price": 2},  # dc2, dc3
        "mgr-b": {"timing": 1, "uncategorised": 1},  # a tie: by name
    }
    assert report_objections(state, period=Period(date(2026, 3, 12), None)) == {
        "mgr-b": {"timing": 1}
    }
    assert report_objections(state, manager_id="mgr-a", as_of=utc(3, 11, 0)) == {
        "mgr-a": {"price": 1}
    }


def test_the_leaderboard_counts_contacts_on_deals_not_objections_or_tasks() -> None:
    # a won D1 (1000) and made dc1, la1 and dc6; b only heard objections and did a task.
    assert leaderboard(built(WON_THEN_WORKED), period=MARCH) == (
        LeaderboardRow("mgr-a", Decimal("1000"), 1, 3),
    )


def test_deal_activities_and_tasks_in_any_order_and_twice_count_once() -> None:
    expected = built(WON_THEN_WORKED)
    for order in orders(WON_THEN_WORKED):
        assert built(order) == expected
    assert built(WON_THEN_WORKED + WON_THEN_WORKED) == expected
    # t3 gone overdue on a twice is one entry (the earliest), on b another one.
    assert sorted(expected["tasks"]) == [
        "t1:done",
        "t2:done",
        "t3:done",
        "t3:overdue:mgr-a",
        "t3:overdue:mgr-b",
    ]
    assert expected["tasks"]["t3:overdue:mgr-a"]["at"] == "2026-03-10T06:00:00+00:00"


def test_one_activity_on_both_a_lead_and_its_deal_counts_once() -> None:
    # Telephony's call reached leads and deals alike under one id: one call, whichever first.
    both = [
        ActivityLogged("call-42", "L1", "mgr-a", CALL, utc(3, 10, 7)),
        on_deal("call-42", "mgr-a", CALL, utc(3, 10, 7), deal="D1"),
    ]
    for order in (both, both[::-1]):
        assert report_activity(built(order)) == {"mgr-a": {"2026-03-10": ActivityCounts(calls=1)}}
        assert built(order) == built(both)


def test_stored_entries_keep_what_each_kind_needs() -> None:
    # A lead's activity is stored as it always was, so older records merge unchanged.
    assert activity_entry(ActivityLogged("la1", "L1", "mgr-a", CALL, utc(3, 10, 8))) == {
        "at": "2026-03-10T08:00:00+00:00",
        "manager_id": "mgr-a",
        "lead_id": "L1",
        "kind": "call",
    }
    assert activity_entry(
        on_deal("dc2", "mgr-a", OBJECTION, utc(3, 10, 7), deal="D1", category="price")
    ) == {
        "at": "2026-03-10T07:00:00+00:00",
        "manager_id": "mgr-a",
        "lead_id": None,
        "kind": "objection",
        "deal_id": "D1",
        "category": "price",
    }
    # A category on a call is not an objection's: it is not kept.
    call = activity_entry(on_deal("x", "mgr-a", CALL, utc(3, 10), client="c1", category="price"))
    assert "category" not in call and call["client_id"] == "c1"
