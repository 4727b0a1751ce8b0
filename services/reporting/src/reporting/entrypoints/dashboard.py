"""The head of sales' dashboard: plotly charts (the library ships its JavaScript), ru and en.

Every figure is computed by the report API's own queries and filters: the selectors on the
page (period, team, manager) are query parameters that narrow each chart through the filters
its report applies; a chart whose report does not apply a chosen filter says so under it.
Months are categories named per locale (never a time axis), managers are shown by the name
the people directory holds (`person.changed`), and money and dates are formatted with Babel.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from html import escape
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency
from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from plotly.offline import get_plotlyjs

from reporting.domain.facts import Period
from reporting.domain.segments import Segment
from reporting.entrypoints.access import ACCESS
from reporting.service_layer.plans import PlanBook
from reporting.service_layer.queries import Filters, Reports
from shared.kernel.zones import local_date
from shared.platform.access import HEADS
from shared.platform.clock import Clock
from shared.platform.people import PeopleDirectory

PEOPLE_LIMIT = 1000
"""The most people the selectors and names read (a sales department is far smaller)."""


class Narrow(StrEnum):
    """A selector of the page, and the report filter it sets."""

    PERIOD = "period"
    TEAM = "team"
    MANAGER = "manager"


APPLIES: dict[str, frozenset[Narrow]] = {
    # As the report routes take them (http_reports): funnel and sales take all three.
    "funnel": frozenset(Narrow),
    "revenue_week": frozenset(Narrow),
    "revenue_month": frozenset(Narrow),
    # /leaderboard takes a period and a manager, not a team.
    "leaderboard": frozenset({Narrow.PERIOD, Narrow.MANAGER}),
    # /receivables/aging and /segments stand as of now and take a manager, no team.
    "aging": frozenset({Narrow.MANAGER}),
    "segments": frozenset({Narrow.MANAGER}),
    # The plan panel shows this month's plans of every subject.
    "plans": frozenset(),
}
"""The selectors each chart applies; the others are named under it when chosen."""

LABELS: dict[str, dict[str, Any]] = {
    "ru": {
        "title": "Воронка: отдел продаж",
        "funnel": "Воронка лидов",
        "revenue_week": "Выручка по неделям",
        "revenue_month": "Выручка по месяцам",
        "leaderboard": "Рейтинг менеджеров",
        "aging": "Просроченная дебиторская задолженность",
        "segments": "Сегменты клиентов",
        "plans": "План и факт",
        "plan": "План",
        "fact": "Факт",
        "projected": "Прогноз на конец периода",
        "manager": "Менеджер",
        "won_amount": "Сумма побед",
        "won_count": "Побед",
        "activities": "Активностей",
        "week_of": "неделя с {day}",
        "days": "{bucket} дн.",
        "installments": "взносов: {count}",
        "team_subject": "команда {team}",
        "steps": {
            "received": "Получено",
            "contacted": "Контакт",
            "qualified": "Квалифицировано",
            "deal": "Сделка",
            "won": "Выиграно",
        },
        "segment_names": {
            "hot": "Горячие",
            "warm": "Тёплые",
            "cooling": "Остывающие",
            "sleeping": "Спящие",
        },
        "other": "English",
        "from": "С",
        "to": "По (не включая)",
        "team": "Команда",
        "all": "все",
        "show": "Показать",
        "reset": "Сбросить",
        "not_applied": "К этому графику не применяется: {what}.",
        "as_of_now": "На текущий момент.",
        "narrow_names": {"period": "период", "team": "команда", "manager": "менеджер"},
        "bad_period": "Дата «по» раньше даты «с».",
    },
    "en": {
        "title": "Voronka: sales department",
        "funnel": "Lead funnel",
        "revenue_week": "Revenue by week",
        "revenue_month": "Revenue by month",
        "leaderboard": "Manager leaderboard",
        "aging": "Overdue receivables",
        "segments": "Client segments",
        "plans": "Plan vs fact",
        "plan": "Plan",
        "fact": "Fact",
        "projected": "Projected at period end",
        "manager": "Manager",
        "won_amount": "Won amount",
        "won_count": "Wins",
        "activities": "Activities",
        "week_of": "week of {day}",
        "days": "{bucket} days",
        "installments": "installments: {count}",
        "team_subject": "team {team}",
        "steps": {
            "received": "Received",
            "contacted": "Contacted",
            "qualified": "Qualified",
            "deal": "Deal",
            "won": "Won",
        },
        "segment_names": {
            "hot": "Hot",
            "warm": "Warm",
            "cooling": "Cooling",
            "sleeping": "Sleeping",
        },
        "other": "Русский",
        "from": "From",
        "to": "To (exclusive)",
        "team": "Team",
        "all": "all",
        "show": "Show",
        "reset": "Reset",
        "not_applied": "Not applied to this chart: {what}.",
        "as_of_now": "As of now.",
        "narrow_names": {"period": "period", "team": "team", "manager": "manager"},
        "bad_period": "The 'to' date is before the 'from' date.",
    },
}

SEPARATORS = {"ru": ", ", "en": ".,"}
"""Plotly's decimal and thousands separators per locale (its own axis ticks)."""


