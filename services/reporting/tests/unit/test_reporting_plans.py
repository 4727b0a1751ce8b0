"""Plans and plan vs fact, with every figure worked out by hand.

The world is March 2026 read in Moscow (UTC+3) on 10 March at 00:30 local (9 March 21:30 UTC):
10 of March's 31 days have elapsed, today included.

Deals (client, manager, RUB unless told; won at 09:00 UTC unless told):
- D0 c1 m1 40 000, won 10 Feb: before the period, so c1 is no new client in March.
- D1 c1 m1 100 000, won 5 Mar.
- D2 c2 m1 200 000, won 6 Mar: c2's first purchase, a new client of m1.
- D6 c5 m1 30 000, won 28 Feb 22:00 UTC = 1 Mar 01:00 in Moscow: March, and c5 is new.
- D3 c3 m2 50 000, won 7 Mar: c3 new for m2. D4 c3 m2 USD 1 000, won 8 Mar (c3 again).
- D5 c4 m2 70 000, lost 8 Mar: counts nowhere.
Activities: m1 calls 2 and 3 Mar, a meeting 4 Mar, a call 28 Feb 20:30 UTC (23:30 local,
February); m2 a meeting 5 Mar and an e-mail 6 Mar (no measure).

So m1: 330 000 RUB, 3 deals won, 2 new clients (c2, c5), 2 calls, 1 meeting;
m2: 50 000 RUB and 1 000 USD, 2 deals won, 1 new client, 0 calls, 1 meeting.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
import pytest_asyncio
from reporting_fakes import InMemoryFactLog, InMemoryReadModels

from reporting.domain.facts import ActivityKind, ActivityLogged, DealStageChanged, Fact, StageKind
from reporting.domain.plans import (
    Achieved,
    PlanPeriod,
    PlanVersion,
    Progress,
    Subject,
    Targets,
    progress,
)
from reporting.domain.segments import SegmentThresholds
from reporting.entrypoints.http_plans import PlansHttp, plans_router
from reporting.service_layer.plans import ClosedPeriod, PlanBook
from reporting.service_layer.queries import Reports
from reporting.service_layer.records import merge_facts
from shared.platform.clock import ManualClock
from shared.platform.http import create_app

pytestmark = pytest.mark.unit

TZ = "Europe/Moscow"
NOW = datetime(2026, 3, 9, 21, 30, tzinfo=UTC)  # 10 March, 00:30 in Moscow
D = Decimal


def won(
    deal: str,
    client: str,
    manager: str,
    amount: str,
    when: datetime,
    *,
    currency: str = "RUB",
    kind: StageKind = StageKind.WON,
) -> list[Fact]:
    opened = when.replace(day=1, hour=8) if when.day > 1 else when.replace(hour=when.hour - 1)
    common: dict[str, Any] = {
        "deal_id": deal,
        "pipeline_id": "p",
        "amount": D(amount),
        "currency": currency,
        "client_id": client,
        "manager_id": manager,
    }
    return [
        DealStageChanged(
            **common,
            from_stage=None,
            to_stage="new",
            to_stage_kind=StageKind.OPEN,
            changed_at=opened,
            stage_probability=D("0.1"),
        ),
        DealStageChanged(
            **common,
            from_stage="new",
            to_stage=kind.value,
            to_stage_kind=kind,
            changed_at=when,
            lost_reason="price" if kind is StageKind.LOST else None,
        ),
    ]


def activity(activity_id: str, manager: str, kind: ActivityKind, when: datetime) -> Fact:
    return ActivityLogged(activity_id, None, manager, kind, when, deal_id="D1")


def march(day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def world() -> list[Fact]:
    return [
        *won("D0", "c1", "m1", "40000", datetime(2026, 2, 10, 9, tzinfo=UTC)),
        *won("D1", "c1", "m1", "100000", march(5)),
        *won("D2", "c2", "m1", "200000", march(6)),
        *won("D6", "c5", "m1", "30000", datetime(2026, 2, 28, 22, tzinfo=UTC)),
        *won("D3", "c3", "m2", "50000", march(7)),
        *won("D4", "c3", "m2", "1000", march(8), currency="USD"),
        *won("D5", "c4", "m2", "70000", march(8), kind=StageKind.LOST),
        activity("a1", "m1", ActivityKind.CALL, march(2)),
        activity("a2", "m1", ActivityKind.CALL, march(3)),
        activity("a3", "m1", ActivityKind.MEETING, march(4)),
        activity("a4", "m1", ActivityKind.CALL, datetime(2026, 2, 28, 20, 30, tzinfo=UTC)),
        activity("a5", "m2", ActivityKind.MEETING, march(5)),
        activity("a6", "m2", ActivityKind.EMAIL, march(6)),
    ]


class MemoryPlans:
    """The plan store in a dict."""

    def __init__(self) -> None:
        self.plans: dict[tuple[str, str], list[PlanVersion]] = {}

    async def add(self, period: str, subject: str, version: PlanVersion) -> None:
        held = self.plans.setdefault((period, subject), [])
        held.append(
            PlanVersion(
                len(held) + 1, version.targets, version.set_at, version.set_by, version.correction
            )
        )

    async def history(self, period: str, subject: str) -> list[PlanVersion]:
        return list(self.plans.get((period, subject), []))

    async def of_period(self, period: str) -> dict[str, list[PlanVersion]]:
        return {s: list(v) for (p, s), v in sorted(self.plans.items()) if p == period}


class Teams:
    async def members(self, team: str) -> frozenset[str]:
        return frozenset({"m1", "m2", "m9"}) if team == "north" else frozenset()


async def book_over(facts: list[Fact], now: datetime = NOW) -> tuple[PlanBook, InMemoryReadModels]:
    records = InMemoryReadModels()
    await merge_facts(records, 1, facts)
    reports = Reports(InMemoryFactLog(), records, time_zone=TZ, thresholds=SegmentThresholds())
    book = PlanBook(MemoryPlans(), reports, Teams(), clock=ManualClock(now), currency="RUB")
    return book, records


# --- periods, run rate and projection -------------------------------------------------------


def test_a_month_and_a_quarter_have_their_calendar_days() -> None:
    assert PlanPeriod.parse("2026-03") == PlanPeriod("2026-03", date(2026, 3, 1), date(2026, 4, 1))
    assert PlanPeriod.parse("2026-02").days == 28
    q1 = PlanPeriod.parse("2026-Q1")
    assert (q1.start, q1.end, q1.days) == (date(2026, 1, 1), date(2026, 4, 1), 31 + 28 + 31)
    assert PlanPeriod.parse("2026-Q4").end == date(2027, 1, 1)
    for bad in ("2026-13", "2026-Q5", "26-03", "2026-3", "2026-03-01"):
        with pytest.raises(ValueError, match="a period is a month"):
            PlanPeriod.parse(bad)


def test_elapsed_days_count_today_and_stop_at_the_period_bounds() -> None:
    march_ = PlanPeriod.parse("2026-03")
    assert march_.elapsed_days(date(2026, 2, 28)) == 0
    assert march_.elapsed_days(date(2026, 3, 1)) == 1
    assert march_.elapsed_days(date(2026, 3, 10)) == 10
    assert march_.elapsed_days(date(2026, 4, 20)) == 31
    assert not march_.closed(date(2026, 3, 31))
    assert march_.closed(date(2026, 4, 1))


def test_progress_of_money_and_counts_worked_by_hand() -> None:
    # 330 000 of 1 000 000 after 10 of 31 days: 33 %, 33 000 a day, 33 000 × 31 = 1 023 000.
    assert progress(D("1000000"), D("330000"), elapsed=10, days=31) == Progress(
        D("1000000"), D("330000"), D("33.00"), D("33000.00"), D("1023000.00")
    )
    # 3 deals of 8: 37.5 %; 0.3 a day; 0.3 × 31 = 9.3.
    assert progress(8, 3, elapsed=10, days=31) == Progress(8, 3, D("37.50"), D("0.30"), D("9.30"))
    # 2 of 3 after 7 of 90 days: 66.666… → 66.67 %; 0.2857… → 0.29 a day; 2 × 90 / 7 = 25.714…
    # → 25.71 (computed exactly, then rounded; 0.29 × 90 would say 26.10).
    assert progress(3, 2, elapsed=7, days=90) == Progress(3, 2, D("66.67"), D("0.29"), D("25.71"))
    # No target, a target of 0, or a period not begun: no made-up figures.
    assert progress(None, 5, elapsed=10, days=31).percent_done is None
    assert progress(0, 5, elapsed=10, days=31).percent_done is None
    assert progress(5, 0, elapsed=0, days=31) == Progress(5, 0, D("0.00"), None, None)


def test_targets_refuse_negative_figures() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        Targets({"RUB": D("-1")})
    with pytest.raises(ValueError, match="deals_won must not be negative"):
        Targets(deals_won=-1)
    assert Subject.parse("team:north") == Subject("team", "north")
    with pytest.raises(ValueError, match="a subject is"):
        Subject.parse("client:c1")


# --- facts from the read models ---------------------------------------------------------------


async def test_facts_per_manager_come_from_the_periods_records_in_the_local_zone() -> None:
    book, records = await book_over(world())
    facts = await book._reports.plan_facts(PlanPeriod.parse("2026-03").local(TZ))
    assert facts == {
        "m1": Achieved({"RUB": D("330000")}, deals_won=3, new_clients=2, calls=2, meetings=1),
        "m2": Achieved(
            {"RUB": D("50000"), "USD": D("1000")}, deals_won=2, new_clients=1, meetings=1
        ),
    }
    # Deals by their last change since the period began, then the buyers' deals by client:
    # never every record.
    assert all(s.field is not None or s.one_of is not None for s in records.selected)
    clients = [s for s in records.selected if s.one_of is not None]
    assert clients[0].one_of == ("clients", ("c1", "c2", "c3", "c5"))


async def test_plan_vs_fact_worked_by_hand_for_a_manager_a_team_and_the_leaderboard() -> None:
    book, _ = await book_over(world())
    await book.set(
        "2026-03",
        "manager:m1",
        Targets({"RUB": D("1000000")}, deals_won=10, new_clients=4, calls=40, meetings=10),
        set_by="head",
        correction=False,
    )
    await book.set(
        "2026-03", "manager:m2", Targets({"RUB": D("100000")}), set_by="head", correction=False
    )
    await book.set(
        "2026-03",
        "team:north",
        Targets({"RUB": D("2000000")}, deals_won=20),
        set_by="head",
        correction=False,
    )
    report = await book.report("2026-03")
    assert (report.today, report.days, report.elapsed_days) == (date(2026, 3, 10), 31, 10)
    rows = {row.subject: row for row in report.subjects}
    m1 = rows["manager:m1"]
    assert m1.won_revenue == {
        "RUB": Progress(D("1000000"), D("330000"), D("33.00"), D("33000.00"), D("1023000.00"))
    }
    assert m1.deals_won == Progress(10, 3, D("30.00"), D("0.30"), D("9.30"))
    assert m1.new_clients == Progress(4, 2, D("50.00"), D("0.20"), D("6.20"))
    assert m1.calls == Progress(40, 2, D("5.00"), D("0.20"), D("6.20"))
    assert m1.meetings == Progress(10, 1, D("10.00"), D("0.10"), D("3.10"))
    # The team: m1 + m2 (m9 did nothing). RUB 380 000 of 2 000 000 = 19 %, 38 000 a day,
    # 1 178 000 projected; USD 1 000 unplanned: 100 a day, 3 100 projected; 5 deals of 20.
    north = rows["team:north"]
    assert north.won_revenue == {
        "RUB": Progress(D("2000000"), D("380000"), D("19.00"), D("38000.00"), D("1178000.00")),
        "USD": Progress(None, D("1000"), None, D("100.00"), D("3100.00")),
    }
    assert north.deals_won == Progress(20, 5, D("25.00"), D("0.50"), D("15.50"))
    assert north.new_clients == Progress(None, 3, None, D("0.30"), D("9.30"))
    # m2 did 50 % of 100 000, m1 33 %: m2 leads.
    assert [(s.manager_id, s.revenue_percent) for s in report.leaderboard] == [
        ("m2", D("50.00")),
        ("m1", D("33.00")),
    ]
    assert report.leaderboard[0].projected_revenue == D("155000.00")


async def test_a_change_keeps_the_previous_plan_and_a_closed_period_needs_a_correction() -> None:
    book, _ = await book_over([])
    first = await book.set(
        "2026-03", "manager:m1", Targets(deals_won=5), set_by="h1", correction=False
    )
    history = await book.set(
        "2026-03", "manager:m1", Targets(deals_won=7), set_by="h2", correction=False
    )
    assert [(v.version, v.targets.deals_won, v.set_by) for v in history] == [
        (1, 5, "h1"),
        (2, 7, "h2"),
    ]
    assert len(first) == 1
    with pytest.raises(ClosedPeriod):
        await book.set("2026-02", "manager:m1", Targets(deals_won=1), set_by="h1", correction=False)
    assert await book.history("2026-02", "manager:m1") == []
    corrected = await book.set(
        "2026-02", "manager:m1", Targets(deals_won=1), set_by="h1", correction=True
    )
    assert [v.correction for v in corrected] == [True]
    # The running quarter is open; asking for a correction there is no correction.
    open_q1 = await book.set(
        "2026-Q1", "team:north", Targets(calls=300), set_by="h1", correction=True
    )
    assert [v.correction for v in open_q1] == [False]


# --- over HTTP ----------------------------------------------------------------------------------


@pytest_asyncio.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    book, _ = await book_over(world())
    app = create_app(title="reporting", version="0", description="", readiness={})
    app.include_router(plans_router(PlansHttp(book)))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://reporting") as client:
        yield client


async def test_plans_over_http_keep_their_history_and_refuse_a_closed_period(
    http: httpx.AsyncClient,
) -> None:
    body = {"won_revenue": {"RUB": "1000000.00"}, "deals_won": 10}
    assert (await http.put("/v1/plans/2026-03/manager:m1", json=body)).status_code == 200
    again = await http.put("/v1/plans/2026-03/manager:m1", json={**body, "deals_won": 12})
    shown = (await http.get("/v1/plans/2026-03/manager:m1")).json()
    assert shown == again.json()
    assert shown["current"]["version"] == 2
    assert [v["targets"]["deals_won"] for v in shown["history"]] == [12, 10]
    assert shown["history"][1]["targets"]["won_revenue"] == {"RUB": "1000000.00"}

    closed = await http.put("/v1/plans/2026-02/manager:m1", json=body)
    assert closed.status_code == 422
    assert closed.json()["detail"][0]["loc"] == ["path", "period"]
    fixed = await http.put("/v1/plans/2026-02/manager:m1", json={**body, "correction": True})
    assert fixed.json()["current"]["correction"] is True

    for path, payload, where in (
        ("/v1/plans/2026-13/manager:m1", body, ["path", "period"]),
        ("/v1/plans/2026-03/client:c1", body, ["path", "subject"]),
        ("/v1/plans/2026-03/manager:m1", {"deals_won": -1}, ["body", "deals_won"]),
        (
            "/v1/plans/2026-03/manager:m1",
            {"won_revenue": {"rub": "1"}},
            ["body", "won_revenue", "rub", "[key]"],
        ),
        ("/v1/plans/2026-03/manager:m1", {"target": 1}, ["body", "target"]),
    ):
        refused = await http.put(path, json=payload)
        assert refused.status_code == 422, path
        assert refused.json()["detail"][0]["loc"] == where
    assert (await http.get("/v1/plans/2026-04/manager:m1")).status_code == 404


async def test_plan_vs_fact_over_http_takes_a_period_and_refuses_other_filters(
    http: httpx.AsyncClient,
) -> None:
    await http.put("/v1/plans/2026-03/manager:m1", json={"won_revenue": {"RUB": "1000000"}})
    report = (await http.get("/v1/reports/plan-vs-fact", params={"period": "2026-03"})).json()
    assert report["elapsed_days"] == 10
    assert report["subjects"][0]["won_revenue"]["RUB"] == {
        "plan": "1000000",
        "fact": "330000",
        "percent_done": "33.00",
        "run_rate": "33000.00",
        "projected": "1023000.00",
    }
    assert report["leaderboard"][0]["manager_id"] == "m1"
    refused = await http.get("/v1/reports/plan-vs-fact", params={"period": "2026-03", "team": "x"})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["query", "team"]
    missing = await http.get("/v1/reports/plan-vs-fact")
    assert missing.status_code == 422
    csv = await http.get("/v1/reports/plan-vs-fact", params={"period": "2026-03", "format": "csv"})
    assert csv.text.splitlines()[1].startswith("manager:m1,1,")
