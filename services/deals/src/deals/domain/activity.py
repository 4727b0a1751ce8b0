"""An activity on a deal or a client: a call, e-mail, message, meeting, note or objection."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from deals.domain.refusal import Refused
from shared.contracts.events.activities import ActivitySubject, DealActivityLoggedV1
from shared.contracts.events.base import EventModel
from shared.contracts.events.lead_lifecycle import ActivityDirection, ActivityKind
from shared.kernel.aggregate import Aggregate

DEFAULT_OBJECTION_CATEGORIES = ("price", "timing", "competitor", "no_need", "authority", "trust")
"""Why a client says no, as the seed documents group objections; configurable."""


@dataclass(frozen=True)
class ActivityFacts:
    """What was done, as a person or telephony reported it."""

    activity_id: str
    manager_id: str
    kind: ActivityKind
    occurred_at: datetime
    direction: ActivityDirection = ActivityDirection.OUTBOUND
    outcome: str | None = None
    duration_seconds: int | None = None
    recording_url: str | None = None
    objection_category: str | None = None
    summary: str | None = None


@dataclass(frozen=True)
class Subject:
    """The record an activity is on: a deal (with its client) or a client alone."""

    kind: ActivitySubject
    deal_id: str | None
    client_id: str | None


@dataclass(eq=False)
class Activity(Aggregate[EventModel]):
    """One logged activity; stored once per id, whoever reports it again."""

    facts: ActivityFacts
    subject: Subject
    team: str | None
    logged_at: datetime

    @property
    def aggregate_id(self) -> str:
        """The activity id: the key of its event."""
        return self.facts.activity_id

    @classmethod
    def log(
        cls,
        facts: ActivityFacts,
        subject: Subject,
        *,
        team: str | None,
        now: datetime,
        objection_categories: Collection[str],
    ) -> Activity:
        """Record an activity; an objection needs a category from the configured list."""
        _check(facts, objection_categories)
        activity = cls(facts=facts, subject=subject, team=team, logged_at=now)
        activity.record(
            DealActivityLoggedV1(
                activity_id=facts.activity_id,
                subject=subject.kind,
                deal_id=subject.deal_id,
                client_id=subject.client_id,
                manager_id=facts.manager_id,
                team=team,
                kind=facts.kind,
                direction=facts.direction,
                outcome=facts.outcome,
                duration_seconds=facts.duration_seconds,
                objection_category=facts.objection_category,
                occurred_at=facts.occurred_at,
            )
        )
        return activity


def _check(facts: ActivityFacts, categories: Collection[str]) -> None:
    category = facts.objection_category
    if facts.kind == ActivityKind.OBJECTION:
        if category is None:
            raise Refused("an objection needs its category", missing=("objection_category",))
        if category not in categories:
            raise Refused(
                "unknown objection category",
                problems=(f"objection_category: not one of {', '.join(sorted(categories))}",),
            )
    elif category is not None:
        raise Refused(
            "only an objection has a category",
            problems=("objection_category: only for kind objection",),
        )
