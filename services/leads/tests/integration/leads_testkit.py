"""Helpers of the leads integration tests: the sample roster and consumer-progress checks."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx

from leads.bootstrap import LeadsService

Running = tuple[LeadsService, httpx.AsyncClient]
ServiceFactory = Callable[..., AbstractAsyncContextManager[Running]]

ROSTER = [
    {"id": "mgr-a", "name": "Анна", "team": "sales"},
    {"id": "mgr-b", "name": "Борис", "team": "sales"},
    {"id": "mgr-c", "name": "Вера", "team": "sales"},
    {"id": "head", "name": "Глава продаж", "team": "sales", "role": "head_of_sales"},
]


async def stored_lead(service: LeadsService, lead_id: str) -> dict[str, Any] | None:
    """The raw stored document of a lead, by its id or a merged duplicate's id."""
    document: dict[str, Any] | None = await service.leads.collection.find_one(
        {"$or": [{"_id": lead_id}, {"aliases": lead_id}]}
    )
    return document


async def put_roster(http: httpx.AsyncClient, roster: list[dict[str, Any]] = ROSTER) -> None:
    """Load the sample roster through the API."""
    for entry in roster:
        body = {k: v for k, v in entry.items() if k != "id"}
        response = await http.put(f"/v1/managers/{entry['id']}", json=body)
        assert response.status_code == 200, response.text
