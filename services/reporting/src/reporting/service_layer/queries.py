"""Reports computed at read time from the records of the active projection version they select."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reporting.domain import activity as act
from reporting.domain import channels as chan
from reporting.domain import claims as clm
from reporting.domain import forecast as fct
from reporting.domain import funnel as fun
from reporting.domain import plans as pln
from reporting.domain import products as prd
from reporting.domain import receivables as rec
from reporting.domain import sales as sal
from reporting.domain import segments as seg
from reporting.domain import stages as stg
from reporting.domain.facts import Period
from reporting.domain.read_models import (
    Selection,
    by_ids,
    closed_since,
    closing_in,
    deals_of_leads,
    in_time,
    lead_ids_of_deals,
    one_dimension,
    open_deals,
)
from reporting.domain.segments import SegmentThresholds
from reporting.service_layer.ports import FactLog, ReadModels


@dataclass(frozen=True)
class Filters:
    """What a report may be narrowed by; each report applies the ones its route declares."""

    period: Period | None = None
    as_of: datetime | None = None
    manager_id: str | None = None
    team: str | None = None
    channel: str | None = None
    currency: str | None = None
    client_id: str | None = None


class Reports:
    """One method per report; each reads only the records its filters may count.

    The selections hold at least what the report counts (`domain.read_models`); the domain's
    report functions then apply the exact filters, so a report reads records in proportion
    to what it covers, never the whole history unless asked for all of it.
    """

    def __init__(
        self,
        log: FactLog,
        records: ReadModels,
        *,
        time_zone: str,
        thresholds: SegmentThresholds,
    ) -> None:
        self._log = log
        self._records = records
        self.time_zone = time_zone
        self.thresholds = thresholds

    async def _version(self) -> int:
        return (await self._log.versions()).active

    async def _read(self, version: int, *selections: Selection) -> dict[str, Any]:
        return await self._records.select(version, selections)

    async def _leads_and_their_deals(self, selection: Selection) -> fun.FunnelState:
        version = await self._version()
        leads = await self._read(version, selection)
        unfiltered = selection == Selection("leads")
        deals = await self._read(
            version, Selection("deals") if unfiltered else deals_of_leads(leads)
        )
        return fun.FunnelState(leads=leads, deals=deals)

    async def funnel(self, f: Filters) -> fun.FunnelReport:
        dimension = one_dimension(managers=f.manager_id)
        selection = in_time("leads", "at", f.period, f.as_of, equals=dimension)
        return fun.report_funnel(
            await self._leads_and_their_deals(selection),
            as_of=f.as_of,
            period=f.period,
            manager_id=f.manager_id,
            team=f.team,
            channel=f.channel,
        )

    def _sales_deals(self, f: Filters, manager_id: str | None) -> list[Selection]:
        if manager_id is not None:
            return [Selection("deals", equals=("managers", manager_id))]
        if f.as_of is None and f.period is not None and f.period.start is not None:
            return [closed_since(f.period), open_deals()]  # closed in it, or open now
        return [Selection("deals")]

    async def _sales_state(
        self, f: Filters
    ) -> tuple[sal.SalesState, dict[str, sal.LeadOrigin] | None]:
        """The deals the sales figures may count, and their leads' origins when filtered by.

        Client, team and channel are not indexed on deals: they are applied among the deals
        the period (or the manager) selects; team and channel read those deals' leads.
        """
        version = await self._version()
        deals = await self._read(version, *self._sales_deals(f, f.manager_id))
        if f.team is None and f.channel is None:
            return sal.SalesState(deals=deals), None
        lead_ids = lead_ids_of_deals(deals)
        leads = await self._read(version, by_ids("leads", lead_ids)) if lead_ids else {}
        return sal.SalesState(deals=deals), fun.lead_origins(leads)

    async def sales(self, f: Filters) -> sal.SalesReport:
        state, origins = await self._sales_state(f)
        return sal.report_sales(state, **_sales_filters(f), origins=origins)

    async def sales_by_manager(self, f: Filters) -> dict[str, sal.SalesReport]:
        state, origins = await self._sales_state(f)
        return sal.report_sales_by_manager(state, **_sales_filters(f), origins=origins)

    async def plan_facts(self, period: Period) -> dict[str, pln.Achieved]:
        """What each manager did in the period so far: the measures plans are set on.

        Won deals come from the deals that may have closed in it (the sales report's
        selection); new clients from every deal of the clients who bought in it (by the
        deals' `clients` key), so a client who bought before is not new; calls and meetings
        from the period's activities. The cost follows the period, not the whole history.
        """
        version = await self._version()
        closed = await self._read(version, closed_since(period))
        sold = sal.report_sales_by_manager(sal.SalesState(deals=closed), period=period)
        buyers = pln.buyers_in(closed, period)
        history = (
            await self._read(version, Selection("deals", one_of=("clients", tuple(sorted(buyers)))))
            if buyers
            else {}
        )
        new_clients = pln.new_clients_by_manager(history, period)
        activities = act.report_activity(
            act.ActivityState(
                activities=await self._activities(version, Filters(period=period), "activities"),
                tasks={},
                leads={},
                deals={},
            ),
            period=period,
            time_zone=self.time_zone,
        )
        managers = sorted(set(sold) | set(new_clients) | set(activities))
        facts: dict[str, pln.Achieved] = {}
        for manager in managers:
            days = activities.get(manager, {}).values()
            won = sold.get(manager)
            facts[manager] = pln.Achieved(
                won_revenue=dict(won.won_sum) if won else {},
                deals_won=won.won_count if won else 0,
                new_clients=new_clients.get(manager, 0),
                calls=sum(day.calls for day in days),
                meetings=sum(day.meetings for day in days),
            )
        return facts

    async def forecast(self, f: Filters) -> fct.ForecastReport:
        """Open deals expected to close in the period, read by their expected close date."""
        deals = await self._read(await self._version(), closing_in(f.period))
        return fct.report_forecast(
            deals, period=f.period, manager_id=f.manager_id, currency=f.currency
        )

    async def stages(self, f: Filters) -> tuple[stg.StageFigures, ...]:
        """Stage analytics of the deals changed since the period began (`last` key)."""
        deals = await self._read(await self._version(), closed_since(f.period))
        return stg.report_stages(deals, period=f.period, manager_id=f.manager_id)

    async def products(self, f: Filters) -> tuple[prd.ProductDemand, ...]:
        """Demand by product over the deals that may have been won in the period."""
        deals = await self._read(await self._version(), closed_since(f.period))
        return prd.report_products(deals, period=f.period)

    async def cross_sell(self, f: Filters) -> tuple[prd.ProductPair, ...]:
        """Products won together, over the deals that may have been won in the period."""
        deals = await self._read(await self._version(), closed_since(f.period))
        return prd.report_cross_sell(deals, period=f.period)

    async def won_deals(self, f: Filters) -> list[sal.DealView]:
        """Deals won in the period that the sales filters keep (the dashboard's revenue)."""
        state, origins = await self._sales_state(f)
        return sal.won_deals(state, **_sales_filters(f), origins=origins)

    async def _activities(self, version: int, f: Filters, kind: str) -> dict[str, Any]:
        """Activities or task entries of the period (of one manager, when asked)."""
        dimension = one_dimension(managers=f.manager_id)
        return await self._read(version, in_time(kind, "at", f.period, f.as_of, equals=dimension))

    async def activity(self, f: Filters, granularity: act.Granularity) -> dict[str, Any]:
        version = await self._version()
        activities = await self._activities(version, f, "activities")
        tasks = await self._activities(version, f, "tasks")
        return act.report_activity(
            act.ActivityState(activities=activities, tasks=tasks, leads={}, deals={}),
            granularity,
            as_of=f.as_of,
            period=f.period,
            manager_id=f.manager_id,
            time_zone=self.time_zone,
        )

    async def objections(self, f: Filters) -> dict[str, dict[str, int]]:
        activities = await self._activities(await self._version(), f, "activities")
        return act.report_objections(
            act.ActivityState(activities=activities, tasks={}, leads={}, deals={}),
            as_of=f.as_of,
            period=f.period,
            manager_id=f.manager_id,
        )

    async def response(self, f: Filters) -> dict[str, act.ResponseStats]:
        # A lead's `managers` key holds everyone who owned it: every lead of a manager's row.
        dimension = one_dimension(managers=f.manager_id)
        selection = in_time("leads", "at", f.period, f.as_of, equals=dimension)
        leads = await self._read(await self._version(), selection)
        return act.report_response(
            act.ActivityState(activities={}, tasks={}, leads=leads, deals={}),
            as_of=f.as_of,
            period=f.period,
            team=f.team,
            channel=f.channel,
            manager_id=f.manager_id,
        )

    async def leaderboard(self, f: Filters, currency: str) -> tuple[act.LeaderboardRow, ...]:
        version = await self._version()
        deals = await self._read(version, closed_since(f.period))
        activities = await self._read(version, in_time("activities", "at", f.period, f.as_of))
        return act.leaderboard(
            act.ActivityState(activities=activities, tasks={}, leads={}, deals=deals),
            currency=currency,
            as_of=f.as_of,
            period=f.period,
            manager_id=f.manager_id,
        )

    async def _receivables(self, f: Filters, as_of: datetime | None) -> rec.ReceivablesState:
        version = await self._version()
        dimension = one_dimension(client=f.client_id, managers=f.manager_id)
        invoices = await self._read(
            version, in_time("invoices", "at", None, as_of, equals=dimension)
        )
        if f.client_id is None and f.manager_id is not None:
            payments = await self._read(
                version, Selection("payments", one_of=("invoice", tuple(sorted(invoices))))
            )
        else:
            client = one_dimension(client=f.client_id)
            payments = await self._read(
                version, in_time("payments", "at", None, as_of, equals=client)
            )
        return rec.ReceivablesState(invoices=invoices, payments=payments)

    async def invoiced_vs_paid(self, f: Filters) -> rec.InvoicedVsPaid:
        return rec.report_invoiced_vs_paid(
            await self._receivables(f, f.as_of),
            as_of=f.as_of,
            period=f.period,
            manager_id=f.manager_id,
            client_id=f.client_id,
            currency=f.currency,
        )

    async def overdue(self, f: Filters, now: datetime) -> tuple[rec.OverdueBucket, ...]:
        return rec.report_overdue(
            await self._receivables(f, f.as_of or now),
            as_of=f.as_of or now,
            time_zone=self.time_zone,
            manager_id=f.manager_id,
            client_id=f.client_id,
            currency=f.currency,
        )

    async def discipline(self, f: Filters, now: datetime) -> dict[str, rec.PaymentDiscipline]:
        selected = Filters(manager_id=f.manager_id, client_id=f.client_id)
        return rec.report_discipline(
            await self._receivables(selected, f.as_of or now),
            as_of=f.as_of or now,
            time_zone=self.time_zone,
            manager_id=f.manager_id,
            client_id=f.client_id,
        )

    async def segments_state(self) -> seg.SegmentsState:
        version = await self._version()
        deals = await self._read(version, Selection("deals"))
        claims = await self._read(version, Selection("claims"))
        return seg.SegmentsState(deals=deals, claims=claims)

    async def segments(self, f: Filters, now: datetime) -> dict[str, seg.Segment]:
        return seg.client_segments(
            await self.segments_state(),
            as_of=f.as_of or now,
            thresholds=self.thresholds,
            time_zone=self.time_zone,
            manager_id=f.manager_id,
            client_id=f.client_id,
        )

    async def retention(self, f: Filters) -> seg.Retention:
        if f.period is None or f.period.start is None or f.period.end is None:
            raise ValueError("retention needs a bounded period (from and to)")
        return seg.report_retention(await self.segments_state(), f.period, as_of=f.as_of)

    async def churn(self, f: Filters) -> dict[str, seg.ChurnReasons]:
        return seg.report_churn_reasons(
            await self.segments_state(),
            as_of=f.as_of,
            period=f.period,
            clients=None if f.client_id is None else {f.client_id},
        )

    async def channels(self, f: Filters) -> dict[str, chan.ChannelFigures]:
        version = await self._version()
        deals = await self._read(version, closed_since(f.period))
        arrived = in_time("leads", "at", f.period, f.as_of)
        if arrived == Selection("leads"):
            leads = await self._read(version, arrived)
        else:
            converted = in_time("leads", "conv", f.period, f.as_of)
            of_deals = by_ids("leads", lead_ids_of_deals(deals))
            leads = await self._read(version, arrived, converted, of_deals)
        return chan.report_channels(
            fun.FunnelState(leads=leads, deals=deals),
            as_of=f.as_of,
            period=f.period,
            channel=f.channel,
        )

    async def claims(self, f: Filters) -> dict[str, int]:
        selection = in_time(
            "claims", "at", f.period, f.as_of, equals=one_dimension(client=f.client_id)
        )
        claims = await self._read(await self._version(), selection)
        return clm.report_claims(
            clm.ClaimsState(claims=claims),
            as_of=f.as_of,
            period=f.period,
            client_id=f.client_id,
        )


def _sales_filters(f: Filters) -> dict[str, Any]:
    """The filters every sales-based report applies, as its keyword arguments."""
    return {
        "as_of": f.as_of,
        "period": f.period,
        "manager_id": f.manager_id,
        "currency": f.currency,
        "client_id": f.client_id,
        "team": f.team,
        "channel": f.channel,
    }
