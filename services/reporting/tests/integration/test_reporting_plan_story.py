"""A plan is set, a month of events arrives, and plan vs fact and the dashboard show it.

On the real broker and database. The month is the testkit's scripted March 2026: m1 wins D1
(client-D1's first purchase, RUB 100 000) on 20 March and logs two calls and a meeting; m2
loses D2 and e-mails. The report is read on 25 March at 15:00 in Moscow: 25 of 31 days.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from reporting_testkit import ServiceFactory, all_consumed, publish_all, scripted_month

from reporting.settings import ReportingSettings
from shared.contracts.events.person import PersonChangedV1
from shared.platform.clock import ManualClock
from shared.platform.people import PeopleDirectory

pytestmark = pytest.mark.integration

M1_PLAN = {
    "won_revenue": {"RUB": "300000.00"},
    "deals_won": 3,
    "new_clients": 2,
    "calls": 50,
    "meetings": 10,
}


def member(person_id: str) -> PersonChangedV1:
    return PersonChangedV1(
        person_id=person_id,
        name=person_id,
        team="sales",
        role="manager",
        time_zone="Europe/Moscow",
        capacity=30,
        active=True,
        present=True,
        changed_at=datetime(2026, 2, 1, tzinfo=UTC),
    )


def plotly_figures(page: str) -> list[dict[str, Any]]:
    """The data and layout of every `Plotly.newPlot(id, data, layout, config)` on the page."""
    decoder = json.JSONDecoder()
    found = []
    for call in re.finditer(r"Plotly\.newPlot\(\s*", page):
        values, at = [], call.end()
        for _ in range(3):
            value, at = decoder.raw_decode(page, at)
            values.append(value)
            at = re.compile(r"\s*,\s*").match(page, at).end()  # type: ignore[union-attr]
        found.append({"data": values[1], "layout": values[2]})
    return found


async def test_a_plan_is_set_a_month_arrives_and_plan_vs_fact_and_the_dashboard_show_it(
    reporting_service: ServiceFactory,
    reporting_settings: ReportingSettings,
    mongo_db: Any,
    clock: ManualClock,
) -> None:
    kafka, group = reporting_settings.kafka, reporting_settings.consumer_group
    people = PeopleDirectory(mongo_db)
    for person in ("m1", "m2"):
        await people.apply(member(person))
    async with reporting_service() as (_, http):
        # 2 March: the head of sales sets the month's plans; m1's is raised once.
        first = await http.put("/v1/plans/2026-03/manager:m1", json={**M1_PLAN, "deals_won": 2})
        assert first.status_code == 200, first.text
        assert (await http.put("/v1/plans/2026-03/manager:m1", json=M1_PLAN)).status_code == 200
        team = await http.put(
            "/v1/plans/2026-03/team:sales", json={"won_revenue": {"RUB": "500000.00"}}
        )
        assert team.status_code == 200
        history = (await http.get("/v1/plans/2026-03/manager:m1")).json()["history"]
        assert [(v["version"], v["targets"]["deals_won"]) for v in history] == [(2, 3), (1, 2)]

        sent = await publish_all(kafka, scripted_month())
        await all_consumed(kafka, group, sent)
        clock.set(datetime(2026, 3, 25, 12, 0, tzinfo=UTC))  # 15:00 in Moscow

        response = await http.get("/v1/reports/plan-vs-fact", params={"period": "2026-03"})
        assert response.status_code == 200, response.text
        report = response.json()
        assert (report["today"], report["days"], report["elapsed_days"]) == ("2026-03-25", 31, 25)
        rows = {row["subject"]: row for row in report["subjects"]}
        m1 = rows["manager:m1"]
        assert m1["plan_version"] == 2
        # 100 000 of 300 000 = 33.33 %; 100 000 / 25 = 4 000 a day; 4 000 × 31 = 124 000.
        assert m1["won_revenue"] == {
            "RUB": {
                "plan": "300000.00",
                "fact": "100000.00",
                "percent_done": "33.33",
                "run_rate": "4000.00",
                "projected": "124000.00",
            }
        }

        def measure(plan: int, fact: int, percent: str, rate: str, projected: str) -> Any:
            return {
                "plan": plan,
                "fact": fact,
                "percent_done": percent,
                "run_rate": rate,
                "projected": projected,
            }

        assert m1["deals_won"] == measure(3, 1, "33.33", "0.04", "1.24")
        assert m1["new_clients"] == measure(2, 1, "50.00", "0.04", "1.24")
        assert m1["calls"] == measure(50, 2, "4.00", "0.08", "2.48")
        assert m1["meetings"] == measure(10, 1, "10.00", "0.04", "1.24")
        # The team is m1 and m2 (m2 lost D2): 100 000 of 500 000.
        assert rows["team:sales"]["won_revenue"]["RUB"] == {
            "plan": "500000.00",
            "fact": "100000.00",
            "percent_done": "20.00",
            "run_rate": "4000.00",
            "projected": "124000.00",
        }
        assert report["leaderboard"] == [
            {
                "manager_id": "m1",
                "revenue_plan": "300000.00",
                "revenue_fact": "100000.00",
                "revenue_percent": "33.33",
                "deals_won_percent": "33.33",
                "projected_revenue": "124000.00",
            }
        ]

        # The dashboard's panel: plan, fact and projection per subject, in RUB.
        page = (await http.get("/dashboard", params={"lang": "en"})).text
        (panel,) = [
            f
            for f in plotly_figures(page)
            if f["layout"]["title"]["text"] == "Plan vs fact, March 2026, RUB"
        ]
        # A manager by their directory name (here their id), a team as "team <id>".
        bars = {bar["name"]: dict(zip(bar["x"], bar["y"], strict=True)) for bar in panel["data"]}
        assert bars == {
            "Plan": {"m1": 300000.0, "team sales": 500000.0},
            "Fact": {"m1": 100000.0, "team sales": 100000.0},
            "Projected at period end": {"m1": 124000.0, "team sales": 124000.0},
        }
        (plan,) = [bar for bar in panel["data"] if bar["name"] == "Plan"]
        assert plan["customdata"] == ["RUB\u00a0300,000.00", "RUB\u00a0500,000.00"]

        # February is over: its plan changes only as a correction, which the trail records.
        closed = await http.put("/v1/plans/2026-02/manager:m1", json=M1_PLAN)
        assert closed.status_code == 422
        assert closed.json()["detail"][0]["loc"] == ["path", "period"]
        corrected = await http.put(
            "/v1/plans/2026-02/manager:m1", json={**M1_PLAN, "correction": True}
        )
        assert corrected.status_code == 200
        assert corrected.json()["current"]["correction"] is True
        trail = (await http.get("/v1/audit", params={"kind": "plans"})).json()
        entries = trail if isinstance(trail, list) else trail.get("entries", trail)
        audited = [e for e in entries if e["record_id"] == "2026-02|manager:m1"]
        assert len(audited) == 1
        assert '"correction": true' in json.dumps(audited[0]["changes"])