def money(amount: Decimal, currency: str, lang: str) -> str:
    """An amount as the locale writes it: `101 340 000,00 ₽`, `RUB 101,340,000.00`."""
    text = str(format_currency(amount, currency, locale=lang))
    # CLDR spaces a letter symbol from the digits; Babel's patterns leave that out.
    return re.sub(r"^([A-Z]{3})(?=[\d-])", "\\1\u00a0", text)


def month_label(month: date, lang: str) -> str:
    """`март 2026`, `March 2026`."""
    return str(format_date(month, "LLLL y", locale=lang))


def week_label(monday: date, lang: str) -> str:
    """The ISO week by its Monday: `неделя с 16 мар. 2026 г.`, `week of Mar 16, 2026`."""
    return str(LABELS[lang]["week_of"].format(day=format_date(monday, "medium", locale=lang)))


@dataclass(frozen=True)
class Person:
    """Whom a manager id names, as the people directory holds them."""

    id: str
    name: str
    team: str | None


@dataclass(frozen=True)
class View:
    """What the page is asked to show: the language and the selectors."""

    lang: str = "ru"
    period_from: date | None = None
    period_to: date | None = None
    team: str | None = None
    manager_id: str | None = None

    def chosen(self) -> frozenset[Narrow]:
        """The selectors set."""
        return frozenset(
            narrow
            for narrow, value in (
                (Narrow.PERIOD, self.period_from or self.period_to),
                (Narrow.TEAM, self.team),
                (Narrow.MANAGER, self.manager_id),
            )
            if value
        )

    def filters(self, chart: str, time_zone: str, **extra: Any) -> Filters:
        """The report filters of one chart: the selectors it applies."""
        applies = APPLIES[chart]
        period = (
            Period(self.period_from, self.period_to, time_zone)
            if Narrow.PERIOD in applies and (self.period_from or self.period_to)
            else None
        )
        return Filters(
            period=period,
            team=self.team if Narrow.TEAM in applies else None,
            manager_id=self.manager_id if Narrow.MANAGER in applies else None,
            **extra,
        )

    def query(self, **changes: Any) -> str:
        """This view's query string, with some parameters changed."""
        values = {
            "lang": self.lang,
            "from": self.period_from.isoformat() if self.period_from else None,
            "to": self.period_to.isoformat() if self.period_to else None,
            "team": self.team,
            "manager_id": self.manager_id,
            **changes,
        }
        return urlencode({k: v for k, v in values.items() if v})


@dataclass
class DashboardHttp:
    """What the dashboard needs."""

    reports: Reports
    clock: Clock
    currency: str
    plans: PlanBook | None = None
    people: PeopleDirectory | None = None


@dataclass
class Chart:
    """One figure of the page and the chart it is (its key in `APPLIES`)."""

    key: str
    figure: go.Figure
    note: str = ""


def _html(chart: Chart) -> str:
    return str(
        chart.figure.to_html(
            full_html=False,
            include_plotlyjs=False,
            default_height="360px",
            div_id=f"chart-{chart.key}",
        )
    )


async def directory(people: PeopleDirectory | None) -> dict[str, Person]:
    """Everyone the people directory knows, by id (names from `person.changed`)."""
    if people is None:
        return {}
    cursor = people.collection.find({}, {"name": 1, "team": 1}).limit(PEOPLE_LIMIT)
    return {
        str(d["_id"]): Person(str(d["_id"]), str(d.get("name") or d["_id"]), d.get("team"))
        async for d in cursor
    }


