"""Reports narrowed to the caller's scope: a manager's own figures, a team lead's team's.

Each report says how it can be narrowed (`Narrowing`), because the reports honour different
filters: the funnel takes a manager and a team; sales and receivables one manager; the
per-manager tables are cut to the managers in scope after they are computed; and the reports
about clients and channels cover the whole department, so they are for heads of sales only.
The narrowing is laid over the filters asked for, which still apply: a manager asking for
one client's sales gets their own sales to that client.
"""

from __future__ import annotations

from dataclasses import replace
from enum import Enum
from typing import Any

from reporting.service_layer.queries import Filters
from shared.platform.people import Scope


class Narrowing(Enum):
    """How one report is kept within a caller's scope."""

    FILTERS = "filters"
    """Honours `manager_id` and `team`."""
    ONE_MANAGER = "one_manager"
    """Narrowed by `manager_id` only: a team lead must name one of their team's managers.

    The named manager is the narrowing; the team is not added, because a report's team is
    its leads' team (sales: the deal's lead's), which would drop the manager's other deals.
    """
    ROWS = "rows"
    """A table with a row per manager: the rows outside the scope are left out (a manager's
    `manager_id` is set to their own); a team lead's rows are the full figures of each
    manager of the team, as the head of sales sees them."""
    DEPARTMENT = "department"
    """About clients or channels across the department: heads of sales and admins only."""


class OutOfScope(Exception):
    """The report asks for someone outside the caller's scope (404)."""


class DepartmentOnly(Exception):
    """The report covers the whole department and the caller sees less of it (403)."""


class ManagerRequired(Exception):
    """A team lead must name one manager of their team for this report (422)."""


def narrowed(f: Filters, scope: Scope, how: Narrowing) -> Filters:
    """The filters within the scope; raises when the report cannot be narrowed to it."""
    if scope.owners is None:
        return f
    if how is Narrowing.DEPARTMENT:
        raise DepartmentOnly
    if not scope.owners or (f.manager_id is not None and f.manager_id not in scope.owners):
        raise OutOfScope
    if scope.team is None:  # a manager: their own figures
        (own,) = scope.owners
        return replace(f, manager_id=own)
    if f.team not in (None, scope.team):
        raise OutOfScope
    if how is Narrowing.ONE_MANAGER and f.manager_id is None:
        raise ManagerRequired
    if how is Narrowing.FILTERS:
        return replace(f, team=scope.team)
    return f


def rows_in_scope(result: Any, scope: Scope) -> Any:
    """A per-manager table (a mapping by manager, or rows naming one) cut to the scope."""
    if scope.owners is None:
        return result
    if isinstance(result, dict):
        return {key: value for key, value in result.items() if key in scope.owners}
    return [row for row in result if row.get("manager_id") in scope.owners]
