"""The head of sales' dashboard: plotly charts (the library ships its JavaScript), ru and en."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from html import escape
from typing import Annotated, Any

import plotly.graph_objects as go
from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from plotly.offline import get_plotlyjs

from reporting.domain import sales
from reporting.entrypoints.access import ACCESS
from reporting.service_layer.plans import PlanBook
from reporting.service_layer.queries import Filters, Reports
from shared.kernel.zones import local_date
from shared.platform.access import HEADS
from shared.platform.clock import Clock

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
    },
}


@dataclass
class DashboardHttp:
    """What the dashboard needs."""

    reports: Reports
    clock: Clock
    currency: str
    plans: PlanBook | None = None


def _html(fig: go.Figure) -> str:
    return str(fig.to_html(full_html=False, include_plotlyjs=False, default_height="360px"))


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
        description="The whole department's figures: for heads of sales, admins and read keys.",
        dependencies=[ACCESS.allow(keys=("read",), roles=HEADS)],
    )
    async def dashboard(lang: Annotated[str, Query(pattern="^(ru|en)$")] = "ru") -> HTMLResponse:
        text = LABELS[lang]
        now = deps.clock.now()
        figures = [
            await _funnel(deps, text),
            *await _revenue(deps, text, now),
            await _leaderboard(deps, text),
            await _aging(deps, text, now),
            await _segments(deps, text, now),
        ]
        if deps.plans is not None:
            figures.insert(1, await _plans(deps.plans, text, now))
        other = "en" if lang == "ru" else "ru"
        body = "".join(f"<section>{_html(fig)}</section>" for fig in figures)
        page = (
            f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{escape(text['title'])}</title>"
            '<script src="/dashboard/plotly.min.js"></script>'
            "<style>body{font-family:sans-serif;margin:2em}section{margin-bottom:2em}</style>"
            f"</head><body><h1>{escape(text['title'])}</h1>"
            f'<p><a href="?lang={other}">{escape(text["other"])}</a> · '
            f"{escape(now.strftime('%Y-%m-%d %H:%M UTC'))}</p>{body}</body></html>"
        )
        return HTMLResponse(page)

    return router


async def _funnel(deps: DashboardHttp, text: dict[str, Any]) -> go.Figure:
    report = await deps.reports.funnel(Filters())
    names = text["steps"]
    fig = go.Figure(
        go.Funnel(
            y=[names.get(step.step.value, step.step.value) for step in report.steps],
            x=[step.count for step in report.steps],
        )
    )
    fig.update_layout(title=text["funnel"])
    return fig


async def _revenue(deps: DashboardHttp, text: dict[str, Any], now: datetime) -> list[go.Figure]:
    state = sales.SalesState(deals=await deps.reports.all_deals())
    weekly: dict[str, Decimal] = defaultdict(Decimal)
    monthly: dict[str, Decimal] = defaultdict(Decimal)
    for view in sales.deal_views(state["deals"], now):
        if not view.is_won or view.closed_at is None or view.currency != deps.currency:
            continue
        day = local_date(view.closed_at, deps.reports.time_zone)
        year, week, _ = day.isocalendar()
        weekly[f"{year}-W{week:02d}"] += view.amount
        monthly[day.strftime("%Y-%m")] += view.amount
    figures = []
    for title, series in ((text["revenue_week"], weekly), (text["revenue_month"], monthly)):
        keys = sorted(series)
        # Plotly draws numbers; the exact Decimal goes along as the hover text.
        fig = go.Figure(
            go.Bar(
                x=keys,
                y=[float(series[k]) for k in keys],
                hovertext=[f"{series[k]} {deps.currency}" for k in keys],
            )
        )
        fig.update_layout(title=f"{title}, {deps.currency}")
        figures.append(fig)
    return figures


async def _leaderboard(deps: DashboardHttp, text: dict[str, Any]) -> go.Figure:
    rows = await deps.reports.leaderboard(Filters(), deps.currency)
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
                    [r.manager_id for r in rows],
                    [f"{r.won_amount} {deps.currency}" for r in rows],
                    [r.won_count for r in rows],
                    [r.activity_count for r in rows],
                ]
            },
        )
    )
    fig.update_layout(title=text["leaderboard"])
    return fig


async def _aging(deps: DashboardHttp, text: dict[str, Any], now: datetime) -> go.Figure:
    buckets = await deps.reports.overdue(Filters(), now)
    fig = go.Figure(
        go.Bar(
            x=[b.bucket.value for b in buckets],
            y=[float(b.outstanding.get(deps.currency, Decimal(0))) for b in buckets],
            hovertext=[
                f"{b.installments} × {b.outstanding.get(deps.currency, 0)}" for b in buckets
            ],
        )
    )
    fig.update_layout(title=f"{text['aging']}, {deps.currency}")
    return fig


async def _segments(deps: DashboardHttp, text: dict[str, Any], now: datetime) -> go.Figure:
    segments = await deps.reports.segments(Filters(), now)
    counts: dict[str, int] = defaultdict(int)
    for segment in segments.values():
        counts[segment.value] += 1
    names = text["segment_names"]
    fig = go.Figure(go.Pie(labels=[names.get(k, k) for k in counts], values=list(counts.values())))
    fig.update_layout(title=text["segments"])
    return fig


async def _plans(book: PlanBook, text: dict[str, Any], now: datetime) -> go.Figure:
    """This month's plans in the board currency: plan, fact to date and projection per subject."""
    month = local_date(now, book.time_zone).strftime("%Y-%m")
    report = await book.report(month)
    subjects, planned, done, projected = [], [], [], []
    for row in report.subjects:
        money = row.won_revenue.get(book.currency)
        subjects.append(row.subject)
        planned.append(Decimal(money.plan or 0) if money else Decimal(0))
        done.append(Decimal(money.fact) if money else Decimal(0))
        projected.append(money.projected or Decimal(0) if money else Decimal(0))
    fig = go.Figure(
        [
            # Plotly draws numbers; the exact Decimal goes along as the hover text.
            go.Bar(
                name=text[name],
                x=subjects,
                y=[float(v) for v in values],
                hovertext=[f"{v} {book.currency}" for v in values],
            )
            for name, values in (("plan", planned), ("fact", done), ("projected", projected))
        ]
    )
    fig.update_layout(title=f"{text['plans']}, {month}, {book.currency}", barmode="group")
    return fig
