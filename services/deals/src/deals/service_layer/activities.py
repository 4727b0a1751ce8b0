"""Activity use cases: log on a deal or a client, by HTTP or from telephony and mail."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Any, Protocol

from deals.domain.activity import Activity, ActivityFacts, Subject
from deals.domain.contact_keys import email_key, phone_key
from deals.domain.deal_terms import DealTerms
from deals.domain.refusal import Refused
from deals.service_layer.errors import Invalid, NotFound
from deals.service_layer.task_ports import Staff
from shared.contracts.events.activities import ActivityLoggedV1, ActivitySubject
from shared.platform.clock import Clock
from shared.platform.errors import RetryLater
from shared.platform.logging import get_logger

Record = dict[str, Any]

log = get_logger(__name__)


class NoRecordMatches(ValueError):
    """Telephony named no deal or client, and gave no phone or e-mail to find one by."""


class ActivityPark(Protocol):
    """Activities waiting for a client with their phone or e-mail."""

    async def park(
        self, activity_id: str, event: dict[str, Any], keys: list[str], *, until: datetime
    ) -> None:
        """Keep an activity until `until` (once per id)."""

    async def claim(self, keys: list[str]) -> list[dict[str, Any]]:
        """Take the activities parked under any of these keys."""

    async def expire(self, now: datetime) -> list[str]:
        """Drop what waited too long; the ids dropped."""


class ActivityStore(Protocol):
    """Activities by id and the timeline of a record."""

    async def add(self, aggregate: Activity, *, causation_id: str | None = None) -> bool:
        """Store a new activity; False when one with its id exists."""

    async def timeline(self, field: str, record_id: str, *, limit: int) -> list[Record]:
        """The newest activities on one deal or client."""


class DealLookup(Protocol):
    """Who a deal belongs to."""

    async def terms(self, deal_id: str) -> DealTerms | None:
        """The deal's client and manager, or None."""


class ClientLookup(Protocol):
    """Clients by id and by a phone or e-mail key."""

    async def exists(self, client_id: str) -> bool:
        """Whether the client is stored."""

    async def by_contact_key(self, key: str) -> str | None:
        """The client with this phone or e-mail key, if any."""


class ActivityLog:
    """Calls, e-mails, messages, meetings, notes and objections after the first contact."""

    def __init__(
        self,
        activities: ActivityStore,
        *,
        deals: DealLookup,
        clients: ClientLookup,
        staff: Staff,
        clock: Clock,
        objection_categories: Collection[str],
        park: ActivityPark,
        park_for: timedelta,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self._activities = activities
        self._deals = deals
        self._clients = clients
        self._staff = staff
        self._clock = clock
        self._categories = frozenset(objection_categories)
        self._park = park
        self._park_for = park_for
        self._wake = wake

    async def on_deal(self, deal_id: str, facts: ActivityFacts) -> Activity:
        """Log an activity on a deal (and so on its client); NotFound for an unknown deal."""
        terms = await self._deals.terms(deal_id)
        if terms is None:
            raise NotFound("deal")
        return await self._log(facts, Subject(ActivitySubject.DEAL, deal_id, terms.client_id))

    async def on_client(self, client_id: str, facts: ActivityFacts) -> Activity:
        """Log an activity on a client; NotFound for an unknown client."""
        if not await self._clients.exists(client_id):
            raise NotFound("client")
        return await self._log(facts, Subject(ActivitySubject.CLIENT, None, client_id))

    async def timeline(self, field: str, record_id: str, *, limit: int = 100) -> list[Record]:
        """The newest activities on a deal or a client."""
        return await self._activities.timeline(field, record_id, limit=limit)

    async def from_telephony(
        self, event: ActivityLoggedV1, *, causation_id: str
    ) -> Activity | None:
        """An activity from telephony or mail, on the record it names or whose contact it is.

        A named deal or client not stored yet is waited for (it is on its way). One by phone
        or e-mail that no client holds yet is parked until a client with it is added or
        edited (`DEALS_PARKED_ACTIVITY_DAYS`); with neither, it is refused with the reason.
        """
        facts = _facts(event)
        if event.deal_id is not None:
            terms = await self._deals.terms(event.deal_id)
            if terms is None:
                raise RetryLater("the deal of this activity has not arrived yet")
            subject = Subject(ActivitySubject.DEAL, event.deal_id, terms.client_id)
        elif event.client_id is not None:
            if not await self._clients.exists(event.client_id):
                raise RetryLater("the client of this activity has not arrived yet")
            subject = Subject(ActivitySubject.CLIENT, None, event.client_id)
        else:
            keys = [
                k for k in (phone_key(event.contact_phone), email_key(event.contact_email)) if k
            ]
            if not keys:
                raise NoRecordMatches("no deal or client id, and no usable phone or e-mail")
            client_id = await self._client_by_contact(keys)
            if client_id is None:
                until = self._clock.now() + self._park_for
                await self._park.park(
                    event.activity_id, event.model_dump(mode="json"), keys, until=until
                )
                log.info("activity parked until its client is known", activity_id=event.activity_id)
                return None
            subject = Subject(ActivitySubject.CLIENT, None, client_id)
        return await self._log(facts, subject, causation_id=causation_id)

    async def land_parked(self, client_id: str, keys: list[str]) -> int:
        """A client now holds these phones and e-mails: what waited for them lands on it."""
        landed = 0
        for stored in await self._park.claim(keys):
            event = ActivityLoggedV1.model_validate(stored)
            await self._log(_facts(event), Subject(ActivitySubject.CLIENT, None, client_id))
            landed += 1
        return landed

    async def expire_parked(self) -> int:
        """Drop parked activities that waited too long, each logged by its id."""
        gone = await self._park.expire(self._clock.now())
        for activity_id in gone:
            log.info(
                "parked activity expired: no client holds its phone or e-mail",
                activity_id=activity_id,
            )
        return len(gone)

    async def _client_by_contact(self, keys: list[str]) -> str | None:
        for key in keys:
            if (client_id := await self._clients.by_contact_key(key)) is not None:
                return client_id
        return None

    async def _log(
        self, facts: ActivityFacts, subject: Subject, *, causation_id: str | None = None
    ) -> Activity:
        team = await self._staff.team_of(facts.manager_id)
        try:
            activity = Activity.log(
                facts,
                subject,
                team=team,
                now=self._clock.now(),
                objection_categories=self._categories,
            )
        except Refused as exc:
            raise Invalid(exc.problems or tuple(f"{f}: required" for f in exc.missing)) from exc
        if await self._activities.add(activity, causation_id=causation_id):
            self._wake()
        return activity


def _facts(event: ActivityLoggedV1) -> ActivityFacts:
    return ActivityFacts(
        activity_id=event.activity_id,
        manager_id=event.manager_id,
        kind=event.kind,
        occurred_at=event.occurred_at,
        direction=event.direction,
        outcome=event.outcome,
        duration_seconds=event.duration_seconds,
        recording_url=None if event.recording_url is None else str(event.recording_url),
        objection_category=event.objection_category,
        summary=event.summary,
    )
