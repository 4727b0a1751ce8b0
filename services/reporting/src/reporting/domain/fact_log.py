"""The fact log's vocabulary: events as appended, and which projection versions exist."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


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
class ProjectionVersions:
    """The version reports read, and the versions a rebuild is filling."""

    active: int
    building: tuple[int, ...] = ()

    @property
    def written(self) -> list[int]:
        """Versions live ingestion writes to: the active one and any being rebuilt."""
        return [self.active, *self.building]

    def next_version(self) -> int:
        """The number a new rebuild takes: one above every version in use."""
        return max(self.written) + 1
