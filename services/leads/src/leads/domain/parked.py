"""Activities that arrived before their lead: kept by the person's phone key until it lands.

Telephony may report a call from a number no open lead has yet: the person phoned first and
sends the web form minutes later, or the form is still queued behind other leads. Such a call
waits under the phone's dedupe key (`phone:+7…`) for at most a configured time; when a lead
with that key lands it is logged on the lead like any other activity, else it expires.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from leads.domain.lead_records import Activity


@dataclass(frozen=True, slots=True)
class ParkedActivity:
    """An activity waiting for the lead of `key`, until `expires_at`."""

    key: str
    activity: Activity
    parked_at: datetime
    expires_at: datetime

    @classmethod
    def park(
        cls, key: str, activity: Activity, *, now: datetime, keep: timedelta
    ) -> ParkedActivity:
        """Park `activity` under `key` from `now` for `keep`."""
        return cls(key=key, activity=activity, parked_at=now, expires_at=now + keep)

    @property
    def activity_id(self) -> str:
        """The activity's own id, which is also its parking place: a redelivery parks nothing."""
        return self.activity.activity_id

    def expired(self, now: datetime) -> bool:
        """Its time to wait is over by `now`."""
        return self.expires_at <= now