DAY = r"^(\d{4}-\d{2}-\d{2})?$"
"""A local day as the date input sends it, or nothing."""


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def name_of(people: Mapping[str, Person], person_id: str) -> str:
    """The person's name, or their id when the directory has not heard of them."""
    person = people.get(person_id)
    return person.name if person is not None else person_id


def dashboard_router(deps: DashboardHttp) -> APIRouter:
    """`/dashboard` and the plotly script it loads."""
    router = APIRouter(tags=["dashboard"])

    @router.get(
        "/dashboard/plotly.min.js",
        include_in_schema=False,
        dependencies=[ACCESS.allow(keys=("read",), roles=HEADS)],
    )
    async def plotly_js() -> Response:
        return Response(
            get_plotlyjs(),
            media_type="application/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    @router.get(
        "/dashboard",
        response_class=HTMLResponse,
        summary="Dashboard for the head of sales",
        description=(
            "The whole department's figures: for heads of sales, admins and read keys. "
            "`from`, `to` (local days, `to` excluded), `team` and `manager_id` narrow every "
            "chart whose report applies them."
        ),
        dependencies=[ACCESS.allow(keys=("read",), roles=HEADS)],
    )
    async def dashboard(
        lang: Annotated[str, Query(pattern="^(ru|en)$")] = "ru",
        period_from: Annotated[str | None, Query(alias="from", pattern=DAY)] = None,
        period_to: Annotated[str | None, Query(alias="to", pattern=DAY)] = None,
        team: Annotated[str | None, Query(max_length=128)] = None,
        manager_id: Annotated[str | None, Query(max_length=128)] = None,
    ) -> HTMLResponse:
        # The form sends every field: an empty one is no selection.
        text = LABELS[lang]
        try:
            view = View(lang, _day(period_from), _day(period_to), team or None, manager_id or None)
        except ValueError as exc:
            return HTMLResponse(f"<p>{escape(str(exc))}</p>", status_code=422)
        if period_from and period_to and period_to < period_from:
            return HTMLResponse(f"<p>{escape(text['bad_period'])}</p>", status_code=422)
        people = await directory(deps.people)
        charts = await charts_of(deps, view, people)
        return HTMLResponse(page(deps, view, people, charts))

    return router


async def charts_of(deps: DashboardHttp, view: View, people: Mapping[str, Person]) -> list[Chart]:
    """Every chart of the page, narrowed by the view's selectors, with its notes."""
    text = LABELS[view.lang]
    now = deps.clock.now()
    charts = [
        await _funnel(deps, view),
        *await _revenue(deps, view),
        await _leaderboard(deps, view, people),
        await _aging(deps, view, now),
        await _segments(deps, view, now),
    ]
    if deps.plans is not None:
        charts.insert(1, await _plans(deps.plans, view, people, now))
    for chart in charts:
        chart.figure.update_layout(separators=SEPARATORS[view.lang])
        skipped = [n for n in Narrow if n in view.chosen() and n not in APPLIES[chart.key]]
        notes = []
        if chart.key in ("aging", "segments"):
            notes.append(text["as_of_now"])
        if skipped:
            names = ", ".join(text["narrow_names"][n.value] for n in skipped)
            notes.append(text["not_applied"].format(what=names))
        chart.note = " ".join(notes)
    return charts


def _options(selected: str | None, choices: Iterable[tuple[str, str]], everyone: str) -> str:
    rows = [f'<option value="">{escape(everyone)}</option>']
    for value, label in choices:
        mark = " selected" if value == selected else ""
        rows.append(f'<option value="{escape(value)}"{mark}>{escape(label)}</option>')
    return "".join(rows)


