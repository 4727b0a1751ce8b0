"""Reports computed at read time from the active projection version's records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reporting.domain import activity as act
from reporting.domain import channels as chan
from reporting.domain import claims as clm
from reporting.domain import funnel as fun
from reporting.domain import receivables as rec
from reporting.domain import sales as sal
from reporting.domain import segments as seg
from reporting.domain.facts import Period
from reporting.domain.segments import SegmentThresholds
from reporting.service_layer.folding import fold_all
from reporting.service_layer.ports import FactLog
from reporting.service_layer.translate import fact_of
from shared.contracts.registry import REGISTRY


@dataclass(frozen=True)
class Filters:
    """What every report may be narrowed by."""

    period: Period | None = None
    as_of: datetime | None = None
    manager_id: str | None = None
    team: str | None = None
    channel: str | None = None
    currency: str | None = None
    client_id: str | None = None


class Reports:
    """One method per report; each loads only the record kinds it needs."""

    def __init__(self, log: FactLog, *, time_zone: str, thresholds: SegmentThresholds) -> None:
        self._log = log
        self.time_zone = time_zone
        self.thresholds = thresholds
        self._folded: dict[str, dict[str, Any]] = {}
        self._folded_from: tuple[int, int] | None = None

    async def records(self, *kinds: str) -> dict[str, dict[str, Any]]:
        """Records folded from the active version's facts; refolded only when facts arrived.

        Folds are commutative, so folding the whole log in any order gives the same records
        as the consumer would have built incrementally.
        """
        version = (await self._log.versions()).active
        count = await self._log.appended(version)
        if self._folded_from != (version, count):
            facts = []
            for logged in await self._log.load(version):
                model = REGISTRY.resolve(logged.type, logged.version)
                fact = fact_of(model.model_validate_json(logged.payload))
                if fact is not None:
                    facts.append(fact)
            self._folded = fold_all(facts)
            self._folded_from = (version, count)
        return {kind: self._folded[kind] for kind in kinds}

    async def funnel(self, f: Filters) -> fun.FunnelReport:
        r = await self.records("leads", "deals")
        state = fun.FunnelState(leads=r["leads"], deals=r["deals"])
        return fun.report_funnel(
            state,
            as_of=f.as_of,
            period=f.period,
            manager_id=f.manager_id,
            team=f.team,
            channel=f.channel,
        )

    async def sales(self, f: Filters) -> sal.SalesReport:
        r = await self.records("deals")
        return sal.report_sales(
            sal.SalesState(deals=r["deals"]),
            as_of=f.as_of,
            period=f.period,
            manager_id=f.manager_id,
            currency=f.currency,
        )

    async def sales_by_manager(self, f: Filters) -> dict[str, sal.SalesReport]:
        r = await self.records("deals")
        return sal.report_sales_by_manager(
            sal.SalesState(deals=r["deals"]), as_of=f.as_of, period=f.period, currency=f.currency
        )

    async def _activity_state(self) -> act.ActivityState:
        r = await self.records("activities", "leads", "deals")
        return act.ActivityState(activities=r["activities"], leads=r["leads"], deals=r["deals"])

    async def activity(self, f: Filters, granularity: act.Granularity) -> dict[str, Any]:
        return act.report_activity(
            await self._activity_state(),
            granularity,
            as_of=f.as_of,
            period=f.period,
            manager_id=f.manager_id,
            time_zone=self.time_zone,
        )

    async def response(self, f: Filters) -> dict[str, act.ResponseStats]:
        return act.report_response(
            await self._activity_state(), as_of=f.as_of, period=f.period, team=f.team
        )

    async def leaderboard(self, f: Filters, currency: str) -> tuple[act.LeaderboardRow, ...]:
        return act.leaderboard(
            await self._activity_state(), currency=currency, as_of=f.as_of, period=f.period
        )

    async def _receivables(self) -> rec.ReceivablesState:
        r = await self.records("invoices", "payments")
        return rec.ReceivablesState(invoices=r["invoices"], payments=r["payments"])

    async def invoiced_vs_paid(self, f: Filters) -> rec.InvoicedVsPaid:
        return rec.report_invoiced_vs_paid(
            await self._receivables(),
            as_of=f.as_of,
            period=f.period,
            manager_id=f.manager_id,
            client_id=f.client_id,
        )

    async def overdue(self, f: Filters, now: datetime) -> tuple[rec.OverdueBucket, ...]:
        return rec.report_overdue(
            await self._receivables(),
            as_of=f.as_of or now,
            time_zone=self.time_zone,
            manager_id=f.manager_id,
            client_id=f.client_id,
        )

    async def discipline(self, f: Filters, now: datetime) -> dict[str, rec.PaymentDiscipline]:
        return rec.report_discipline(
            await self._receivables(), as_of=f.as_of or now, time_zone=self.time_zone
        )

    async def segments_state(self) -> seg.SegmentsState:
        r = await self.records("deals", "claims")
        return seg.SegmentsState(deals=r["deals"], claims=r["claims"])

    async def segments(self, f: Filters, now: datetime) -> dict[str, seg.Segment]:
        return seg.client_segments(
            await self.segments_state(),
            as_of=f.as_of or now,
            thresholds=self.thresholds,
            time_zone=self.time_zone,
        )

    async def retention(self, f: Filters) -> seg.Retention:
        if f.period is None or f.period.start is None or f.period.end is None:
            raise ValueError("retention needs a bounded period (from and to)")
        return seg.report_retention(await self.segments_state(), f.period, as_of=f.as_of)

    async def churn(self, f: Filters) -> dict[str, seg.ChurnReasons]:
        return seg.report_churn_reasons(await self.segments_state(), as_of=f.as_of, period=f.period)

    async def channels(self, f: Filters) -> dict[str, chan.ChannelFigures]:
        r = await self.records("leads", "deals")
        return chan.report_channels(
            fun.FunnelState(leads=r["leads"], deals=r["deals"]), as_of=f.as_of, period=f.period
        )

    async def claims(self, f: Filters) -> dict[str, int]:
        r = await self.records("claims")
        return clm.report_claims(
            clm.ClaimsState(claims=r["claims"]),
            as_of=f.as_of,
            period=f.period,
            client_id=f.client_id,
        )
