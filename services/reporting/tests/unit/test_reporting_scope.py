"""Reports narrowed to the caller: a manager's own figures, a team lead's team, heads all."""

from __future__ import annotations

import pytest

from reporting.entrypoints.report_scope import (
    DepartmentOnly,
    ManagerRequired,
    Narrowing,
    OutOfScope,
    narrowed,
    rows_in_scope,
)
from reporting.service_layer.queries import Filters
from shared.platform.people import Scope

pytestmark = pytest.mark.unit

ALL = Scope.everything()
ANNA = Scope(owners=frozenset({"m-anna"}))
NORTH = Scope(owners=frozenset({"l-north", "m-anna", "m-boris"}), team="north")
FILTERS, ONE, ROWS, DEPT = Narrowing


@pytest.mark.parametrize(
    ("scope", "how", "asked", "answer"),
    [
        (ALL, DEPT, Filters(), Filters()),
        (ALL, ONE, Filters(manager_id="m-vera"), Filters(manager_id="m-vera")),
        (ANNA, FILTERS, Filters(channel="web"), Filters(manager_id="m-anna", channel="web")),
        (ANNA, ONE, Filters(), Filters(manager_id="m-anna")),
        (ANNA, ROWS, Filters(manager_id="m-anna"), Filters(manager_id="m-anna")),
        (ANNA, ONE, Filters(manager_id="m-vera"), OutOfScope),
        (ANNA, DEPT, Filters(), DepartmentOnly),
        (NORTH, FILTERS, Filters(), Filters(team="north")),
        # The named manager (ONE) or the rows kept (ROWS) narrow a team lead's view; a team
        # would narrow it further, to the deals of the team's leads.
        (NORTH, ONE, Filters(manager_id="m-boris"), Filters(manager_id="m-boris")),
        (NORTH, ONE, Filters(manager_id="m-boris", team="south"), OutOfScope),
        (NORTH, ONE, Filters(), ManagerRequired),
        (NORTH, ROWS, Filters(), Filters()),
        # A manager's narrowing is laid over the filters asked for, which still apply.
        (ANNA, ONE, Filters(client_id="c1"), Filters(manager_id="m-anna", client_id="c1")),
        (NORTH, FILTERS, Filters(manager_id="m-vera"), OutOfScope),
        (NORTH, FILTERS, Filters(team="south"), OutOfScope),
        (Scope.none(), FILTERS, Filters(), OutOfScope),
    ],
)
def test_a_report_is_narrowed_to_the_callers_scope_or_refused(
    scope: Scope, how: Narrowing, asked: Filters, answer: Filters | type[Exception]
) -> None:
    if isinstance(answer, Filters):
        assert narrowed(asked, scope, how) == answer
    else:
        with pytest.raises(answer):
            narrowed(asked, scope, how)


def test_a_per_manager_table_keeps_only_the_managers_in_scope() -> None:
    by_manager = {"m-anna": 1, "m-boris": 2, "m-vera": 3}
    rows = [{"manager_id": "m-vera", "won": 3}, {"manager_id": "m-boris", "won": 2}]
    assert rows_in_scope(by_manager, NORTH) == {"m-anna": 1, "m-boris": 2}
    assert rows_in_scope(rows, ANNA) == []
    assert rows_in_scope(rows, ALL) == rows
