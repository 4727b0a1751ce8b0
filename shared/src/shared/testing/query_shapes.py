"""Query shapes and the rule that decides whether a declared index serves one.

A shape keeps what decides the cost of a query on real MongoDB — the collection, the command,
the filter's field names with their operators, the sort and whether a limit bounds it — and
never a value (filters carry personal data). A shape is served when it reads by `_id`, or an
index of its collection starts with the filter's equality fields (in any order) followed by at
most one range field or the sort fields; each branch of an `$or` must be served unless the rest
of the filter already is (the `$or` then only filters the index range). An empty filter is a
scan: allowed only with a limit and no sort or a sort that an index's leading fields follow,
as a `count` command (answered from metadata), or on a collection declared small (a handful
of settings documents read whole).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from shared.platform.indexes import Index, IndexPlan, index

EQUALITY_OPERATORS = frozenset({"=", "$eq", "$in", "$exists:false"})
"""Operators that pin a field to values: an index's equality prefix can use them."""

BRANCHING_OPERATORS = frozenset({"$or", "$and", "$nor"})

ID_INDEX = index("_id")


@dataclass(frozen=True)
class Condition:
    """One field of a filter and the operators applied to it (`=` for a literal value)."""

    path: str
    operators: tuple[str, ...]

    @property
    def equality(self) -> bool:
        """True when the condition pins the field to one or a few values."""
        return any(op in EQUALITY_OPERATORS for op in self.operators)

    def describe(self) -> str:
        """`field: op` without the value."""
        return f"{self.path}: {' '.join(self.operators)}"


@dataclass(frozen=True)
class Branches:
    """`$or`, `$and` or `$nor` over sub-filters."""

    operator: str
    branches: tuple[Filter, ...]

    def describe(self) -> str:
        """`$or: [{...}, {...}]` without values."""
        return f"{self.operator}: [{', '.join(describe_filter(b) for b in self.branches)}]"


Filter = tuple[Condition | Branches, ...]


def describe_filter(shape: Filter) -> str:
    """The filter's fields and operators, e.g. `{status: $in, due_at: $lte}`."""
    return "{" + ", ".join(clause.describe() for clause in shape) + "}"


def filter_shape(raw: Mapping[str, Any]) -> Filter:
    """The shape of a MongoDB filter document."""
    clauses: list[Condition | Branches] = []
    for key, value in raw.items():
        if key in BRANCHING_OPERATORS:
            clauses.append(Branches(key, tuple(filter_shape(branch) for branch in value)))
        elif key != "$comment":
            # Other top-level operators ($expr, $where, $text) count as unindexed conditions.
            clauses.append(Condition(key, (key,) if key.startswith("$") else operators(value)))
    return tuple(clauses)


def operators(value: Any) -> tuple[str, ...]:
    """The operators a field's condition uses; `=` for a literal (including null)."""
    if not (isinstance(value, Mapping) and value and all(str(k).startswith("$") for k in value)):
        return ("=",)
    ops = []
    for op, argument in value.items():
        if op == "$exists":
            ops.append("$exists:true" if argument else "$exists:false")
        else:
            ops.append(str(op))
    return tuple(sorted(ops))


@dataclass(frozen=True)
class QueryShape:
    """What a command asked of a collection, without values."""

    app: str
    collection: str
    command: str
    filter: Filter
    sort: tuple[tuple[str, int], ...] = ()
    limited: bool = False

    def describe(self) -> str:
        """One line for a failure message: no values, only names and operators."""
        text = f"{self.app}: {self.collection}.{self.command} {describe_filter(self.filter)}"
        if self.sort:
            text += " sort [" + ", ".join(f"{name} {d}" for name, d in self.sort) + "]"
        return text + (" limit" if self.limited else "")


@dataclass(frozen=True)
class DeclaredPlan:
    """A service's declared indexes, and the collections it may read whole.

    `small_collections` are tiny (a roster); `whole_reads` are read whole on purpose, and
    only with an empty filter, by a pass whose cost is the collection (a rebuild of the log).
    """

    indexes: IndexPlan
    small_collections: frozenset[str] = field(default_factory=frozenset)
    whole_reads: frozenset[str] = field(default_factory=frozenset)

    def candidates(self, collection: str) -> list[Index]:
        """The indexes a query on `collection` may use, `_id` first."""
        return [ID_INDEX, *self.indexes.get(collection, ())]


def is_served(shape: QueryShape, plan: DeclaredPlan) -> bool:
    """Whether `_id` or a declared index serves the shape under the module's rule."""
    if shape.collection in plan.small_collections:
        return True
    if shape.collection in plan.whole_reads and not shape.filter and not shape.sort:
        return True
    if shape.command == "count" and not shape.filter:
        return True  # MongoDB answers it from the collection's metadata
    return _served(shape.filter, shape.sort, shape.limited, plan.candidates(shape.collection))


def unserved(shapes: Iterable[QueryShape], plans: Mapping[str, DeclaredPlan]) -> list[QueryShape]:
    """The shapes of applications with a declared plan that no index of theirs serves."""
    return [
        shape for shape in shapes if shape.app in plans and not is_served(shape, plans[shape.app])
    ]


def _served(
    shape: Filter, sort: Sequence[tuple[str, int]], limited: bool, candidates: Sequence[Index]
) -> bool:
    conditions = [c for c in _conjuncts(shape) if isinstance(c, Condition)]
    choices = [c for c in _conjuncts(shape) if isinstance(c, Branches) and c.operator == "$or"]
    if any(c.path == "_id" and c.equality for c in conditions):
        return True
    if conditions and any(_index_serves(i, conditions, sort) for i in candidates):
        return True  # any $or or $nor left only filters the index range
    if not conditions and not choices:
        return limited and (not sort or any(_index_serves(i, [], sort) for i in candidates))
    return any(
        all(
            _served(
                (*conditions, *branch, *(c for c in choices if c is not choice)),
                sort,
                limited,
                candidates,
            )
            for branch in choice.branches
        )
        for choice in choices
    )


def _conjuncts(shape: Filter) -> list[Condition | Branches]:
    """The filter's clauses with `$and` flattened into them (it is the same conjunction)."""
    flat: list[Condition | Branches] = []
    for clause in shape:
        if isinstance(clause, Branches) and clause.operator == "$and":
            for branch in clause.branches:
                flat.extend(_conjuncts(branch))
        else:
            flat.append(clause)
    return flat


def _index_serves(
    candidate: Index, conditions: Sequence[Condition], sort: Sequence[tuple[str, int]]
) -> bool:
    equal = {c.path for c in conditions if c.equality}
    ranges = {c.path for c in conditions if not c.equality} - equal
    if len(ranges) > 1:
        return False
    prefix, rest = candidate.keys[: len(equal)], candidate.keys[len(equal) :]
    if {name for name, _ in prefix} != equal:
        return False
    order = [(name, d) for name, d in sort if name not in equal]
    if order:
        followed = rest[: len(order)]
        if [name for name, _ in followed] != [name for name, _ in order]:
            return False
        if len({d * indexed for (_, d), (_, indexed) in zip(order, followed, strict=True)}) > 1:
            return False  # a mix of same and opposite directions: no scan gives that order
        return not ranges or ranges == {order[0][0]}
    if ranges:
        return bool(rest) and rest[0][0] in ranges
    return bool(equal)
