"""Who gets a lead: manager eligibility, the client-manager preference and pluggable strategies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from fractions import Fraction
from typing import Protocol

from leads.domain.calendar import BusinessCalendar
from shared.kernel.zones import is_zone, require_aware

CLIENT_MANAGER = "client_manager"
NO_ELIGIBLE_MANAGER = "no_eligible_manager"
ROUND_ROBIN = "round_robin"
LEAST_LOADED = "least_loaded"


@dataclass(frozen=True)
class Manager:
    """A manager as the assigner sees them: skills, load and availability.

    Empty `channels`/`regions`/`products` mean "any"; they only matter to `RuleBased`.
    Without a `calendar` the manager counts as working whenever `present` is true.
    """

    id: str
    team: str
    channels: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    products: frozenset[str] = frozenset()
    time_zone: str = "Europe/Moscow"
    capacity: int = 10
    open_leads: int = 0
    present: bool = True
    calendar: BusinessCalendar | None = None

    def __post_init__(self) -> None:
        if self.capacity < 0 or self.open_leads < 0:
            raise ValueError(f"manager {self.id}: capacity and open_leads must not be negative")
        if not is_zone(self.time_zone):
            raise ValueError(f"manager {self.id}: unknown time zone {self.time_zone!r}")

    @property
    def load(self) -> Fraction:
        """Share of capacity in use; exact so that equal loads tie instead of rounding apart."""
        if self.capacity == 0:
            return Fraction(1)
        return Fraction(self.open_leads, self.capacity)


@dataclass(frozen=True)
class LeadToAssign:
    """The facts about a lead that assignment looks at.

    `excluded` lists managers who already breached the response SLA on this lead, so an
    automatic reassignment never hands it back to them.
    """

    lead_id: str
    channel: str
    region: str | None = None
    product: str | None = None
    client_manager_id: str | None = None
    excluded: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RotationState:
    """Round-robin pointer kept between assignments by the caller (persisted with the roster).

    It stores the last chosen id rather than an index, so the rotation survives managers
    joining or leaving: the next pick is the first eligible id after it, wrapping around.
    """

    last_manager_id: str | None = None


@dataclass(frozen=True)
class Decision:
    """Outcome of one assignment; `state` is the rotation state to keep for the next one."""

    manager_id: str | None
    to_team_queue: bool
    reason: str
    state: RotationState

    def __post_init__(self) -> None:
        if (self.manager_id is None) != self.to_team_queue:
            raise ValueError("a decision either names a manager or sends to the team queue")


def team_queue(state: RotationState, reason: str = NO_ELIGIBLE_MANAGER) -> Decision:
    """A decision to park the lead in the team queue until someone becomes available."""
    return Decision(manager_id=None, to_team_queue=True, reason=reason, state=state)


class AssignmentStrategy(Protocol):
    """Picks one manager among candidates that are already known to be eligible."""

    def choose(
        self, lead: LeadToAssign, candidates: Sequence[Manager], state: RotationState
    ) -> Decision: ...


@dataclass(frozen=True)
class RoundRobin:
    """Rotate through candidates in id order, continuing after the last chosen id."""

    def choose(
        self, lead: LeadToAssign, candidates: Sequence[Manager], state: RotationState
    ) -> Decision:
        if not candidates:
            return team_queue(state)
        ordered = sorted(candidates, key=lambda manager: manager.id)
        last = state.last_manager_id
        chosen = next((m for m in ordered if last is None or m.id > last), ordered[0])
        return Decision(
            manager_id=chosen.id,
            to_team_queue=False,
            reason=ROUND_ROBIN,
            state=replace(state, last_manager_id=chosen.id),
        )


@dataclass(frozen=True)
class LeastLoaded:
    """Pick the lowest open_leads/capacity ratio; ties go to the smallest id (deterministic)."""

    def choose(
        self, lead: LeadToAssign, candidates: Sequence[Manager], state: RotationState
    ) -> Decision:
        if not candidates:
            return team_queue(state)
        chosen = min(candidates, key=lambda manager: (manager.load, manager.id))
        return Decision(manager_id=chosen.id, to_team_queue=False, reason=LEAST_LOADED, state=state)


@dataclass(frozen=True)
class AssignmentRule:
    """Route leads matching channel/region/product (None = any) to a narrower pool.

    The pool keeps candidates of `team` (if set), among `manager_ids` (if set), whose skills
    cover every attribute the rule matches on (an empty skill set covers everything).
    """

    name: str
    channel: str | None = None
    region: str | None = None
    product: str | None = None
    team: str | None = None
    manager_ids: tuple[str, ...] = ()

    def matches(self, lead: LeadToAssign) -> bool:
        """Whether every attribute the rule names equals the lead's."""
        return (
            (self.channel is None or self.channel == lead.channel)
            and (self.region is None or self.region == lead.region)
            and (self.product is None or self.product == lead.product)
        )

    def narrow(self, candidates: Sequence[Manager]) -> tuple[Manager, ...]:
        """Candidates allowed by this rule."""
        return tuple(m for m in candidates if self._allows(m))

    def _allows(self, manager: Manager) -> bool:
        return (
            (self.team is None or manager.team == self.team)
            and (not self.manager_ids or manager.id in self.manager_ids)
            and _covers(manager.channels, self.channel)
            and _covers(manager.regions, self.region)
            and _covers(manager.products, self.product)
        )


def _covers(skills: frozenset[str], value: str | None) -> bool:
    return value is None or not skills or value in skills


@dataclass(frozen=True)
class RuleBased:
    """Apply the first matching rule whose pool has someone, then delegate to `then`.

    When no rule matches, or every matching rule's pool is empty, the whole candidate set
    goes to `then`: a rule expresses preference, and a lead waiting in a queue while other
    managers are free would break the response SLA.
    """

    rules: tuple[AssignmentRule, ...]
    then: AssignmentStrategy

    def choose(
        self, lead: LeadToAssign, candidates: Sequence[Manager], state: RotationState
    ) -> Decision:
        for rule in self.rules:
            if not rule.matches(lead):
                continue
            pool = rule.narrow(candidates)
            if pool:
                inner = self.then.choose(lead, pool, state)
                return replace(inner, reason=f"rule:{rule.name}/{inner.reason}")
        return self.then.choose(lead, candidates, state)


def is_eligible(manager: Manager, lead: LeadToAssign, at: datetime) -> bool:
    """Present, under capacity, not excluded from this lead, and on shift at `at`."""
    return (
        manager.present
        and manager.open_leads < manager.capacity
        and manager.id not in lead.excluded
        and (manager.calendar is None or manager.calendar.is_open(at))
    )


def assign(
    lead: LeadToAssign,
    managers: Sequence[Manager],
    strategy: AssignmentStrategy,
    *,
    at: datetime,
    state: RotationState | None = None,
) -> Decision:
    """Choose who works `lead` at instant `at`.

    A known client's manager wins when eligible; otherwise `strategy` picks among the
    eligible managers; with nobody eligible the lead goes to the team queue.
    """
    require_aware(at, "at")
    current = state if state is not None else RotationState()
    eligible = [m for m in managers if is_eligible(m, lead, at)]
    if lead.client_manager_id is not None:
        for manager in eligible:
            if manager.id == lead.client_manager_id:
                return Decision(
                    manager_id=manager.id, to_team_queue=False, reason=CLIENT_MANAGER, state=current
                )
    if not eligible:
        return team_queue(current)
    return strategy.choose(lead, eligible, current)
