"""The dashboard's figures as plotly JSON: months as months, people by name, money per locale,
and selectors that narrow every chart whose report applies them (the others say so)."""

from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from typing import Any, cast

import httpx
import pytest
from reporting_small_world import NOW, small_world_reports

from reporting.entrypoints.dashboard import (
    DashboardHttp,
    Person,
    View,
    charts_of,
    dashboard_router,
    directory,
    money,
    month_label,
    name_of,
)
from shared.platform.clock import ManualClock
from shared.platform.http import create_app
from shared.platform.people import PeopleDirectory

pytestmark = pytest.mark.unit

NBSP = "\u00a0"
NORTH_FUNNEL = [2, 1, 1, 1, 1]  # L1 and L3 arrived; L1 went all the way
APRIL_FUNNEL = [1, 0, 0, 0, 0]  # L3 alone, disqualified
PEOPLE = [
    {"_id": "m1", "name": "Анна Иванова", "team": "north"},
    {"_id": "m2", "name": "Пётр Петров", "team": "south"},
]


class _Cursor:
    def __init__(self, documents: list[dict[str, Any]]) -> None:
        self.documents = documents
        self.limited: int | None = None

    def limit(self, n: int) -> "_Cursor":
        self.limited = n
        return self

    async def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        assert self.limited is not None, "a scan of the people must be bounded"
        for document in self.documents[: self.limited]:
            yield document


class _Collection:
    def find(self, query: dict[str, Any], projection: dict[str, int]) -> _Cursor:
        assert query == {}
        return _Cursor(PEOPLE)


class FakePeople:
    collection = _Collection()


async def deps() -> DashboardHttp:
    return DashboardHttp(
        await small_world_reports(),
        ManualClock(NOW),
        "RUB",
        people=cast(PeopleDirectory, FakePeople()),
    )


async def figures(view: View) -> dict[str, dict[str, Any]]:
    d = await deps()
    charts = await charts_of(d, view, await directory(d.people))
    return {c.key: {**c.figure.to_plotly_json(), "note": c.note} for c in charts}


def test_money_is_formatted_per_locale() -> None:
    amount = Decimal("101340000.00")
    assert money(amount, "RUB", "ru") == f"101{NBSP}340{NBSP}000,00{NBSP}₽"
    assert money(amount, "RUB", "en") == f"RUB{NBSP}101,340,000.00"
    assert month_label(date(2026, 3, 1), "ru") == "март 2026"
    assert month_label(date(2026, 3, 1), "en") == "March 2026"


async def test_months_are_categories_named_per_locale_never_a_time_axis() -> None:
    ru = await figures(View("ru"))
    month = ru["revenue_month"]
    (bars,) = month["data"]
    assert month["layout"]["xaxis"]["type"] == "category"
    assert list(bars["x"]) == ["март 2026", "апрель 2026"]
    assert list(bars["customdata"]) == ["2026-03-01", "2026-04-01"]
    assert list(bars["y"]) == [150000.0, 10000.0]
    assert list(bars["text"]) == [f"150{NBSP}000,00{NBSP}₽", f"10{NBSP}000,00{NBSP}₽"]
    assert "%{text}" in bars["hovertemplate"]
    week = ru["revenue_week"]
    assert week["layout"]["xaxis"]["type"] == "category"
    assert list(week["data"][0]["customdata"]) == ["2026-03-16", "2026-03-23", "2026-04-20"]
    assert list(week["data"][0]["y"]) == [100000.0, 50000.0, 10000.0]
    en = await figures(View("en"))
    assert list(en["revenue_month"]["data"][0]["x"]) == ["March 2026", "April 2026"]
    assert en["revenue_month"]["data"][0]["text"][0] == f"RUB{NBSP}150,000.00"
    assert en["revenue_month"]["layout"]["separators"] == ".,"


async def test_the_leaderboard_names_managers_and_formats_money() -> None:
    cells = (await figures(View("ru")))["leaderboard"]["data"][0]["cells"]["values"]
    names, amounts, wins, _ = cells
    assert list(names) == ["Анна Иванова", "Пётр Петров"]
    assert list(amounts) == [f"100{NBSP}000,00{NBSP}₽", f"60{NBSP}000,00{NBSP}₽"]
    assert list(wins) == [1, 2]


async def test_selectors_narrow_every_chart_that_applies_them() -> None:
    m2 = await figures(View("en", manager_id="m2"))
    assert list(m2["revenue_month"]["data"][0]["y"]) == [50000.0, 10000.0]
    assert list(m2["funnel"]["data"][0]["x"]) == [1, 1, 1, 1, 1]
    assert list(m2["leaderboard"]["data"][0]["cells"]["values"][0]) == ["Пётр Петров"]
    assert m2["aging"]["note"] == "As of now."  # aging takes a manager
    north = await figures(View("en", team="north"))
    assert list(north["revenue_month"]["data"][0]["y"]) == [100000.0]
    assert list(north["funnel"]["data"][0]["x"]) == NORTH_FUNNEL
    assert "Not applied to this chart: team." in north["leaderboard"]["note"]
    assert "team" in north["segments"]["note"] and "team" in north["aging"]["note"]
    assert north["funnel"]["note"] == ""
    april = await figures(View("ru", period_from=date(2026, 4, 1)))
    assert list(april["revenue_month"]["data"][0]["x"]) == ["апрель 2026"]
    assert list(april["funnel"]["data"][0]["x"]) == APRIL_FUNNEL  # L3 alone
    assert "период" in april["aging"]["note"] and april["leaderboard"]["note"] == ""


async def test_the_page_has_the_selectors_and_keeps_them_across_languages() -> None:
    app = create_app(title="reporting", version="0", description="", readiness={})
    app.include_router(dashboard_router(await deps()))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://r") as http:
        page = await http.get(
            "/dashboard", params={"lang": "ru", "from": "2026-03-01", "manager_id": "m1"}
        )
        bad = await http.get("/dashboard", params={"from": "2026-04-01", "to": "2026-03-01"})
        # The form sends its empty fields too: they select nothing.
        empty = await http.get(
            "/dashboard", params={"lang": "en", "from": "", "to": "", "team": "", "manager_id": ""}
        )
        wrong = await http.get("/dashboard", params={"from": "2026-02-30"})
    assert page.status_code == 200
    html = page.text
    assert '<form id="selectors" method="get"' in html
    assert '<option value="m1" selected>Анна Иванова</option>' in html
    assert '<option value="north">north</option>' in html
    assert 'value="2026-03-01"' in html
    assert "?lang=en&amp;from=2026-03-01&amp;manager_id=m1" in html
    assert "К этому графику не применяется: период." in html
    assert bad.status_code == 422 and wrong.status_code == 422
    assert empty.status_code == 200 and "Not applied" not in empty.text


def test_a_person_unknown_to_the_directory_is_shown_by_id() -> None:
    assert name_of({"m1": Person("m1", "Анна", "north")}, "m9") == "m9"
