"""The aggregate root: owns its transitions and records the events they cause."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

E = TypeVar("E")


@dataclass(eq=False)
class Aggregate(Generic[E]):
    """Base of every aggregate root; a repository saves its state and its events together.

    Subclasses are `@dataclass(eq=False)`: a repository remembers each loaded aggregate by
    identity, and an `eq=True` dataclass is unhashable.

    `revision` is the stored revision the aggregate was loaded at (None until first stored);
    the repository writes only if nobody wrote since. Events recorded by a transition wait
    in `pending_events` until the repository puts them in the same write as the state.
    """

    revision: int | None = field(default=None, init=False, repr=False)
    pending_events: list[E] = field(default_factory=list, init=False, repr=False)

    @property
    def aggregate_id(self) -> str:
        """The id the aggregate is stored and keyed under."""
        raise NotImplementedError

    def record(self, event: E) -> None:
        """Remember an event this transition caused, to be published with the saved state."""
        self.pending_events.append(event)

    def collect_events(self) -> list[E]:
        """Hand the recorded events over and forget them."""
        events, self.pending_events = self.pending_events, []
        return events
