"""External activities that arrived before their lead: parked, logged when the lead lands.

A call from a number no open lead has (the person phoned, then sent the web form; or the
form still waits in `lead.received`) is parked under the phone's key for `keep`
(`LEADS_PARKED_ACTIVITY_DAYS`). Intake asks the park once per batch for the phone keys of the
leads it stored or merged into, logs what it finds on them exactly as an activity posted over
HTTP (so `lead.activity_logged`, and `lead.contacted` when it counts, go out as usual) and
unparks it. Whether a parked call is the first contact is the lead's own rule: one made
before the request was received answers nothing (`counts_as_contact`).

The park and a landing lead may cross: telephony looks for the lead, finds none, and parks;
meanwhile intake stores the lead and asks the park before the activity is in it. So after
parking, telephony looks for the lead again. Each side writes (park, store) before it reads
the other's record (lead, park), so at least one of them sees the other and logs the
activity; both may, and logging the same activity id twice records it once.

An activity still parked at `expires_at` is removed by `expire_due`, which bootstrap runs every
`LEADS_PARKED_SWEEP_SECONDS`; each removal is logged with the activity's id (never the phone).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from leads.domain.dedupe import phone_keys
from leads.domain.lead import Lead
from leads.domain.lead_records import Activity
from leads.domain.lifecycle import LifecycleError
from leads.domain.parked import ParkedActivity
from leads.service_layer.commands import LeadCommands, LeadNotFound
from leads.service_layer.contact_book import ContactBook
from leads.service_layer.ports import ParkedActivities
from shared.platform.clock import Clock
from shared.platform.logging import get_logger

log = get_logger(__name__)

EXPIRY_BATCH = 100
"""Expired activities read per query of the expiry pass."""


class ActivityParking:
    """Parks activities by contact key, hands them to the leads that land, expires the rest."""

    def __init__(
        self,
        park: ParkedActivities,
        commands: LeadCommands,
        book: ContactBook,
        *,
        clock: Clock,
        keep: timedelta,
    ) -> None:
        self._park = park
        self._commands = commands
        self._book = book
        self._clock = clock
        self._keep = keep

    async def park(self, key: str, activity: Activity) -> None:
        """Keep an activity that matched no open lead, unless that lead has landed meanwhile."""
        parked = ParkedActivity.park(key, activity, now=self._clock.now(), keep=self._keep)
        if await self._park.park(parked):
            log.info(
                "activity matches no open lead; parked",
                activity_id=activity.activity_id,
                expires_at=parked.expires_at.isoformat(),
            )
        # Look again now that the activity is in the park: see the module's docstring.
        lead = await self._book.open_lead_of(key)
        if lead is not None:
            await self._deliver(lead.id, parked)

    async def deliver(self, leads: Sequence[Lead]) -> int:
        """Log on each open lead what is parked under its phone keys; how many were logged.

        One query for all the leads, none when they have no phone.
        """
        owners: dict[str, Lead] = {}
        for lead in sorted(leads, key=lambda lead: (lead.last_inbound_at, lead.id)):
            if not lead.closed:
                # A key shared by two leads goes to the most recently active one, as it does
                # in `contact_keys`.
                owners.update(dict.fromkeys(phone_keys(lead.dedupe_keys), lead))
        if not owners:
            return 0
        waiting = await self._park.waiting(sorted(owners))
        logged = 0
        for parked in sorted(waiting, key=lambda p: (p.activity.occurred_at, p.activity_id)):
            logged += await self._deliver(owners[parked.key].id, parked)
        return logged

    async def _deliver(self, lead_id: str, parked: ParkedActivity) -> bool:
        try:
            await self._commands.log_activity(lead_id, parked.activity)
        except (LifecycleError, LeadNotFound):
            # Closed (or gone) since it was found: the activity waits for the person's next
            # lead, or expires with a log line.
            log.warning(
                "parked activity not logged: its lead is closed or gone; kept parked",
                activity_id=parked.activity_id,
                lead_id=lead_id,
            )
            return False
        await self._park.remove(parked.activity_id)
        log.info(
            "parked activity logged on its lead", activity_id=parked.activity_id, lead_id=lead_id
        )
        return True

    async def expire_due(self) -> int:
        """Remove every activity whose wait ended by now; how many this pass removed."""
        now = self._clock.now()
        removed = 0
        while True:
            expired = await self._park.expired(now, EXPIRY_BATCH)
            gone = 0
            for activity_id in expired:
                if await self._park.remove_expired(activity_id, now):
                    gone += 1
                    log.warning(
                        "parked activity expired before its lead arrived; removed",
                        activity_id=activity_id,
                    )
            removed += gone
            if len(expired) < EXPIRY_BATCH or gone == 0:
                return removed