def selectors(view: View, people: Mapping[str, Person]) -> str:
    """The form of selectors: submitting it reloads the page with them in the query."""
    text = LABELS[view.lang]
    teams = sorted({p.team for p in people.values() if p.team} | {view.team or ""} - {""})
    managers = sorted(
        ((p.id, p.name) for p in people.values()), key=lambda pair: (pair[1].casefold(), pair[0])
    )
    if view.manager_id and view.manager_id not in people:
        managers.append((view.manager_id, view.manager_id))

    def day(value: date | None) -> str:
        return value.isoformat() if value else ""

    return (
        '<form id="selectors" method="get" action="/dashboard">'
        f'<input type="hidden" name="lang" value="{view.lang}">'
        f'<label>{escape(text["from"])} <input type="date" name="from" '
        f'value="{day(view.period_from)}"></label> '
        f'<label>{escape(text["to"])} <input type="date" name="to" '
        f'value="{day(view.period_to)}"></label> '
        f'<label>{escape(text["team"])} <select name="team">'
        f"{_options(view.team, ((t, t) for t in teams), text['all'])}</select></label> "
        f'<label>{escape(text["manager"])} <select name="manager_id">'
        f"{_options(view.manager_id, managers, text['all'])}</select></label> "
        f'<button type="submit">{escape(text["show"])}</button> '
        f'<a href="?lang={view.lang}">{escape(text["reset"])}</a></form>'
    )


def page(deps: DashboardHttp, view: View, people: Mapping[str, Person], charts: list[Chart]) -> str:
    """The whole HTML page."""
    text = LABELS[view.lang]
    other = "en" if view.lang == "ru" else "ru"
    now = format_datetime(
        deps.clock.now(), "medium", tzinfo=ZoneInfo(deps.reports.time_zone), locale=view.lang
    )
    body = "".join(
        f'<section id="section-{c.key}">{_html(c)}'
        + (f'<p class="note">{escape(c.note)}</p>' if c.note else "")
        + "</section>"
        for c in charts
    )
    return (
        f'<!doctype html><html lang="{view.lang}"><head><meta charset="utf-8">'
        f"<title>{escape(text['title'])}</title>"
        '<link rel="icon" href="data:,">'
        '<script src="/dashboard/plotly.min.js"></script>'
        "<style>body{font-family:sans-serif;margin:2em}section{margin-bottom:2em}"
        "form label{margin-right:1em}.note{color:#666;font-size:90%}</style>"
        f"</head><body><h1>{escape(text['title'])}</h1>"
        f'<p><a href="?{escape(view.query(lang=other))}">{escape(text["other"])}</a> · '
        f"{escape(str(now))}</p>{selectors(view, people)}{body}</body></html>"
    )


def _layout(fig: go.Figure, title: str) -> go.Figure:
    fig.update_layout(title=title, margin={"t": 60, "b": 60})
    return fig


async def _funnel(deps: DashboardHttp, view: View) -> Chart:
    text = LABELS[view.lang]
    report = await deps.reports.funnel(view.filters("funnel", deps.reports.time_zone))
    names = text["steps"]
    fig = go.Figure(
        go.Funnel(
            y=[names.get(step.step.value, step.step.value) for step in report.steps],
            x=[step.count for step in report.steps],
            textinfo="value+percent initial",
        )
    )
    return Chart("funnel", _layout(fig, text["funnel"]))


def _money_bars(
    labels: list[str], amounts: list[Decimal], keys: list[str], currency: str, lang: str
) -> go.Bar:
    """Bars of money: plotly draws floats; the exact amount, formatted, is the text shown."""
    shown = [money(a, currency, lang) for a in amounts]
    return go.Bar(
        x=labels,
        y=[float(a) for a in amounts],
        text=shown,
        textposition="auto",
        customdata=keys,
        hovertemplate="%{x}: %{text}<extra></extra>",
    )


async def _revenue(deps: DashboardHttp, view: View) -> list[Chart]:
    """Won revenue by ISO week and by month, as categories named per locale."""
    text = LABELS[view.lang]
    zone = deps.reports.time_zone
    won = await deps.reports.won_deals(view.filters("revenue_month", zone, currency=deps.currency))
    weekly: dict[date, Decimal] = defaultdict(Decimal)
    monthly: dict[date, Decimal] = defaultdict(Decimal)
    for deal in won:
        assert deal.closed_at is not None  # a won deal is closed
        day = local_date(deal.closed_at, zone)
        weekly[day - timedelta(days=day.weekday())] += deal.amount
        monthly[day.replace(day=1)] += deal.amount
    charts = []
    for key, series, label in (
        ("revenue_week", weekly, week_label),
        ("revenue_month", monthly, month_label),
    ):
        starts = sorted(series)
        fig = go.Figure(
            _money_bars(
                [label(start, view.lang) for start in starts],
                [series[start] for start in starts],
                [start.isoformat() for start in starts],
                deps.currency,
                view.lang,
            )
        )
        # Categories: one month is one bar, never a time axis zoomed to milliseconds.
        fig.update_xaxes(type="category")
        fig.update_yaxes(tickformat=",.0f")  # whole amounts, the locale's separators
        charts.append(Chart(key, _layout(fig, f"{text[key]}, {deps.currency}")))
    return charts


