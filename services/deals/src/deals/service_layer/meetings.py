"""Meeting use cases: schedule ahead, move, hold or cancel; each outcome is an activity."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Protocol, TypeVar

from deals.domain.activity import Activity
from deals.domain.meeting import Meeting, MeetingPlan
from deals.domain.refusal import Refused
from deals.service_layer.activities import ActivityStore, ClientLookup, DealLookup
from deals.service_layer.errors import Invalid, NotFound
from deals.service_layer.task_ports import Staff
from shared.platform.clock import Clock

R = TypeVar("R")


class MeetingRepository(Protocol):
    """Meetings by id."""

    async def add(self, aggregate: Meeting, *, causation_id: str | None = None) -> bool:
        """Store a new meeting."""

    async def update(
        self,
        aggregate_id: str,
        change: Callable[[Meeting], R],
        *,
        causation_id: str | None = None,
        attempts: int = 5,
    ) -> tuple[Meeting, R] | None:
        """Load, change and save; None if it is gone."""


class MeetingBook:
    """Meetings with clients, on a deal or on a client."""

    def __init__(
        self,
        meetings: MeetingRepository,
        activities: ActivityStore,
        *,
        deals: DealLookup,
        clients: ClientLookup,
        staff: Staff,
        clock: Clock,
        remind_before: timedelta,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self._meetings = meetings
        self._activities = activities
        self._deals = deals
        self._clients = clients
        self._staff = staff
        self._clock = clock
        self._remind_before = remind_before
        self._wake = wake

    async def schedule(
        self,
        plan: MeetingPlan,
        *,
        organizer_id: str,
        deal_id: str | None,
        client_id: str | None,
    ) -> Meeting:
        """Schedule a meeting on a deal (its client follows) or on a client."""
        if deal_id is not None:
            terms = await self._deals.terms(deal_id)
            if terms is None:
                raise NotFound("deal")
            client_id = terms.client_id
        elif client_id is None or not await self._clients.exists(client_id):
            raise NotFound("client")
        try:
            meeting = Meeting.schedule(
                f"meeting-{uuid.uuid4().hex[:20]}",
                plan,
                organizer_id=organizer_id,
                team=await self._staff.team_of(organizer_id),
                deal_id=deal_id,
                client_id=client_id,
                remind_before=self._remind_before,
                now=self._clock.now(),
            )
        except Refused as exc:
            raise Invalid(exc.problems) from exc
        await self._meetings.add(meeting)
        return meeting

    async def move(self, meeting_id: str, plan: MeetingPlan, *, by: str) -> Meeting:
        """A new time or place; the reminder follows."""
        now = self._clock.now()
        return await self._change(meeting_id, lambda m: m.move(plan, now=now, by=by))

    async def held(self, meeting_id: str, *, by: str, summary: str | None) -> Meeting:
        """The meeting took place."""
        now = self._clock.now()
        return await self._change(meeting_id, lambda m: m.held(now=now, by=by, summary=summary))

    async def cancel(self, meeting_id: str, *, by: str, reason: str | None) -> Meeting:
        """The meeting will not take place."""
        now = self._clock.now()
        return await self._change(meeting_id, lambda m: m.cancel(now=now, by=by, reason=reason))

    async def _change(self, meeting_id: str, change: Callable[[Meeting], Activity]) -> Meeting:
        try:
            changed = await self._meetings.update(meeting_id, change)
        except Refused as exc:
            if exc.problems and exc.problems[0].startswith(("starts_at:", "ends_at:", "place:")):
                raise Invalid(exc.problems) from exc
            raise
        if changed is None:
            raise NotFound("meeting")
        meeting, activity = changed
        # The outcome's activity has an id of the meeting's own: stored once however retried.
        await self._activities.add(activity)
        self._wake()
        return meeting
