"""The fact log's vocabulary: events as appended, and which projection versions exist."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """An event as the log keeps it: its type, contract version and JSON payload as sent.

    The key is a hash of the type and the payload: a redelivered, replayed or republished
    event carries the same bytes (an outbox resends what it stored), so it gets the same key
    and is stored once. The payload stays the text it arrived as; it is parsed again only
    when a report is folded.
    """

    key: str
    type: str
    version: int
    payload: str

    @classmethod
    def of(cls, event_type: str, version: int, payload: bytes) -> LoggedEvent:
        """The logged form of one delivered message, keyed by its content."""
        key = hashlib.sha256(event_type.encode() + b"\x00" + payload).hexdigest()
        return cls(key=key, type=event_type, version=version, payload=payload.decode("utf-8"))


@dataclass(frozen=True, slots=True)
class Rebuild:
    """A rebuild in progress: the version it fills, who holds it until when, how far it got.

    `folded` counts the facts folded so far, for the operator. Whoever takes a rebuild over
    after a crash folds the log from its start again: the merges are idempotent, so what was
    folded before the crash is merged once more to no effect.
    """

    version: int
    holder: str
    until: datetime
    folded: int = 0


@dataclass(frozen=True, slots=True)
class ProjectionVersions:
    """The version reports read, the rebuild filling the next one, and versions to drop."""

    active: int
    rebuild: Rebuild | None = None
    retired: tuple[int, ...] = ()

    @property
    def building(self) -> tuple[int, ...]:
        """Versions being filled by a rebuild."""
        return () if self.rebuild is None else (self.rebuild.version,)

    @property
    def written(self) -> list[int]:
        """Versions live ingestion merges into: the active one and one being rebuilt."""
        return [self.active, *self.building]

    def running(self, now: datetime) -> bool:
        """Whether a holder is working on a rebuild now."""
        return self.rebuild is not None and self.rebuild.until >= now

    def claimed(self, holder: str, now: datetime, until: datetime) -> ProjectionVersions | None:
        """The state with `holder` running the rebuild: a new one, or one whose holder stopped.

        None while another holder's lease runs.
        """
        current = self.rebuild
        if current is None:
            return replace(self, rebuild=Rebuild(self.active + 1, holder, until))
        if current.holder == holder or current.until < now:
            return replace(self, rebuild=replace(current, holder=holder, until=until, folded=0))
        return None

    def advanced(self, holder: str, folded: int, until: datetime) -> ProjectionVersions | None:
        """The rebuild folded `folded` facts and its lease runs on; None if `holder` lost it."""
        current = self.rebuild
        if current is None or current.holder != holder:
            return None
        return replace(self, rebuild=replace(current, folded=folded, until=until))

    def finished(self, holder: str) -> ProjectionVersions | None:
        """The rebuilt version made active; None if `holder` lost the rebuild."""
        current = self.rebuild
        if current is None or current.holder != holder:
            return None
        return ProjectionVersions(current.version, None, (*self.retired, self.active))

    def dropped(self, version: int) -> ProjectionVersions:
        """The state once a retired version's records are gone."""
        return replace(self, retired=tuple(v for v in self.retired if v != version))