async def _leaderboard(deps: DashboardHttp, view: View, people: Mapping[str, Person]) -> Chart:
    text = LABELS[view.lang]
    f = view.filters("leaderboard", deps.reports.time_zone)
    rows = await deps.reports.leaderboard(f, deps.currency)
    fig = go.Figure(
        go.Table(
            header={
                "values": [
                    text["manager"],
                    text["won_amount"],
                    text["won_count"],
                    text["activities"],
                ]
            },
            cells={
                "values": [
                    [name_of(people, r.manager_id) for r in rows],
                    [money(r.won_amount, deps.currency, view.lang) for r in rows],
                    [r.won_count for r in rows],
                    [r.activity_count for r in rows],
                ],
                "align": ["left", "right", "right", "right"],
            },
        )
    )
    return Chart("leaderboard", _layout(fig, text["leaderboard"]))


async def _aging(deps: DashboardHttp, view: View, now: datetime) -> Chart:
    text = LABELS[view.lang]
    buckets = await deps.reports.overdue(view.filters("aging", deps.reports.time_zone), now)
    amounts = [b.outstanding.get(deps.currency, Decimal(0)) for b in buckets]
    fig = go.Figure(
        go.Bar(
            x=[text["days"].format(bucket=b.bucket.value) for b in buckets],
            y=[float(a) for a in amounts],
            text=[money(a, deps.currency, view.lang) for a in amounts],
            textposition="auto",
            customdata=[text["installments"].format(count=b.installments) for b in buckets],
            hovertemplate="%{x}: %{text} (%{customdata})<extra></extra>",
        )
    )
    fig.update_xaxes(type="category")
    fig.update_yaxes(tickformat=",.0f")
    return Chart("aging", _layout(fig, f"{text['aging']}, {deps.currency}"))


async def _segments(deps: DashboardHttp, view: View, now: datetime) -> Chart:
    text = LABELS[view.lang]
    segments = await deps.reports.segments(view.filters("segments", deps.reports.time_zone), now)
    counts: dict[str, int] = defaultdict(int)
    for segment in segments.values():
        counts[segment.value] += 1
    order = [s.value for s in Segment if s.value in counts]
    names = text["segment_names"]
    fig = go.Figure(
        go.Pie(
            labels=[names.get(k, k) for k in order],
            values=[counts[k] for k in order],
            sort=False,
        )
    )
    return Chart("segments", _layout(fig, text["segments"]))


async def _plans(book: PlanBook, view: View, people: Mapping[str, Person], now: datetime) -> Chart:
    """This month's plans in the board currency: plan, fact to date and projection per subject."""
    text = LABELS[view.lang]
    month = local_date(now, book.time_zone).replace(day=1)
    report = await book.report(month.strftime("%Y-%m"))
    subjects, planned, done, projected = [], [], [], []
    for row in report.subjects:
        kind, _, who = row.subject.partition(":")
        subjects.append(
            name_of(people, who) if kind == "manager" else text["team_subject"].format(team=who)
        )
        amount = row.won_revenue.get(book.currency)
        planned.append(Decimal(amount.plan or 0) if amount else Decimal(0))
        done.append(Decimal(amount.fact) if amount else Decimal(0))
        projected.append(amount.projected or Decimal(0) if amount else Decimal(0))
    fig = go.Figure(
        [
            # Plotly draws numbers; the exact amount, formatted, goes along as the hover text.
            go.Bar(
                name=text[name],
                x=subjects,
                y=[float(v) for v in values],
                customdata=[money(v, book.currency, view.lang) for v in values],
                hovertemplate="%{x}: %{customdata}<extra></extra>",
            )
            for name, values in (("plan", planned), ("fact", done), ("projected", projected))
        ]
    )
    fig.update_xaxes(type="category")
    title = f"{text['plans']}, {month_label(month, view.lang)}, {book.currency}"
    fig.update_layout(barmode="group")
    return Chart("plans", _layout(fig, title))
