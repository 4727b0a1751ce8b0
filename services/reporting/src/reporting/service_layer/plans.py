"""Setting plans and reading them against the facts: the use cases behind `/v1/plans`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reporting.domain.plans import (
    Achieved,
    PlanPeriod,
    PlanVersion,
    PlanVsFact,
    Standing,
    Subject,
    Targets,
    plan_vs_fact,
    standings,
    summed,
    today_in,
)
from reporting.service_layer.ports import PlanStore, TeamMembers
from reporting.service_layer.queries import Reports
from shared.platform.clock import Clock


class ClosedPeriod(ValueError):
    """The period is over: its plan changes only as an explicit correction."""


@dataclass(frozen=True, slots=True)
class PlanReport:
    """Every plan of a period against the facts so far, and the managers' standings."""

    period: str
    start: date
    end: date
    time_zone: str
    today: date
    days: int
    elapsed_days: int
    subjects: tuple[PlanVsFact, ...]
    leaderboard: tuple[Standing, ...]


class PlanBook:
    """Plans per period and subject, versioned, and the plan-vs-fact report."""

    def __init__(
        self,
        plans: PlanStore,
        reports: Reports,
        teams: TeamMembers,
        *,
        clock: Clock,
        currency: str,
    ) -> None:
        self._plans = plans
        self._reports = reports
        self._teams = teams
        self._clock = clock
        self.currency = currency

    @property
    def time_zone(self) -> str:
        """The zone periods and days are read in."""
        return self._reports.time_zone

    def today(self) -> date:
        """The local day now."""
        return today_in(self._clock.now(), self.time_zone)

    async def set(
        self, period: str, subject: str, targets: Targets, *, set_by: str, correction: bool
    ) -> list[PlanVersion]:
        """Store a new version of the plan; the versions before it stay.

        Raises ClosedPeriod for a period already over unless `correction` is asked for; a
        version stored so is marked a correction.
        """
        planned = PlanPeriod.parse(period)
        whose = Subject.parse(subject)
        closed = planned.closed(self.today())
        if closed and not correction:
            raise ClosedPeriod(
                f"{planned.label} ended on {planned.end}: send correction: true to change its plan"
            )
        version = PlanVersion(0, targets, self._clock.now(), set_by, correction=closed)
        await self._plans.add(planned.label, str(whose), version)
        return await self._plans.history(planned.label, str(whose))

    async def history(self, period: str, subject: str) -> list[PlanVersion]:
        """Every version of the plan, oldest first."""
        planned, whose = PlanPeriod.parse(period), Subject.parse(subject)
        return await self._plans.history(planned.label, str(whose))

    async def report(self, period: str) -> PlanReport:
        """Each plan of the period (its newest version) against the facts to date."""
        planned = PlanPeriod.parse(period)
        today = self.today()
        elapsed = planned.elapsed_days(today)
        facts = await self._reports.plan_facts(planned.local(self.time_zone))
        rows = []
        for subject, versions in (await self._plans.of_period(planned.label)).items():
            if not versions:
                continue
            achieved = await self._achieved(Subject.parse(subject), facts)
            current = versions[-1]
            rows.append(
                plan_vs_fact(
                    subject,
                    current.version,
                    current.targets,
                    achieved,
                    elapsed=elapsed,
                    days=planned.days,
                )
            )
        return PlanReport(
            period=planned.label,
            start=planned.start,
            end=planned.end,
            time_zone=self.time_zone,
            today=today,
            days=planned.days,
            elapsed_days=elapsed,
            subjects=tuple(rows),
            leaderboard=standings(rows, self.currency),
        )

    async def _achieved(self, subject: Subject, facts: dict[str, Achieved]) -> Achieved:
        if subject.kind == "manager":
            return facts.get(subject.id, Achieved())
        members = await self._teams.members(subject.id)
        return summed(facts[m] for m in sorted(members) if m in facts)
