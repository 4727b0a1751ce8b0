"""Deal pipelines: ordered stages, stage gates on required fields, lost reasons, stuck deals."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sized
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from shared.kernel.zones import require_aware

STUCK_AFTER = timedelta(hours=72)
"""The documents: once a client is ready, the invoice should be paid within 72 hours."""

DEFAULT_LOST_REASONS: tuple[str, ...] = (
    "price",
    "competitor",
    "no_budget",
    "no_response",
    "timing",
    "requirements_not_met",
    "other",
)
"""Reason codes a deal may be lost with unless a pipeline configures its own list."""


class StageKind(StrEnum):
    """Whether a stage is still being worked or closes the deal."""

    OPEN = "open"
    WON = "won"
    LOST = "lost"


CLOSED_KINDS: frozenset[StageKind] = frozenset({StageKind.WON, StageKind.LOST})


@dataclass(frozen=True, slots=True)
class Stage:
    """One pipeline stage; `required_fields` are deal field paths that must be filled to enter."""

    code: str
    name: str
    probability: Decimal
    required_fields: tuple[str, ...] = ()
    kind: StageKind = StageKind.OPEN

    def __post_init__(self) -> None:
        if not self.code.strip():
            raise ValueError("stage code must not be blank")
        if isinstance(self.probability, float) or not isinstance(self.probability, Decimal):
            raise TypeError(f"stage {self.code}: probability must be a Decimal")
        if not Decimal(0) <= self.probability <= Decimal(1):
            raise ValueError(f"stage {self.code}: probability must be between 0 and 1")
        if self.kind is StageKind.WON and self.probability != 1:
            raise ValueError(f"stage {self.code}: a won stage has probability 1")
        if self.kind is StageKind.LOST and self.probability != 0:
            raise ValueError(f"stage {self.code}: a lost stage has probability 0")
        object.__setattr__(self, "required_fields", tuple(self.required_fields))

    @property
    def is_closed(self) -> bool:
        """Whether the stage ends the deal (won or lost)."""
        return self.kind in CLOSED_KINDS


@dataclass(frozen=True, slots=True)
class MoveDecision:
    """Whether a move is allowed, which field paths are missing and what else is wrong."""

    allowed: bool
    missing: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()


def _filled(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    # Zero and False are answers; an empty list of line items is not.
    if isinstance(value, Sized):
        return len(value) > 0
    return True


_ABSENT = object()


def field_value(facts: Mapping[str, object], path: str) -> object:
    """Value at a dotted path, as a flat key "contract.signed_on" or nested; None if absent."""
    if path in facts:
        return facts[path]
    current: object = facts
    for part in path.split("."):
        if not isinstance(current, Mapping):
            return None
        current = current.get(part, _ABSENT)
        if current is _ABSENT:
            return None
    return current


def missing_fields(facts: Mapping[str, object], paths: Collection[str]) -> tuple[str, ...]:
    """The paths whose value is absent, None, blank text or an empty collection."""
    return tuple(path for path in paths if not _filled(field_value(facts, path)))


def _dedupe(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


@dataclass(frozen=True, slots=True)
class Pipeline:
    """Stages in order: open stages first, then the closing ones (at least one won, one lost).

    The forward path is every non-lost stage in order, ending with won; lost is reachable
    from any open stage.
    """

    id: str
    name: str
    stages: tuple[Stage, ...]

    def __post_init__(self) -> None:
        stages = tuple(self.stages)
        object.__setattr__(self, "stages", stages)
        codes = [stage.code for stage in stages]
        if len(set(codes)) != len(codes):
            raise ValueError(f"pipeline {self.id}: stage codes must be unique")
        kinds = [stage.kind for stage in stages]
        if StageKind.OPEN not in kinds or StageKind.WON not in kinds:
            raise ValueError(f"pipeline {self.id}: needs at least one open and one won stage")
        if StageKind.LOST not in kinds:
            raise ValueError(f"pipeline {self.id}: needs a lost stage")
        first_closed = next(i for i, stage in enumerate(stages) if stage.is_closed)
        if any(not stage.is_closed for stage in stages[first_closed:]):
            raise ValueError(f"pipeline {self.id}: open stages must come before closed ones")

    def _find(self, code: str) -> Stage | None:
        return next((stage for stage in self.stages if stage.code == code), None)

    def stage(self, code: str) -> Stage:
        """The stage with this code; KeyError if the pipeline has none."""
        found = self._find(code)
        if found is None:
            raise KeyError(code)
        return found

    @property
    def first(self) -> Stage:
        """The stage a new deal starts in."""
        return self.stages[0]

    def _path(self) -> tuple[Stage, ...]:
        return tuple(stage for stage in self.stages if stage.kind is not StageKind.LOST)

    def check_move(
        self,
        deal_facts: Mapping[str, object],
        from_stage: str,
        to_stage: str,
        *,
        lost_reason: str | None = None,
        allowed_lost_reasons: Collection[str] = DEFAULT_LOST_REASONS,
    ) -> MoveDecision:
        """Decide whether a deal with `deal_facts` may move from one stage to another.

        - Out of a closed stage (won or lost): refused; a closed deal is reopened as a new one.
        - Backwards to an earlier open stage: allowed without checking fields (a correction).
        - Forward: the target's required fields must be filled. Skipping stages is allowed
          only when every skipped stage's required fields are filled too — the gates exist so
          that no stage's *work* is skipped, and filled fields are the evidence the work was
          done (a client who signs at the first meeting need not be walked through each stage
          by hand). Otherwise "skips stages: …" names the stages whose work is missing, and
          their fields join `missing`.
        - To lost: needs a reason from `allowed_lost_reasons`; no skipping question arises.
        """
        source, target = self._find(from_stage), self._find(to_stage)
        if source is None or target is None:
            unknown = [
                f"{label}: unknown stage {code!r}"
                for label, code, stage in (
                    ("from_stage", from_stage, source),
                    ("to_stage", to_stage, target),
                )
                if stage is None
            ]
            return MoveDecision(allowed=False, problems=tuple(unknown))
        if source.code == target.code:
            return MoveDecision(allowed=False, problems=(f"already in stage {source.code}",))
        if source.is_closed:
            return MoveDecision(
                allowed=False,
                problems=(f"deal is closed ({source.kind}): it cannot leave {source.code}",),
            )
        if target.kind is StageKind.LOST:
            return self._to_lost(deal_facts, target, lost_reason, allowed_lost_reasons)
        problems: list[str] = []
        path = self._path()
        start, end = path.index(source), path.index(target)
        if end < start:
            return MoveDecision(allowed=True)
        missing = list(missing_fields(deal_facts, target.required_fields))
        unfinished: list[str] = []
        for skipped in path[start + 1 : end]:
            gaps = missing_fields(deal_facts, skipped.required_fields)
            if gaps:
                unfinished.append(skipped.code)
                missing.extend(gaps)
        if unfinished:
            problems.append(f"skips stages: {', '.join(unfinished)}")
        result = _dedupe(missing)
        return MoveDecision(
            allowed=not result and not problems, missing=result, problems=tuple(problems)
        )

    def _to_lost(
        self,
        deal_facts: Mapping[str, object],
        target: Stage,
        lost_reason: str | None,
        allowed_lost_reasons: Collection[str],
    ) -> MoveDecision:
        problems: list[str] = []
        reason = (lost_reason or "").strip()
        if not reason:
            problems.append("lost_reason: required to lose a deal")
        elif reason not in allowed_lost_reasons:
            problems.append("lost_reason: not one of the allowed reasons")
        missing = missing_fields(deal_facts, target.required_fields)
        return MoveDecision(
            allowed=not missing and not problems, missing=missing, problems=tuple(problems)
        )


def default_pipeline(pipeline_id: str = "default", name: str = "Продажи") -> Pipeline:
    """The pipeline from the domain notes: new → … → shipment → won, or lost.

    Each stage asks for the evidence that the previous step's work was done: who the client
    is before qualifying, line items before a proposal, a sent proposal before negotiating,
    a signed contract before invoicing, an issued invoice before chasing payment, a payment
    before shipping, a delivery before calling the deal won.
    """
    stages = (
        Stage("new", "Новая", Decimal("0.05")),
        Stage("qualification", "Квалификация", Decimal("0.10"), ("client_id",)),
        Stage("proposal", "Предложение", Decimal("0.25"), ("line_items",)),
        Stage("negotiation", "Переговоры", Decimal("0.40"), ("proposal.sent_on",)),
        Stage("contract", "Договор", Decimal("0.60"), ("contract.type", "payment_form")),
        Stage("invoice", "Счёт", Decimal("0.75"), ("contract.signed_on",)),
        Stage("payment", "Оплата", Decimal("0.85"), ("invoice_id",)),
        Stage("shipment", "Отгрузка", Decimal("0.95"), ("payment.received_on",)),
        Stage("won", "Успешно", Decimal(1), ("shipment.delivered_on",), StageKind.WON),
        Stage("lost", "Проиграна", Decimal(0), (), StageKind.LOST),
    )
    return Pipeline(id=pipeline_id, name=name, stages=stages)


def is_stuck(entered_at: datetime, now: datetime, limit: timedelta = STUCK_AFTER) -> bool:
    """Whether a deal has stayed in its stage longer than `limit` (72 hours by default)."""
    require_aware(entered_at, "entered_at")
    require_aware(now, "now")
    return now - entered_at > limit
