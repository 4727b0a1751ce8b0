"""Stage analytics: where deals that entered a pipeline stage went next, and how soon.

Definitions (ADR 0035), per pipeline and stage, over a deal's stage history in time order:
- **entered**: deals with a change into the stage on a day of the period (a deal entering
  the same stage twice in the period counts once, by its first such entry); with a manager
  filter, entries made while that manager held the deal;
- **moved_to**: of those deals, how many made their next change into each stage (the next
  change may fall after the period); `conversion` is that count ÷ entered, to 2 places,
  half-up; `still_in` counts the deals with no change after the entry yet;
- **average_hours**: the mean time from the entry to the next change, over the deals that
  left the stage, in hours to 2 places, half-up (None when none left);
- **lost_reasons**: the deals whose next change was into a lost stage, by lost reason
  (trimmed; "unspecified" when missing): the stage a deal was lost from is the stage it
  stood in before the lost one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from reporting.domain.facts import Period, StageKind, from_text, ranked, within
from reporting.domain.sales import UNSPECIFIED_REASON, DealRecord

SHARE_QUANTUM = Decimal("0.01")
MICROSECONDS_PER_HOUR = Decimal(3_600_000_000)


def share(part: int, whole: int) -> Decimal | None:
    """`part / whole` to 2 places, half-up; None when `whole` is 0."""
    if whole == 0:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(SHARE_QUANTUM, rounding=ROUND_HALF_UP)


def hours(duration: timedelta) -> Decimal:
    """A duration in hours, exactly (to the microsecond)."""
    return Decimal(duration // timedelta(microseconds=1)) / MICROSECONDS_PER_HOUR


@dataclass(frozen=True, slots=True)
class StageFigures:
    """One stage of one pipeline (see the module for the definitions)."""

    pipeline_id: str
    stage: str
    entered: int
    moved_to: Mapping[str, int]
    conversion: Mapping[str, Decimal | None]
    still_in: int
    average_hours: Decimal | None
    lost_reasons: Mapping[str, int]


@dataclass(slots=True)
class _Tally:
    entered: int = 0
    moved_to: Counter[str] = field(default_factory=Counter)
    time_in_stage: timedelta = timedelta(0)
    reasons: Counter[str] = field(default_factory=Counter)

    def figures(self, pipeline_id: str, stage: str) -> StageFigures:
        left = sum(self.moved_to.values())
        average = (
            None
            if left == 0
            else (hours(self.time_in_stage) / left).quantize(SHARE_QUANTUM, ROUND_HALF_UP)
        )
        moved = dict(sorted(self.moved_to.items()))
        return StageFigures(
            pipeline_id=pipeline_id,
            stage=stage,
            entered=self.entered,
            moved_to=moved,
            conversion={to: share(n, self.entered) for to, n in moved.items()},
            still_in=self.entered - left,
            average_hours=average,
            lost_reasons=ranked(self.reasons),
        )


def report_stages(
    deals: Mapping[str, DealRecord],
    *,
    period: Period | None = None,
    manager_id: str | None = None,
) -> tuple[StageFigures, ...]:
    """The stages deals entered in the period, by pipeline then stage id."""
    tallies: dict[tuple[str, str], _Tally] = {}
    for deal_id in sorted(deals):
        entries = deals[deal_id]["stages"]
        seen: set[tuple[str, str]] = set()
        for index, entry in enumerate(entries):
            slot = (entry["pipeline_id"], entry["to_stage"])
            at = from_text(entry["at"])
            if (
                slot in seen
                or not within(at, period)
                or (manager_id is not None and entry["manager_id"] != manager_id)
            ):
                continue
            seen.add(slot)
            tally = tallies.setdefault(slot, _Tally())
            tally.entered += 1
            if index + 1 == len(entries):
                continue
            following = entries[index + 1]
            tally.moved_to[following["to_stage"]] += 1
            tally.time_in_stage += from_text(following["at"]) - at
            if following["kind"] == StageKind.LOST.value:
                reason = (following["lost_reason"] or "").strip() or UNSPECIFIED_REASON
                tally.reasons[reason] += 1
    return tuple(tallies[slot].figures(*slot) for slot in sorted(tallies))
