"""The meeting aggregate: scheduled ahead, reminded before, then held, moved or cancelled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from deals.domain.activity import Activity, ActivityFacts, Subject
from deals.domain.refusal import Refused
from shared.contracts.events.activities import ActivitySubject
from shared.contracts.events.base import EventModel
from shared.contracts.events.lead_lifecycle import ActivityKind
from shared.contracts.events.meetings import MeetingReminderDueV1
from shared.kernel.aggregate import Aggregate


class MeetingState(StrEnum):
    """Where a meeting stands."""

    SCHEDULED = "scheduled"
    HELD = "held"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class MeetingPlan:
    """When, where and with whom."""

    title: str
    starts_at: datetime
    ends_at: datetime
    place: str | None = None
    link: str | None = None
    staff_ids: tuple[str, ...] = ()
    client_attendees: tuple[str, ...] = ()


@dataclass(eq=False)
class Meeting(Aggregate[EventModel]):
    """A meeting with a client, reminded `remind_before` its start."""

    id: str
    organizer_id: str
    team: str | None
    deal_id: str | None
    client_id: str | None
    plan: MeetingPlan
    remind_before: timedelta
    created_at: datetime
    state: MeetingState = MeetingState.SCHEDULED
    reminded_for: datetime | None = None
    moves: int = 0
    outcome: str | None = None

    @property
    def aggregate_id(self) -> str:
        """The meeting id: the key of its events."""
        return self.id

    @classmethod
    def schedule(
        cls,
        meeting_id: str,
        plan: MeetingPlan,
        *,
        organizer_id: str,
        team: str | None,
        deal_id: str | None,
        client_id: str | None,
        remind_before: timedelta,
        now: datetime,
    ) -> Meeting:
        """A meeting ahead; it needs a place or a link and must start in the future."""
        _check(plan, now)
        return cls(
            id=meeting_id,
            organizer_id=organizer_id,
            team=team,
            deal_id=deal_id,
            client_id=client_id,
            plan=plan,
            remind_before=remind_before,
            created_at=now,
        )

    @property
    def next_reminder_at(self) -> datetime | None:
        """When the reminder fires: `remind_before` the start, once per start time."""
        if self.state != MeetingState.SCHEDULED or self.reminded_for == self.plan.starts_at:
            return None
        return self.plan.starts_at - self.remind_before

    def fire_due_reminders(self, now: datetime) -> int:
        """Remind of the meeting if its moment has come; return how many reminders fired."""
        due = self.next_reminder_at
        if due is None or due > now:
            return 0
        self.reminded_for = self.plan.starts_at
        self.record(
            MeetingReminderDueV1(
                meeting_id=self.id,
                reminder_id=f"{self.id}:{self.plan.starts_at.isoformat()}",
                title=self.plan.title,
                organizer_id=self.organizer_id,
                staff_ids=list(self.plan.staff_ids),
                starts_at=self.plan.starts_at,
                place=self.plan.place,
                link=self.plan.link,
                deal_id=self.deal_id,
                client_id=self.client_id,
            )
        )
        return 1

    def move(self, plan: MeetingPlan, *, now: datetime, by: str) -> Activity:
        """A new time (or place): logged as an activity; the reminder follows the new time."""
        self._require_scheduled()
        _check(plan, now)
        self.moves += 1
        self.plan = plan
        return self._activity("moved", now, by, suffix=f"moved-{self.moves}")

    def held(self, *, now: datetime, by: str, summary: str | None) -> Activity:
        """The meeting took place: logged as a meeting activity with its length."""
        self._require_scheduled()
        if self.plan.starts_at > now:
            raise Refused("a meeting cannot be held before it starts", problems=("starts_at",))
        self.state, self.outcome = MeetingState.HELD, summary
        return self._activity("held", now, by, suffix="held", summary=summary)

    def cancel(self, *, now: datetime, by: str, reason: str | None) -> Activity:
        """The meeting will not take place: logged as an activity with the reason."""
        self._require_scheduled()
        self.state, self.outcome = MeetingState.CANCELLED, reason
        return self._activity("cancelled", now, by, suffix="cancelled", summary=reason)

    def _require_scheduled(self) -> None:
        if self.state != MeetingState.SCHEDULED:
            raise Refused(f"the meeting is already {self.state.value}")

    def _activity(
        self, outcome: str, now: datetime, by: str, *, suffix: str, summary: str | None = None
    ) -> Activity:
        span = self.plan.ends_at - self.plan.starts_at
        facts = ActivityFacts(
            activity_id=f"{self.id}:{suffix}",
            manager_id=self.organizer_id,
            kind=ActivityKind.MEETING,
            occurred_at=self.plan.starts_at if outcome == "held" else now,
            outcome=outcome,
            duration_seconds=int(span.total_seconds()) if outcome == "held" else None,
            summary=summary,
        )
        kind = ActivitySubject.DEAL if self.deal_id else ActivitySubject.CLIENT
        subject = Subject(kind, self.deal_id, self.client_id)
        return Activity.log(facts, subject, team=self.team, now=now, objection_categories=())


def _check(plan: MeetingPlan, now: datetime) -> None:
    problems = []
    if plan.ends_at <= plan.starts_at:
        problems.append("ends_at: must be after starts_at")
    if plan.starts_at <= now:
        problems.append("starts_at: must be in the future")
    if not plan.place and not plan.link:
        problems.append("place: a place or a link is needed")
    if problems:
        raise Refused("the meeting cannot be scheduled so", problems=tuple(problems))
