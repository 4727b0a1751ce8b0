"""Persisted per-entity records: the fields they are found by, and which of them a report needs.

Each record (a lead, a deal, an activity, a task entry, an invoice, a payment, a claim) is
stored with a few *keys* derived from it: instants, managers, team, channel, client. A report
asks for the records through `Selection`s on those keys that hold at least every record it
counts; the report function then applies its exact filters to what came back. So a selection
may let extra records through but must never leave one out
(`tests/unit/test_reporting_selections.py` checks this against reports over every record).

Instants in keys are cut to whole milliseconds, the precision MongoDB stores; bounds are cut
the same way and both ends are inclusive, so the cut can only widen a selection.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from reporting.domain.facts import Period, from_text
from shared.kernel.zones import zone

KINDS = ("leads", "deals", "activities", "tasks", "invoices", "payments", "claims")
"""Kinds of entity records; each report reads some of them."""

Keys = dict[str, Any]
"""A record's key fields: name → instant, text, flag or list of texts (a list matches any)."""


def to_ms(at: datetime) -> datetime:
    """The instant cut to whole milliseconds, as MongoDB stores it."""
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def _instant(entry: Mapping[str, Any] | None) -> datetime | None:
    return None if entry is None else to_ms(from_text(str(entry["at"])))


def _given(values: Iterable[Any]) -> list[str]:
    return sorted({value for value in values if isinstance(value, str)})


def _lead_keys(record: Mapping[str, Any]) -> Keys:
    assigned = record.get("assigned")
    contacted = record.get("contacted")
    converted = record.get("converted")
    channel = assigned["channel"] if assigned else converted["channel"] if converted else None
    owners = [entry.get("manager_id") for entry in (assigned, contacted, converted) if entry]
    owners += [breach["manager_id"] for breach in record.get("breaches", [])]
    return {
        "at": to_ms(from_text(assigned["received_at"])) if assigned else None,
        "conv": _instant(converted),
        "managers": _given(owners),
        "team": assigned["team"] if assigned else None,
        "channel": channel,
    }


def close_key(day: date) -> datetime:
    """An expected close date as an instant key: its midnight in UTC."""
    return datetime.combine(day, time(0), UTC)


def _deal_keys(record: Mapping[str, Any]) -> Keys:
    stages = record["stages"]
    instants = [to_ms(from_text(entry["at"])) for entry in stages]
    latest = max(stages, key=lambda entry: entry["at"]) if stages else None
    close = next(
        (e["expected_close_on"] for e in reversed(stages) if "expected_close_on" in e), None
    )
    return {
        # The latest expected close date given, on open and closed deals alike: the forecast
        # selects by it and keeps the open ones, so a selection never misses an open deal.
        "close": None if close is None else close_key(date.fromisoformat(close)),
        "leads": _given(entry.get("lead_id") for entry in stages),
        "managers": _given(
            entry.get("manager_id") for entry in [*stages, *record.get("owners", [])]
        ),
        "clients": _given(entry.get("client_id") for entry in stages),
        "first": min(instants, default=None),
        "last": max(instants, default=None),
        "open": latest is not None and latest["kind"] == "open",
    }


def keys_of(kind: str, record: Mapping[str, Any]) -> Keys:
    """The fields a record of `kind` is selected by."""
    if kind == "leads":
        return _lead_keys(record)
    if kind == "deals":
        return _deal_keys(record)
    at = {"at": _instant(record)}
    if kind == "activities":
        return {**at, "managers": _given([record["manager_id"]]), "lead": record.get("lead_id")}
    if kind == "tasks":
        return {**at, "managers": _given([record["manager_id"]])}
    if kind == "invoices":
        return {**at, "managers": _given([record["manager_id"]]), "client": record["client_id"]}
    if kind == "payments":
        return {**at, "client": record["client_id"], "invoice": record["invoice_id"]}
    if kind == "claims":
        return {**at, "client": record["client_id"]}
    raise ValueError(f"unknown record kind {kind}")


