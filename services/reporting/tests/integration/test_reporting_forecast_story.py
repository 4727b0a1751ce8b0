"""Deals' stage changes arrive on the real broker; forecast, stages and products show them.

March 2026, each change at 09:00 UTC (RUB):
- A m1 100 000: new 2 Mar (expected 10 Apr) → proposal 4 Mar (15 Apr) → negotiation 9 Mar
  at 0.8, expected 20 Apr. Open.
- B m2 80 000: new 3 Mar (30 Apr) → proposal 5 Mar (25 Apr) → lost 8 Mar, price.
- C m1 250 000: new 3 Mar sent the old way (no date, no lines), delivered twice → proposal
  6 Mar (expected 5 Apr, lines) → won 10 Mar with PUMP-50 ×2 (200 000) and a free "Монтаж"
  line (50 000).
- D m2 40 000: new 7 Mar, the old way (no date). Open.
- E m2 60 000.50: created in proposal 11 Mar at 0.5, expected 30 Apr. Open.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from reporting_events import stage_change
from reporting_testkit import ServiceFactory, all_consumed, publish_all, report

from reporting.settings import ReportingSettings
from shared.contracts.events.deal_reassigned import DealReassignedV1
from shared.contracts.events.deal_stage_changed import DealStageChangedV1, StageKind, StageLine
from shared.contracts.events.money import Money
from shared.testing.kafka import wait_until

pytestmark = pytest.mark.integration

OPEN, WON, LOST = StageKind.OPEN, StageKind.WON, StageKind.LOST


def dated(event: DealStageChangedV1, day: date, *lines: StageLine) -> DealStageChangedV1:
    update: dict[str, Any] = {"expected_close_on": day}
    if lines:
        update["lines"] = list(lines)
    return DealStageChangedV1.model_validate({**event.model_dump(), **update})


def line(sku: str | None, product: str, quantity: str, net: str) -> StageLine:
    return StageLine(
        sku=sku,
        product=product,
        quantity=Decimal(quantity),
        net=Money(amount=Decimal(net), currency="RUB"),
    )


OLD_C = stage_change("C", "new", OPEN, 3, "250000", probability="0.2")
LINES_C = (line("PUMP-50", "Насос Н-50", "2", "200000"), line(None, "Монтаж", "1", "50000"))


def stage_changes() -> list[DealStageChangedV1]:
    a, b, c = "A", "B", "C"
    return [
        dated(stage_change(a, "new", OPEN, 2, "100000", probability="0.2"), date(2026, 4, 10)),
        dated(stage_change(a, "proposal", OPEN, 4, "100000", previous="new"), date(2026, 4, 15)),
        dated(
            stage_change(
                a, "negotiation", OPEN, 9, "100000", previous="proposal", probability="0.8"
            ),
            date(2026, 4, 20),
        ),
        dated(
            stage_change(b, "new", OPEN, 3, "80000", manager="m2", probability="0.2"),
            date(2026, 4, 30),
        ),
        dated(
            stage_change(b, "proposal", OPEN, 5, "80000", manager="m2", previous="new"),
            date(2026, 4, 25),
        ),
        stage_change(
            b,
            "lost",
            LOST,
            8,
            "80000",
            manager="m2",
            previous="proposal",
            probability="0",
            lost_reason="price",
        ),
        OLD_C,
        dated(
            stage_change(c, "proposal", OPEN, 6, "250000", previous="new", probability="0.6"),
            date(2026, 4, 5),
            *LINES_C,
        ),
        dated(
            stage_change(c, "won", WON, 10, "250000", previous="proposal", probability="1"),
            date(2026, 3, 10),
            *LINES_C,
        ),
        stage_change("D", "new", OPEN, 7, "40000", manager="m2", probability="0.3"),
        dated(stage_change("E", "proposal", OPEN, 11, "60000.50", manager="m2"), date(2026, 4, 30)),
    ]


FORECAST_APRIL = {
    "managers": {
        "m1": {  # A: 100 000 × 0.8
            "deals": 1,
            "commit_deals": 1,
            "pipeline_deals": 0,
            "best": {"RUB": "100000"},
            "commit": {"RUB": "80000.00"},
            "pipeline": {},
            "weighted": {"RUB": "80000.00"},
        },
        "m2": {  # E: 60 000.50 × 0.5 (B lost, D has no date)
            "deals": 1,
            "commit_deals": 0,
            "pipeline_deals": 1,
            "best": {"RUB": "60000.50"},
            "commit": {},
            "pipeline": {"RUB": "30000.25"},
            "weighted": {"RUB": "30000.25"},
        },
    },
    "total": {
        "deals": 2,
        "commit_deals": 1,
        "pipeline_deals": 1,
        "best": {"RUB": "160000.50"},
        "commit": {"RUB": "80000.00"},
        "pipeline": {"RUB": "30000.25"},
        "weighted": {"RUB": "110000.25"},
    },
}

EMPTY_FORECAST = {
    "deals": 0,
    "commit_deals": 0,
    "pipeline_deals": 0,
    "best": {},
    "commit": {},
    "pipeline": {},
    "weighted": {},
}

STAGES_MARCH = [
    {
        "pipeline_id": "default",
        "stage": "lost",
        "entered": 1,
        "moved_to": {},
        "conversion": {},
        "still_in": 1,
        "average_hours": None,
        "lost_reasons": {},
    },
    {
        "pipeline_id": "default",
        "stage": "negotiation",
        "entered": 1,
        "moved_to": {},
        "conversion": {},
        "still_in": 1,
        "average_hours": None,
        "lost_reasons": {},
    },
    {
        "pipeline_id": "default",
        "stage": "new",
        "entered": 4,  # A, B, C (once, though delivered twice), D
        "moved_to": {"proposal": 3},
        "conversion": {"proposal": "0.75"},
        "still_in": 1,  # D
        "average_hours": "56.00",  # (48 + 48 + 72) / 3
        "lost_reasons": {},
    },
    {
        "pipeline_id": "default",
        "stage": "proposal",
        "entered": 4,  # A, B, C, E
        "moved_to": {"lost": 1, "negotiation": 1, "won": 1},
        "conversion": {"lost": "0.25", "negotiation": "0.25", "won": "0.25"},
        "still_in": 1,  # E
        "average_hours": "96.00",  # (120 + 72 + 96) / 3
        "lost_reasons": {"price": 1},
    },
    {
        "pipeline_id": "default",
        "stage": "won",
        "entered": 1,
        "moved_to": {},
        "conversion": {},
        "still_in": 1,
        "average_hours": None,
        "lost_reasons": {},
    },
]


async def rebuild(http: httpx.AsyncClient) -> None:
    """Rebuild the projections from the fact log (version 2) and wait until it is active."""
    assert (await http.post("/v1/projections/rebuild")).status_code == 202

    async def rebuilt() -> bool:
        state = (await http.get("/v1/projections")).json()
        return bool(state["active"] == 2 and not state["rebuild_running"])

    await wait_until(rebuilt)


async def figures(http: httpx.AsyncClient) -> dict[str, Any]:
    march = {"from": "2026-03-01", "to": "2026-04-01"}
    return {
        "forecast": await report(http, "forecast", **{"from": "2026-04-01", "to": "2026-05-01"}),
        "stages": await report(http, "stages", **march),
        "products": await report(http, "products", **march),
        "cross_sell": await report(http, "cross-sell", **march),
    }


async def test_stage_changes_give_the_forecast_and_the_stage_analytics_exactly(
    reporting_service: ServiceFactory, reporting_settings: ReportingSettings
) -> None:
    kafka, group = reporting_settings.kafka, reporting_settings.consumer_group
    async with reporting_service() as (_, http):
        sent: Counter[str] = await publish_all(kafka, stage_changes())
        sent += await publish_all(kafka, [OLD_C], prefix_id="again-")
        sent += await publish_all(kafka, [OLD_C], prefix_id="again-")  # a redelivery
        await all_consumed(kafka, group, sent)
        live = await figures(http)
        assert live["forecast"] == FORECAST_APRIL
        assert live["stages"] == STAGES_MARCH
        assert live["products"] == [
            {
                "product": "PUMP-50",
                "sku": "PUMP-50",
                "name": "Насос Н-50",
                "deals": 1,
                "quantity": "2",
                "net": {"RUB": "200000"},
            },
            {
                "product": "Монтаж",
                "sku": None,
                "name": "Монтаж",
                "deals": 1,
                "quantity": "1",
                "net": {"RUB": "50000"},
            },
        ]
        assert live["cross_sell"] == [{"products": ["PUMP-50", "Монтаж"], "deals": 1}]
        one = await report(
            http, "forecast", **{"from": "2026-04-01", "to": "2026-05-01", "manager_id": "m2"}
        )
        m2 = FORECAST_APRIL["managers"]["m2"]  # type: ignore[index]
        assert one == {"managers": {"m2": m2}, "total": m2}
        refused = await http.get("/v1/reports/forecast", params={"team": "sales"})
        assert refused.status_code == 422

        # A rebuild from the fact log gives the same figures.
        await rebuild(http)
        assert await figures(http) == live


async def test_a_deal_handed_over_counts_in_its_new_managers_forecast(
    reporting_service: ServiceFactory, reporting_settings: ReportingSettings
) -> None:
    kafka, group = reporting_settings.kafka, reporting_settings.consumer_group
    handed = DealReassignedV1(
        deal_id="E",
        from_manager_id="m2",
        to_manager_id="m1",
        reason="left",
        team="sales",
        reassigned_at=datetime(2026, 3, 12, 9, 0, tzinfo=UTC),
    )
    async with reporting_service() as (_, http):
        sent: Counter[str] = await publish_all(kafka, stage_changes())
        sent += await publish_all(kafka, [handed, handed], prefix_id="hand-")  # and again
        await all_consumed(kafka, group, sent)
        forecast = await report(http, "forecast", **{"from": "2026-04-01", "to": "2026-05-01"})
        # E (60 000.50 × 0.5) is Anna's now, beside A (100 000 × 0.8); m2 has none left.
        assert forecast == {
            "managers": {
                "m1": {
                    "deals": 2,
                    "commit_deals": 1,
                    "pipeline_deals": 1,
                    "best": {"RUB": "160000.50"},
                    "commit": {"RUB": "80000.00"},
                    "pipeline": {"RUB": "30000.25"},
                    "weighted": {"RUB": "110000.25"},
                }
            },
            "total": FORECAST_APRIL["total"],
        }
        assert await report(
            http, "forecast", **{"from": "2026-04-01", "to": "2026-05-01", "manager_id": "m2"}
        ) == {"managers": {}, "total": EMPTY_FORECAST}

        await rebuild(http)
        again = await report(http, "forecast", **{"from": "2026-04-01", "to": "2026-05-01"})
        assert again == forecast
