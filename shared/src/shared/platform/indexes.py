"""Declared indexes: each service lists its collections' indexes in one place and creates them.

A service's `adapters/indexes.py` holds an `IndexPlan` (collection name → indexes); bootstrap
creates it at start-up with `ensure_indexes`, and the test suite checks that every query the
code issues is served by one of the declared indexes (`shared.testing.query_shapes`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase


@dataclass(frozen=True)
class Index:
    """One index: its key fields in order with their direction (1 or -1), and uniqueness."""

    keys: tuple[tuple[str, int], ...]
    unique: bool = False

    @property
    def fields(self) -> tuple[str, ...]:
        """The key fields in order."""
        return tuple(name for name, _ in self.keys)

    def model(self) -> IndexModel:
        """The index as PyMongo creates it."""
        return IndexModel(list(self.keys), unique=self.unique)


def index(*keys: str | tuple[str, int], unique: bool = False) -> Index:
    """An index on `keys`; a bare name is ascending, `(name, -1)` descending."""
    return Index(
        tuple(key if isinstance(key, tuple) else (key, ASCENDING) for key in keys), unique=unique
    )


IndexPlan = Mapping[str, Sequence[Index]]
"""Collection name → the indexes it must have (besides `_id`, which every collection has)."""


async def ensure_indexes(db: AsyncDatabase[Any], plan: IndexPlan) -> None:
    """Create every declared index; creating an existing one again is a no-op."""
    for collection, indexes in plan.items():
        for declared in indexes:
            # One index per command: FerretDB v1 drops the connection when a createIndexes
            # naming several indexes finds them all present (every restart).
            await db[collection].create_indexes([declared.model()])


def merge(*plans: IndexPlan) -> dict[str, list[Index]]:
    """One plan from several (e.g. a service's own and the outbox's), without repeats."""
    merged: dict[str, list[Index]] = {}
    for plan in plans:
        for collection, indexes in plan.items():
            known = merged.setdefault(collection, [])
            known.extend(i for i in indexes if i not in known)
    return merged
