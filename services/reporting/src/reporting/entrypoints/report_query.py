"""The query parameters of the report routes: each route declares the filters it applies.

FastAPI ignores a query parameter a route does not declare, so a filter a report does not
apply would go unnoticed (`?team=north` on a report that cannot tell teams apart answers for
every team). Each report route therefore takes only the filters it applies (`Param`), its
signature and OpenAPI document show only those, and `refuse_undeclared` answers 422 naming
any other query parameter, as `loc: ["query", name]`.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.params import Depends as DependsParam
from fastapi.responses import Response


class Param(StrEnum):
    """A report filter as named in the query."""

    FROM = "from"
    TO = "to"
    AS_OF = "as_of"
    MANAGER = "manager_id"
    TEAM = "team"
    CHANNEL = "channel"
    CURRENCY = "currency"
    CLIENT = "client_id"


FORMAT = "format"
"""`json` or `csv`: every report route takes it; it is no filter."""

_KW = inspect.Parameter.KEYWORD_ONLY
_Id = Annotated[str | None, Query(max_length=128)]

_PARAMETERS: dict[str, inspect.Parameter] = {
    # The Python names are the keyword arguments the route's endpoint receives.
    Param.FROM: inspect.Parameter(
        "period_from",
        _KW,
        default=None,
        annotation=Annotated[date | None, Query(alias="from", description="First day (local).")],
    ),
    Param.TO: inspect.Parameter(
        "period_to",
        _KW,
        default=None,
        annotation=Annotated[date | None, Query(alias="to", description="Day after the last.")],
    ),
    Param.AS_OF: inspect.Parameter(
        "as_of",
        _KW,
        default=None,
        annotation=Annotated[
            datetime | None, Query(description="As the report stood then (aware).")
        ],
    ),
    Param.MANAGER: inspect.Parameter("manager_id", _KW, default=None, annotation=_Id),
    Param.TEAM: inspect.Parameter("team", _KW, default=None, annotation=_Id),
    Param.CHANNEL: inspect.Parameter("channel", _KW, default=None, annotation=_Id),
    Param.CURRENCY: inspect.Parameter(
        "currency",
        _KW,
        default=None,
        annotation=Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")],
    ),
    Param.CLIENT: inspect.Parameter("client_id", _KW, default=None, annotation=_Id),
    FORMAT: inspect.Parameter(
        "fmt",
        _KW,
        default="json",
        annotation=Annotated[
            str, Query(alias="format", pattern="^(json|csv)$", description="json or csv")
        ],
    ),
}

ARGUMENT = {name: parameter.name for name, parameter in _PARAMETERS.items()}
"""The endpoint's keyword argument of each query parameter (`from` arrives as `period_from`)."""


def query_signature(filters: Iterable[Param]) -> inspect.Signature:
    """The signature of a report endpoint: the request, these filters and `format`.

    Set as the endpoint's `__signature__`, it is what FastAPI reads the query from (and
    documents); the endpoint receives them as keyword arguments named as in `ARGUMENT`.
    """
    request = inspect.Parameter("request", _KW, annotation=Request)
    chosen = [_PARAMETERS[name] for name in (*filters, FORMAT)]
    return inspect.Signature([request, *chosen], return_annotation=Response)


def refuse_undeclared(declared: Iterable[str]) -> DependsParam:
    """A route dependency: 422 for each query parameter not in `declared`, by name."""
    allowed = frozenset(declared) | {FORMAT}
    takes = ", ".join(sorted(allowed))

    async def only_declared(request: Request) -> None:
        unknown = sorted({name for name in request.query_params if name not in allowed})
        if unknown:
            raise RequestValidationError(
                [
                    {
                        "type": "extra_forbidden",
                        "loc": ("query", name),
                        "msg": f"this report takes no such parameter; it takes {takes}",
                    }
                    for name in unknown
                ]
            )

    declaration: DependsParam = Depends(only_declared)
    return declaration
