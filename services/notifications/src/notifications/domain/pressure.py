"""Contact-pressure policy: opt-outs, quiet hours and daily/weekly caps per recipient."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from notifications.domain.model import RecipientKind
from shared.kernel.zones import require_aware, zone

WEEK = timedelta(days=7)


class PressureAction(StrEnum):
    """What to do with a notification now."""

    SEND = "send"
    DEFER = "defer"
    SUPPRESS = "suppress"


class PressureReason(StrEnum):
    """Why: recorded on the delivery so a suppressed reminder can be explained later."""

    ALLOWED = "allowed"
    URGENT = "urgent"
    OPTED_OUT = "opted_out"
    QUIET_HOURS = "quiet_hours"
    DAILY_CAP = "daily_cap"
    WEEKLY_CAP = "weekly_cap"


@dataclass(frozen=True, slots=True)
class PressureDecision:
    """Send now, defer until `not_before` (UTC), or suppress for good."""

    action: PressureAction
    reason: PressureReason
    not_before: datetime | None = None

    def __post_init__(self) -> None:
        if (self.not_before is not None) != (self.action is PressureAction.DEFER):
            raise ValueError("not_before is set exactly when the decision is to defer")


@dataclass(frozen=True, slots=True)
class PressurePolicy:
    """How often and when a recipient may be contacted; every limit is configurable.

    - Opt-out always wins: an opted-out recipient is suppressed, urgent or not.
    - Urgent notifications skip quiet hours and caps (they still count in the history).
    - Quiet hours `[quiet_start, quiet_end)` are wall-clock times in the recipient's zone and
      may cross midnight; a notification inside them is deferred to the next `quiet_end`, so
      Russian zones without DST and DST zones both get 09:00 local. `quiet_start == quiet_end`
      means no quiet hours. They apply to `quiet_kinds` (people, not integrators' webhooks).
    - Caps apply to `capped_kinds`, by default clients only: managers and heads of sales get
      work notifications, which are not rationed. The daily cap counts messages
      sent on the same local calendar day as the send instant; the weekly cap counts a rolling
      7 days ending at it (a calendar week would let two weeks' worth go out around a Monday).
      `None` disables a cap; 0 forbids every non-urgent message.
    - A capped notification is suppressed, not deferred: deferred reminders would pile up and
      go out together later, and a stale reminder is worse than none. The reason
      (`daily_cap`, `weekly_cap`) stays on the delivery, and the manager still gets their copy.
    - A document a manager sends on purpose (`uncapped`: a proposal) is not rationed: the
      caps keep reminders from nagging, and a proposal the client waits for must not vanish.
      It still waits out quiet hours and counts in the history.
    - Caps are checked at the instant the message would go out (after quiet hours), so a
      reminder deferred overnight is measured against the next day. The caller decides again
      at `not_before`, since the history may have grown meanwhile.
    """

    max_per_day: int | None = 3
    max_per_week: int | None = 6
    quiet_start: time = time(21, 0)
    quiet_end: time = time(9, 0)
    capped_kinds: frozenset[RecipientKind] = frozenset({RecipientKind.CLIENT})
    quiet_kinds: frozenset[RecipientKind] = frozenset(
        {RecipientKind.CLIENT, RecipientKind.MANAGER, RecipientKind.HEAD_OF_SALES}
    )

    def __post_init__(self) -> None:
        for name, cap in (("max_per_day", self.max_per_day), ("max_per_week", self.max_per_week)):
            if cap is not None and cap < 0:
                raise ValueError(f"{name} must not be negative, got {cap}")
        if self.quiet_start.tzinfo is not None or self.quiet_end.tzinfo is not None:
            raise ValueError("quiet hours are local wall-clock times: no tzinfo")

    def quiet_until(self, now_utc: datetime, time_zone: str) -> datetime | None:
        """The UTC end of the quiet period `now_utc` falls in, or None outside quiet hours."""
        require_aware(now_utc, "now_utc")
        local_zone = zone(time_zone)
        local = now_utc.astimezone(local_zone)
        wall = local.time()
        start, end = self.quiet_start, self.quiet_end
        if start == end:
            return None
        if start < end:
            quiet, end_day = start <= wall < end, local.date()
        else:
            quiet = wall >= start or wall < end
            end_day = local.date() + timedelta(days=1) if wall >= start else local.date()
        if not quiet:
            return None
        # A quiet_end inside a DST gap resolves (fold=0) to the instant just after the gap.
        return datetime.combine(end_day, end, tzinfo=local_zone).astimezone(UTC)

    def decide(
        self,
        now_utc: datetime,
        recipient_time_zone: str,
        sent_history: Sequence[datetime],
        opted_out: bool,
        is_urgent: bool = False,
        *,
        recipient_kind: RecipientKind = RecipientKind.CLIENT,
        uncapped: bool = False,
    ) -> PressureDecision:
        """Decide whether a notification to one recipient goes now, later or not at all.

        `sent_history` holds the instants of messages already sent to this recipient (any
        channel); only the last 7 days matter.
        """
        require_aware(now_utc, "now_utc")
        for sent in sent_history:
            require_aware(sent, "sent_history entries")
        recipient_zone = zone(recipient_time_zone)
        if opted_out:
            return PressureDecision(PressureAction.SUPPRESS, PressureReason.OPTED_OUT)
        if is_urgent:
            return PressureDecision(PressureAction.SEND, PressureReason.URGENT)
        now = now_utc.astimezone(UTC)
        quiet_end = None
        if recipient_kind in self.quiet_kinds:
            quiet_end = self.quiet_until(now, recipient_time_zone)
        send_at = quiet_end or now
        if recipient_kind in self.capped_kinds and not uncapped:
            capped = self._cap_reached(send_at, recipient_zone, sent_history)
            if capped is not None:
                return PressureDecision(PressureAction.SUPPRESS, capped)
        if quiet_end is not None:
            return PressureDecision(PressureAction.DEFER, PressureReason.QUIET_HOURS, quiet_end)
        return PressureDecision(PressureAction.SEND, PressureReason.ALLOWED)

    def _cap_reached(
        self, send_at: datetime, recipient_zone: ZoneInfo, sent_history: Sequence[datetime]
    ) -> PressureReason | None:
        if self.max_per_day is not None:
            today = send_at.astimezone(recipient_zone).date()
            same_day = sum(
                1 for sent in sent_history if sent.astimezone(recipient_zone).date() == today
            )
            if same_day >= self.max_per_day:
                return PressureReason.DAILY_CAP
        if self.max_per_week is not None:
            week_start = send_at - WEEK
            this_week = sum(1 for sent in sent_history if week_start < sent <= send_at)
            if this_week >= self.max_per_week:
                return PressureReason.WEEKLY_CAP
        return None
