"""The dashboard in a real browser: Debian's chromium, driven by Playwright, reads each chart.

The reporting service runs in-process under uvicorn on the real Kafka and FerretDB and is fed
reporting's scripted month (March 2026: four leads, D1 won 100 000 ₽ on 20 March by m1, an
invoice of 100 000 with 40 000 due 10 April unpaid) plus the two managers' directory entries.
The page is read on 15 May. Any console error, page error or failed request fails the test,
with the messages and the screenshot's path in its output.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from playwright.async_api import ConsoleMessage, Page, Request, Response, async_playwright
from reporting_testkit import all_consumed, publish_all, scripted_month

from reporting.bootstrap import ReportingService
from reporting.settings import ReportingSettings
from shared.contracts import encode
from shared.contracts.events.person import PersonChangedV1
from shared.platform.clock import ManualClock
from shared.testing.kafka import wait_until

pytestmark = pytest.mark.integration

CHROMIUM = Path("/usr/bin/chromium")
"""Debian's chromium (`deploy/local/tools.sh` installs it); Playwright downloads no browser."""
NBSP = "\u00a0"
README_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "dashboard.png"
READ_ON = datetime(2026, 5, 15, 9, 0, tzinfo=UTC)
PEOPLE = {"m1": "Анна Иванова", "m2": "Пётр Петров"}

FIGURES_JS = """
() => Object.fromEntries([...document.querySelectorAll('.plotly-graph-div')].map(div => [
  div.id,
  {
    title: div._fullLayout.title.text,
    xaxis: div._fullLayout.xaxis ? div._fullLayout.xaxis.type : null,
    ticks: [...div.querySelectorAll('.xtick text')].map(t => t.textContent),
    data: div._fullData.map(t => ({
      type: t.type,
      x: t.x ? Array.from(t.x) : null,
      y: t.y ? Array.from(t.y) : null,
      text: t.text ? Array.from(t.text) : null,
      customdata: t.customdata ? Array.from(t.customdata) : null,
      labels: t.labels ? Array.from(t.labels) : null,
      values: t.values ? Array.from(t.values) : null,
      cells: t.cells ? t.cells.values.map(column => Array.from(column)) : null,
    })),
  },
]))
"""

RENDERED_JS = """
(n) => {
  const divs = [...document.querySelectorAll('.plotly-graph-div')];
  return divs.length >= n && divs.every(d => d._fullLayout && d.querySelector('.main-svg'));
}
"""


class Watched:
    """What the browser complained of: console errors, page errors, failed requests."""

    def __init__(self, page: Page) -> None:
        self.problems: list[str] = []
        self.console_log: list[str] = []
        page.on("console", self.console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("requestfailed", self.failed)
        page.on("response", self.response)

    def console(self, message: ConsoleMessage) -> None:
        self.console_log.append(f"{message.type}: {message.text}")
        if message.type == "error":
            self.problems.append(f"console error: {message.text} ({message.location})")

    def failed(self, request: Request) -> None:
        self.problems.append(f"request failed: {request.url} ({request.failure})")

    def response(self, response: Response) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")


async def publish_people(settings: ReportingSettings) -> None:
    """The two managers as the leads roster publishes them on `person.changed`."""
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka.bootstrap_servers, acks="all")
    await producer.start()
    try:
        for person_id, name in PEOPLE.items():
            event = PersonChangedV1(
                person_id=person_id,
                name=name,
                team="sales",
                role="manager",
                time_zone="Europe/Moscow",
                capacity=30,
                active=True,
                present=True,
                changed_at=datetime(2026, 3, 1, tzinfo=UTC),
            )
            payload, headers = encode(
                event, source="urn:test", event_id=f"person-{person_id}", time=event.changed_at
            )
            await producer.send_and_wait(
                settings.kafka.topic_prefix + event.event_type,
                payload,
                key=person_id.encode(),
                headers=headers,
            )
    finally:
        await producer.stop()


async def open_dashboard(page: Page, url: str, shot: Path, charts: int) -> dict[str, Any]:
    """Load the page, wait for every plotly figure, screenshot it, read the figures."""
    await page.goto(url, wait_until="networkidle")
    try:
        await page.wait_for_function(RENDERED_JS, arg=charts, timeout=15_000)
    finally:
        await page.screenshot(path=str(shot), full_page=True)
    figures: dict[str, Any] = await page.evaluate(FIGURES_JS)
    return figures