@dataclass(frozen=True, slots=True)
class Selection:
    """Records of one kind whose keys meet every condition given (None: no condition).

    `equals` names one key and a value (a list key matches when it holds the value);
    `one_of` names a key and the values it may hold (a list key: any of them); `ids` limits
    to those entity ids; `field` with `low`/`high` bounds an instant key (both ends
    inclusive, whole milliseconds); `flag` names a key that must be true.
    """

    kind: str
    equals: tuple[str, str] | None = None
    one_of: tuple[str, tuple[str, ...]] | None = None
    ids: tuple[str, ...] | None = None
    field: str | None = None
    low: datetime | None = None
    high: datetime | None = None
    flag: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown record kind {self.kind}")
        if (self.low is None and self.high is None) != (self.field is None):
            raise ValueError("a bounded field needs a bound, and a bound its field")
        others = (self.equals, self.one_of, self.field, self.flag)
        if self.ids is not None and any(other is not None for other in others):
            raise ValueError("a selection by ids has no other condition")

    def matches(self, entity_id: str, keys: Mapping[str, Any]) -> bool:
        """Whether a record with these keys is selected (what the database query does)."""
        if self.ids is not None and entity_id not in self.ids:
            return False
        if self.equals is not None:
            name, value = self.equals
            held = keys.get(name)
            if not (held == value or (isinstance(held, list) and value in held)):
                return False
        if self.one_of is not None:
            name, values = self.one_of
            held = keys.get(name)
            if not (held in values or (isinstance(held, list) and set(held) & set(values))):
                return False
        if self.flag is not None and keys.get(self.flag) is not True:
            return False
        if self.field is not None:
            at = keys.get(self.field)
            if not isinstance(at, datetime):
                return False
            if (self.low is not None and at < self.low) or (
                self.high is not None and at > self.high
            ):
                return False
        return True


def bounds(
    period: Period | None, as_of: datetime | None
) -> tuple[datetime | None, datetime | None]:
    """The instants a period's local days and an as-of instant allow, in whole milliseconds."""
    low = high = None
    if period is not None and period.start is not None:
        low = to_ms(datetime.combine(period.start, time(0), zone(period.time_zone)))
    if period is not None and period.end is not None:
        high = to_ms(datetime.combine(period.end, time(0), zone(period.time_zone)))
    if as_of is not None:
        high = to_ms(as_of) if high is None else min(high, to_ms(as_of))
    return low, high


def in_time(
    kind: str,
    field: str,
    period: Period | None,
    as_of: datetime | None,
    *,
    equals: tuple[str, str] | None = None,
) -> Selection:
    """Records of `kind` whose instant `field` falls in the period and by `as_of`."""
    low, high = bounds(period, as_of)
    bounded = low is not None or high is not None
    return Selection(kind, equals=equals, field=field if bounded else None, low=low, high=high)


def closed_since(period: Period | None) -> Selection:
    """Deals that may have closed in the period: their last change is on or after its start."""
    low, _ = bounds(period, None)
    return Selection("deals", field="last" if low is not None else None, low=low)


def closing_in(period: Period | None) -> Selection:
    """Deals whose latest expected close date falls in the period's days; open ones if None.

    Deals without an expected close date have no `close` key and are never selected by it.
    """
    if period is None or (period.start is None and period.end is None):
        return open_deals()
    low = None if period.start is None else close_key(period.start)
    high = None if period.end is None else close_key(period.end)
    return Selection("deals", field="close", low=low, high=high)


def open_deals() -> Selection:
    """Deals open now."""
    return Selection("deals", flag="open")


def by_ids(kind: str, ids: Iterable[str]) -> Selection:
    """Records of `kind` with these entity ids."""
    return Selection(kind, ids=tuple(sorted(set(ids))))


def deals_of_leads(lead_ids: Iterable[str]) -> Selection:
    """Deals that came from these leads."""
    return Selection("deals", one_of=("leads", tuple(sorted(set(lead_ids)))))


def one_dimension(**given: str | None) -> tuple[str, str] | None:
    """The first filter given, in the order passed, as an `equals` condition.

    One key besides the instant keeps every selection served by one declared index; the
    report applies the other filters exactly.
    """
    for name, value in given.items():
        if value is not None:
            return name, value
    return None


def lead_ids_of_deals(deals: Mapping[str, Mapping[str, Any]]) -> set[str]:
    """The leads the given deal records came from."""
    return {
        lead
        for record in deals.values()
        for lead in _given(entry.get("lead_id") for entry in record["stages"])
    }


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A record as loaded: its revision (0: not stored yet) and its content."""

    rev: int
    record: dict[str, Any]


@dataclass(frozen=True, slots=True)
class RecordChange:
    """A record to store over the revision it was merged from."""

    entity_id: str
    rev: int
    record: dict[str, Any]
    keys: Keys
