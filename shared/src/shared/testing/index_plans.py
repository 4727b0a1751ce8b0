"""Loads the services' declared index plans by module name, for the query-shape check."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from shared.testing.query_shapes import DeclaredPlan


@dataclass
class LoadedPlans:
    """Plans by the application name their service's MongoDB client carries."""

    plans: dict[str, DeclaredPlan] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)


def load_plans(entries: Sequence[str]) -> LoadedPlans:
    """Read `app = package.module` entries: `INDEXES`, and `SMALL_COLLECTIONS`, `WHOLE_READS`.

    A module that does not exist yet is listed in `missing` and its application's queries go
    unchecked: a service is given a plan module in the change that declares its indexes, and
    until then the check must not fail every one of its tests. An import error inside an
    existing module is raised.
    """
    loaded = LoadedPlans()
    for entry in entries:
        app, _, module_name = (part.strip() for part in entry.partition("="))
        if not app or not module_name:
            raise ValueError(f"index_plans entry {entry!r} is not `app = package.module`")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name is None or not (module_name + ".").startswith(exc.name + "."):
                raise
            loaded.missing[app] = module_name
            continue
        loaded.plans[app] = DeclaredPlan(
            module.INDEXES,
            frozenset(getattr(module, "SMALL_COLLECTIONS", ())),
            frozenset(getattr(module, "WHOLE_READS", ())),
        )
    return loaded