def check_russian(figures: dict[str, Any]) -> None:
    """The hand-worked figures of the scripted month, read on 15 May, in Russian."""
    funnel = figures["chart-funnel"]["data"][0]
    assert funnel["x"] == [4, 3, 2, 2, 1]
    assert funnel["y"] == ["Получено", "Контакт", "Квалифицировано", "Сделка", "Выиграно"]
    month = figures["chart-revenue_month"]
    # One month is one category bar, and the axis shows its name, not milliseconds.
    assert month["xaxis"] == "category"
    assert month["ticks"] == ["март 2026"]
    assert month["data"][0]["y"] == [100000]
    assert month["data"][0]["text"] == [f"100{NBSP}000,00{NBSP}₽"]
    week = figures["chart-revenue_week"]
    assert week["xaxis"] == "category"
    assert week["data"][0]["customdata"] == ["2026-03-16"]  # 20 March is in that ISO week
    assert week["data"][0]["y"] == [100000]
    names, amounts, wins, activities = figures["chart-leaderboard"]["data"][0]["cells"]
    assert names == ["Анна Иванова", "Пётр Петров"]
    assert amounts == [f"100{NBSP}000,00{NBSP}₽", f"0,00{NBSP}₽"]
    assert wins == [1, 0]
    assert activities == [3, 1]  # a1-a3 by m1, a4 by m2
    aging = figures["chart-aging"]["data"][0]
    # The 40 000 due 10 April is 35 days late on 15 May.
    assert dict(zip(aging["x"], aging["y"], strict=True)) == {
        "1-30 дн.": 0,
        "31-60 дн.": 40000,
        "61-90 дн.": 0,
        "90+ дн.": 0,
    }
    assert aging["text"][1] == f"40{NBSP}000,00{NBSP}₽"
    segments = figures["chart-segments"]["data"][0]
    # client-D1 last bought on 20 March: 56 days before, between hot (30) and warm (90).
    assert dict(zip(segments["labels"], segments["values"], strict=True)) == {"Остывающие": 1}


def check_english(figures: dict[str, Any]) -> None:
    """The same month in English."""
    assert figures["chart-funnel"]["data"][0]["x"] == [4, 3, 2, 2, 1]
    month = figures["chart-revenue_month"]
    assert month["ticks"] == ["March 2026"]
    assert month["data"][0]["text"] == [f"RUB{NBSP}100,000.00"]
    names, amounts, *_ = figures["chart-leaderboard"]["data"][0]["cells"]
    assert names == ["Анна Иванова", "Пётр Петров"]
    assert amounts == [f"RUB{NBSP}100,000.00", f"RUB{NBSP}0.00"]
    assert figures["chart-funnel"]["title"] == "Lead funnel"


def check_one_manager(figures: dict[str, Any]) -> None:
    """m1 alone: L1 and L3 in the funnel, D1's revenue, one leaderboard row."""
    assert figures["chart-funnel"]["data"][0]["x"] == [2, 2, 1, 1, 1]
    assert figures["chart-revenue_month"]["data"][0]["y"] == [100000]
    assert figures["chart-leaderboard"]["data"][0]["cells"][0] == ["Анна Иванова"]


@pytest.fixture
def chromium() -> Path:
    """Debian's chromium, or a failure that says how to install it."""
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: run `make tools` (deploy/local/tools.sh)"
    return CHROMIUM


async def test_the_dashboard_in_chromium_shows_the_scripted_month(
    chromium: Path,
    served_reporting: tuple[ReportingService, str],
    reporting_settings: ReportingSettings,
    mongo_db: Any,
    clock: ManualClock,
    tmp_path: Path,
) -> None:
    _, base = served_reporting
    sent = await publish_all(reporting_settings.kafka, scripted_month())
    await publish_people(reporting_settings)
    await all_consumed(reporting_settings.kafka, reporting_settings.consumer_group, sent)

    async def people_known() -> bool:
        return int(await mongo_db["people"].count_documents({})) == len(PEOPLE)

    await wait_until(people_known, timeout=30)
    clock.set(READ_ON)
    pages = {
        "ru": (f"{base}/dashboard?lang=ru", check_russian),
        "en": (f"{base}/dashboard?lang=en", check_english),
        "m1": (f"{base}/dashboard?lang=en&manager_id=m1", check_one_manager),
    }
    charts = 7  # funnel, plans, two revenue charts, leaderboard, aging, segments
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=["--no-sandbox"]
        )
        try:
            for name, (url, check) in pages.items():
                page = await browser.new_page(
                    viewport={"width": 1280, "height": 900},
                    locale="ru-RU" if name == "ru" else "en-GB",
                )
                shot = tmp_path / f"dashboard-{name}.png"
                watched = Watched(page)
                try:
                    figures = await open_dashboard(page, url, shot, charts)
                    if name == "en":  # the selectors form reloads the page narrowed
                        await page.select_option("select[name=manager_id]", "m1")
                        await page.click("#selectors button[type=submit]")
                        await page.wait_for_url("**manager_id=m1**")
                        await page.wait_for_function(RENDERED_JS, arg=charts)
                        check_one_manager(await page.evaluate(FIGURES_JS))
                    check(figures)
                    assert not watched.problems, "the browser reported problems"
                except Exception as exc:
                    raise AssertionError(
                        f"{name} ({url}): {exc!r}\nbrowser problems:\n  "
                        + ("\n  ".join(watched.problems) or "none")
                        + "\nconsole:\n  "
                        + ("\n  ".join(watched.console_log) or "nothing")
                        + f"\nscreenshot: {shot}"
                    ) from exc
                finally:
                    await page.close()
        finally:
            await browser.close()
    if os.environ.get("VORONKA_UPDATE_SCREENSHOT"):  # refresh the README's picture on purpose
        shutil.copyfile(tmp_path / "dashboard-ru.png", README_SCREENSHOT)
