"""Projections on the real broker and database: exact figures, exactly once, rebuildable."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pymongo.errors import AutoReconnect
from reporting_events import empty_invoice
from reporting_testkit import (
    ServiceFactory,
    all_consumed,
    publish_all,
    report,
    scripted_month,
)

from reporting.domain.read_models import Selection
from reporting.settings import ReportingSettings
from shared.contracts import Topic
from shared.platform.clock import ManualClock
from shared.testing.kafka import read_topic, wait_until

pytestmark = pytest.mark.integration

MARCH = {"from": "2026-03-01", "to": "2026-04-01"}
MAY_15 = {"as_of": "2026-05-15T00:00:00Z"}


async def figures(http: Any) -> dict[str, Any]:
    """Every report the tests compare, as JSON."""
    return {
        "funnel": await report(http, "funnel", **MARCH),
        "sales": await report(http, "sales", **MARCH),
        "by_manager": await report(http, "sales/by-manager", **MARCH),
        "receivables": await report(http, "receivables", **MAY_15),
        "aging": await report(http, "receivables/aging", **MAY_15),
        "discipline": await report(http, "payment-discipline", **MAY_15),
        "channels": await report(http, "channels", **MARCH),
        "claims": await report(http, "claims"),
        "activity": await report(http, "activity/daily"),
        "response": await report(http, "response"),
        "leaderboard": await report(http, "leaderboard"),
        "churn": await report(http, "churn-reasons"),
    }


async def test_a_scripted_month_yields_exactly_the_expected_figures(
    reporting_service: ServiceFactory, reporting_settings: ReportingSettings
) -> None:
    async with reporting_service() as (_, http):
        sent = await publish_all(reporting_settings.kafka, scripted_month())
        await all_consumed(reporting_settings.kafka, reporting_settings.consumer_group, sent)
        got = await figures(http)
    # Four leads; L1-L3 contacted (3/4); L1 qualified and L2 converted, which implies it
    # (2/3); both became deals (2/2); D1 won (1/2). L3 disqualified for lack of budget.
    assert [(s["step"], s["count"], s["conversion"]) for s in got["funnel"]["steps"]] == [
        ("received", 4, None),
        ("contacted", 3, "0.7500"),
        ("qualified", 2, "0.6667"),
        ("deal", 2, "1.0000"),
        ("won", 1, "0.5000"),
    ]
    assert got["funnel"]["disqualification_reasons"] == {"no_budget": 1}
    # D1 won 100 000 after 16 days (4 → 20 March); D2 lost on price; D3 open at 200 000 × 0.25.
    sales = got["sales"]
    assert sales["won_count"] == 1 and sales["won_sum"] == {"RUB": "100000.00"}
    assert sales["time_to_close_median"] == 16 * 24 * 3600
    assert sales["lost_count"] == 1 and sales["lost_reasons"] == {"price": 1}
    assert sales["weighted_pipeline"] == {"RUB": "50000.00"}
    assert set(got["by_manager"]) == {"m1", "m2"}
    # Invoiced 100 000, paid 60 000; the 40 000 due 10 April is 35 days late on 15 May.
    assert got["receivables"] == {
        "invoiced": {"RUB": "100000.00"},
        "paid": {"RUB": "60000.00"},
        "outstanding": {"RUB": "40000.00"},
    }
    aging = {b["bucket"]: (b["installments"], b["outstanding"]) for b in got["aging"]}
    assert aging["31-60"] == (1, {"RUB": "40000.00"}) and aging["1-30"] == (0, {})
    # One of two installments on time; days late 0 and 35 average to 17.5.
    assert got["discipline"]["client-D1"]["share_on_time"] == "0.5000"
    assert got["discipline"]["client-D1"]["average_days_late"] == "17.50"
    assert got["channels"]["web_form"]["won_sum"] == {"RUB": "100000.00"}
    assert (got["channels"]["phone"]["leads"], got["channels"]["phone"]["converted"]) == (2, 1)
    assert got["claims"] == {"quality": 1}
    assert got["activity"]["m1"]["2026-03-02"]["calls"] == 2
    assert got["activity"]["m1"]["2026-03-03"]["meetings"] == 1
    assert got["response"]["m2"]["breach_rate"] == "0.5000"
    assert [row["manager_id"] for row in got["leaderboard"]] == ["m1", "m2"]
    assert got["churn"]["client-D2"]["lost_reasons"] == {"price": 1}


async def test_the_same_events_delivered_twice_change_nothing(
    reporting_service: ServiceFactory, reporting_settings: ReportingSettings
) -> None:
    async with reporting_service() as (_, http):
        sent = await publish_all(reporting_settings.kafka, scripted_month())
        await all_consumed(reporting_settings.kafka, reporting_settings.consumer_group, sent)
        once = await figures(http)
        again = await publish_all(reporting_settings.kafka, scripted_month())
        twice = sent + again
        await all_consumed(reporting_settings.kafka, reporting_settings.consumer_group, twice)
        assert await figures(http) == once


async def test_a_crash_mid_batch_and_a_restart_end_with_the_same_figures(
    reporting_service: ServiceFactory, reporting_settings: ReportingSettings
) -> None:
    events = scripted_month()
    async with reporting_service() as (service, http):
        store = service.store
        real_append = store.append
        crashed: list[int] = []

        async def crash_once_halfway(events: Any) -> int:
            if crashed or len(events) < 2:
                return await real_append(events)
            await real_append(events[: len(events) // 2])
            crashed.append(len(events))
            raise AutoReconnect("connection lost mid-batch")  # half the batch is stored

        store.append = crash_once_halfway  # type: ignore[method-assign]
        first_half = await publish_all(reporting_settings.kafka, events[:12], prefix_id="a-")
        await all_consumed(reporting_settings.kafka, reporting_settings.consumer_group, first_half)
        assert crashed, "the injected crash never happened"
    async with reporting_service() as (_, http):
        rest = await publish_all(reporting_settings.kafka, events[12:], prefix_id="b-")
        await all_consumed(
            reporting_settings.kafka, reporting_settings.consumer_group, first_half + rest
        )
        after = await figures(http)
    async with reporting_service(consumer_group="reference") as (_, reference):
        await all_consumed(reporting_settings.kafka, "reference", first_half + rest)
        assert after == await figures(reference)


async def test_a_rebuild_equals_the_live_projections_and_switches_atomically(
    reporting_service: ServiceFactory, reporting_settings: ReportingSettings
) -> None:
    async with reporting_service() as (service, http):
        sent = await publish_all(reporting_settings.kafka, scripted_month())
        await all_consumed(reporting_settings.kafka, reporting_settings.consumer_group, sent)
        live = await figures(http)
        live_facts = await service.store.load()
        assert (await http.post("/v1/projections/rebuild")).status_code == 202
        assert (await http.post("/v1/projections/rebuild")).status_code == 409
        await wait_until(lambda: rebuilt(http))
        assert await figures(http) == live
        assert await service.store.load() == live_facts  # the history stays whole
        assert await service.records.select(1, [Selection("leads")]) == {}
        assert await service.records.select(2, [Selection("leads")]) != {}


async def rebuilt(http: httpx.AsyncClient) -> bool:
    state = (await http.get("/v1/projections")).json()
    return state["active"] == 2 and not state["rebuild_running"]


async def test_a_poison_event_is_dead_lettered_and_the_rest_of_its_batch_counts(
    reporting_service: ServiceFactory, reporting_settings: ReportingSettings
) -> None:
    empty = empty_invoice()
    async with reporting_service() as (_, http):
        events = [*scripted_month()[:-3], empty, *scripted_month()[-3:]]
        sent = await publish_all(reporting_settings.kafka, events)
        await all_consumed(reporting_settings.kafka, reporting_settings.consumer_group, sent)
        dead = await read_topic(
            reporting_settings.kafka.bootstrap_servers,
            reporting_settings.kafka.topic_prefix + Topic.INVOICE_ISSUED + ".dlq",
            count=1,
        )
        assert len(dead) == 1 and json.loads(dead[0].value)["invoice_id"] == "I-empty"
        # The invoice and payment in the same batch as the poison still count.
        paid = await report(http, "receivables", **MAY_15)
        assert paid["invoiced"] == {"RUB": "100000.00"} and paid["paid"] == {"RUB": "60000.00"}


async def test_segment_changes_are_published_once_as_time_passes(
    reporting_service: ServiceFactory, reporting_settings: ReportingSettings, clock: ManualClock
) -> None:
    async def changes(expected: int) -> list[tuple[str | None, str]]:
        records = await read_topic(
            reporting_settings.kafka.bootstrap_servers,
            reporting_settings.kafka.topic_prefix + Topic.CLIENT_SEGMENT_CHANGED,
            count=expected,
        )
        return [
            (json.loads(r.value)["from_segment"], json.loads(r.value)["to_segment"])
            for r in records
        ]

    # The periodic check is pushed far away: the test runs the checks itself.
    async with reporting_service(segment_check_seconds=1e9) as (service, http):
        sent = await publish_all(reporting_settings.kafka, scripted_month())
        await all_consumed(reporting_settings.kafka, reporting_settings.consumer_group, sent)
        clock.set(datetime(2026, 4, 1, tzinfo=UTC))  # D1 won 20 March: hot
        await service.segments.check()
        await service.segments.check()
        assert await changes(1) == [(None, "hot")]
        clock.set(datetime(2026, 5, 25, tzinfo=UTC))  # 66 days after the purchase: cooling
        await service.segments.check()
        assert await changes(2) == [(None, "hot"), ("hot", "cooling")]
        assert await report(http, "segments") == {"client-D1": "cooling"}
        first = json.loads(
            (
                await read_topic(
                    reporting_settings.kafka.bootstrap_servers,
                    reporting_settings.kafka.topic_prefix + Topic.CLIENT_SEGMENT_CHANGED,
                    count=1,
                )
            )[0].value
        )
        assert first["last_purchase_on"] == "2026-03-20" and first["client_id"] == "client-D1"


async def test_csv_export_and_the_dashboard(
    reporting_service: ServiceFactory, reporting_settings: ReportingSettings
) -> None:
    async with reporting_service() as (_, http):
        sent = await publish_all(reporting_settings.kafka, scripted_month())
        await all_consumed(reporting_settings.kafka, reporting_settings.consumer_group, sent)
        csv = await http.get("/v1/reports/channels", params={"format": "csv"})
        assert csv.headers["content-type"].startswith("text/csv")
        lines = csv.text.splitlines()
        assert lines[0].startswith("channel,")
        assert any(line.startswith("web_form,") and "100000.00" in line for line in lines)
        page = await http.get("/dashboard")
        assert page.status_code == 200
        assert "Воронка: отдел продаж" in page.text and "/dashboard/plotly.min.js" in page.text
        # Chart titles travel inside plotly's JSON, where non-ASCII letters are escaped.
        assert json.dumps("Воронка лидов")[1:-1] in page.text
        english = await http.get("/dashboard", params={"lang": "en"})
        assert "Lead funnel" in english.text and "Manager leaderboard" in english.text
        script = await http.get("/dashboard/plotly.min.js")
        assert script.status_code == 200 and len(script.content) > 1_000_000
        bad = await http.get("/v1/reports/funnel", params={"as_of": "2026-05-15T00:00:00"})
        assert bad.status_code == 422
        assert Decimal((await report(http, "sales", **MARCH))["won_sum"]["RUB"]) == Decimal(
            "100000.00"
        )
