"""Activities on deals and clients, objections and tasks, on the real broker and database."""

from __future__ import annotations

import httpx
import pytest
from reporting_events import at, deal_activity, stage_change, task_completed, task_overdue
from reporting_testkit import ServiceFactory, all_consumed, publish_all, report

from reporting.settings import ReportingSettings
from shared.contracts import ActivityKind, StageKind
from shared.contracts.events.tasks import OverdueLevel, TaskResolution
from shared.testing.kafka import wait_until

pytestmark = pytest.mark.integration

NOTHING = {
    "calls": 0,
    "emails": 0,
    "messages": 0,
    "meetings": 0,
    "notes": 0,
    "objections": 0,
    "tasks_done": 0,
    "tasks_overdue": 0,
}


async def rebuilt(http: httpx.AsyncClient) -> bool:
    state = (await http.get("/v1/projections")).json()
    return state["active"] == 2 and not state["rebuild_running"]


def counts(**given: int) -> dict[str, int]:
    """One bucket of the activity report as JSON: the counts given, zero for the rest."""
    return {**NOTHING, **given}


async def test_a_call_logged_on_a_won_deal_counts_in_the_activity_report(
    reporting_service: ServiceFactory, reporting_settings: ReportingSettings
) -> None:
    kafka, group = reporting_settings.kafka, reporting_settings.consumer_group
    async with reporting_service() as (_, http):
        deal = [
            stage_change("D7", "new", StageKind.OPEN, 4, "100000.00", manager="m1"),
            stage_change("D7", "won", StageKind.WON, 20, "100000.00", manager="m1", previous="new"),
        ]
        sent = await publish_all(kafka, deal, prefix_id="deal-")
        await all_consumed(kafka, group, sent)
        assert (await report(http, "sales", **{"from": "2026-03-01"}))["won_count"] == 1
        # After the win, m1 calls the client about the deal: 21 March 11:00 UTC, 14:00 MSK.
        call = deal_activity("dc1", ActivityKind.CALL, at(21, 11), deal="D7", manager="m1")
        sent += await publish_all(kafka, [call], prefix_id="call-")
        await all_consumed(kafka, group, sent)
        assert await report(http, "activity/daily") == {"m1": {"2026-03-21": counts(calls=1)}}
        # 21 March 2026 is a Saturday of ISO week 12.
        assert await report(http, "activity/weekly", manager_id="m1") == {
            "m1": {"2026-W12": counts(calls=1)}
        }
        assert await report(http, "leaderboard", **{"from": "2026-03-01", "to": "2026-04-01"}) == [
            {"manager_id": "m1", "won_amount": "100000.00", "won_count": 1, "activity_count": 1}
        ]


async def test_objections_and_tasks_count_per_manager_and_survive_a_rebuild(
    reporting_service: ServiceFactory, reporting_settings: ReportingSettings
) -> None:
    kafka, group = reporting_settings.kafka, reporting_settings.consumer_group
    events = [
        deal_activity("o1", ActivityKind.OBJECTION, at(10), deal="D1", category="price"),
        deal_activity("o2", ActivityKind.OBJECTION, at(10, 12), client="c2", category="price"),
        deal_activity("o3", ActivityKind.OBJECTION, at(11), client="c2", category="timing"),
        deal_activity("o4", ActivityKind.OBJECTION, at(11), deal="D2", manager="m2"),
        deal_activity("e1", ActivityKind.EMAIL, at(10, 13), client="c2"),
        task_completed("t1", at(10, 14)),
        task_completed("t2", at(10, 15), resolution=TaskResolution.CANCELLED),
        task_overdue("t3", at(11, 6)),
        task_overdue("t3", at(11, 8), level=OverdueLevel.TEAM_LEAD),
        task_overdue("t4", at(11, 7), manager="m2"),
    ]
    async with reporting_service() as (_, http):
        sent = await publish_all(kafka, events)
        await all_consumed(kafka, group, sent)
        objections = await report(http, "objections", **{"from": "2026-03-01"})
        # m1: o1 and o2 on price, o3 on timing; m2: o4 without a category.
        assert objections == {"m1": {"price": 2, "timing": 1}, "m2": {"uncategorised": 1}}
        daily = await report(http, "activity/daily")
        assert daily == {
            # 10 March: o1, o2, the e-mail, t1 done (t2 was cancelled). 11 March: o3, t3
            # overdue on m1 (the team lead's notice is the same task).
            "m1": {
                "2026-03-10": counts(emails=1, objections=2, tasks_done=1),
                "2026-03-11": counts(objections=1, tasks_overdue=1),
            },
            "m2": {"2026-03-11": counts(objections=1, tasks_overdue=1)},
        }
        csv = await http.get("/v1/reports/objections", params={"format": "csv"})
        assert csv.text.splitlines() == [
            "manager_id,price,timing,uncategorised",
            "m1,2,1,",
            "m2,,,1",
        ]
        assert (await http.post("/v1/projections/rebuild")).status_code == 202
        await wait_until(lambda: rebuilt(http))
        assert await report(http, "objections", **{"from": "2026-03-01"}) == objections
        assert await report(http, "activity/daily") == daily
