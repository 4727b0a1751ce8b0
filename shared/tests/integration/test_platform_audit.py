"""The audit trail on the real server: who, what, which record, before → after, request id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, HTTPException
from pymongo.asynchronous.database import AsyncDatabase

from shared.platform.access import EVERYONE, Access
from shared.platform.audit import AuditTrail, replace_audited, update_audited
from shared.platform.audit_api import install_audit
from shared.platform.auth import ApiKey, digest
from shared.platform.clock import ManualClock
from shared.platform.http import create_app
from shared.platform.outbox import OUTBOX_FIELD, PENDING_FIELD

pytestmark = pytest.mark.integration

WRITER = "w-" + "k" * 40
OPS = "o-" + "k" * 40
KEYS = [
    ApiKey(id="crm-bridge", sha256=digest(WRITER), scopes=["things:write", "things:read"]),
    ApiKey(id="ops", sha256=digest(OPS), scopes=["things:admin"]),
]
ACCESS = Access("things")
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def audited_app(db: AsyncDatabase[Any], clock: ManualClock) -> FastAPI:
    app = create_app(title="things", version="0", description="", readiness={}, api_keys=KEYS)
    install_audit(app, AuditTrail(db, service="things", clock=clock), ACCESS)

    @app.put("/v1/things/{thing_id}", dependencies=[ACCESS.write()])
    async def put_thing(thing_id: str, body: dict[str, Any]) -> dict[str, str]:
        await replace_audited(db["things"], thing_id, body)
        return {"id": thing_id}

    @app.post("/v1/things/{thing_id}/touch", dependencies=[ACCESS.write()])
    async def touch(thing_id: str) -> dict[str, str]:
        if not await update_audited(db["things"], thing_id, {"$set": {"touched": True}}):
            raise HTTPException(404, "no such thing")
        return {"id": thing_id}

    @app.post("/v1/ping", dependencies=[ACCESS.allow(keys=("write",), roles=EVERYONE)])
    async def ping() -> dict[str, str]:
        return {"pong": "yes"}

    return app


async def call(
    app: FastAPI, method: str, path: str, key: str, *, json: Any = None, **headers: str
) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://things") as client:
        return await client.request(
            method, path, json=json, headers={"Authorization": f"Bearer {key}", **headers}
        )


async def test_a_change_is_recorded_with_actor_route_record_and_redacted_before_after(
    mongo_db: AsyncDatabase[Any],
) -> None:
    clock = ManualClock(START)
    app = audited_app(mongo_db, clock)
    first = {"name": "Анна Иванова", "stage": "new", "secret": "s3cr3t", "notes": ["a"]}
    created = await call(app, "PUT", "/v1/things/t-1", WRITER, json=first, **{"X-Request-Id": "r1"})
    clock.advance(timedelta(minutes=1))
    second = {"name": "Анна Петрова", "stage": "won", "secret": "0ther", "notes": ["a", "b"]}
    await call(app, "PUT", "/v1/things/t-1", WRITER, json=second)

    assert created.headers["x-request-id"] == "r1"
    page = (await call(app, "GET", "/v1/audit?record_id=t-1", OPS)).json()
    latest, earliest = page["entries"]
    assert earliest["actor"] == "crm-bridge"
    assert earliest["actor_kind"] == "key"
    assert earliest["action"] == "PUT /v1/things/{thing_id}"
    assert earliest["request_id"] == "r1"
    assert earliest["kind"] == "things"
    assert earliest["changes"]["stage"] == {"before": None, "after": "new"}
    assert latest["changes"] == {
        "name": {"before": "[redacted]", "after": "[redacted]"},
        "notes": {"added": ["b"]},
        "secret": {"before": "[secret]", "after": "[secret]"},
        "stage": {"before": "new", "after": "won"},
    }
    assert latest["at"] == "2026-03-02T09:01:00Z"
    assert page["next"] is None
    stored = await mongo_db["audit"].find_one({"_id": latest["entry_id"]})
    assert stored is not None and stored[PENDING_FIELD] is True
    assert [m["topic"] for m in stored[OUTBOX_FIELD]] == ["audit.recorded"]


async def test_a_request_that_changes_nothing_is_recorded_once_and_a_failed_one_never(
    mongo_db: AsyncDatabase[Any],
) -> None:
    app = audited_app(mongo_db, ManualClock(START))
    assert (await call(app, "POST", "/v1/ping", WRITER)).status_code == 200
    assert (await call(app, "POST", "/v1/things/none/touch", WRITER)).status_code == 404
    assert (await call(app, "GET", "/v1/things-missing", WRITER)).status_code == 404

    await app.state.audit_trail.flushed()  # a request that changed nothing is not waited for
    entries = (await call(app, "GET", "/v1/audit", OPS)).json()["entries"]
    assert [(e["kind"], e["action"], e["record_id"]) for e in entries] == [
        ("request", "POST /v1/ping", None)
    ]


async def test_the_trail_pages_newest_first_filters_by_actor_and_is_for_admins_only(
    mongo_db: AsyncDatabase[Any],
) -> None:
    clock = ManualClock(START)
    app = audited_app(mongo_db, clock)
    for n in range(5):
        await call(app, "PUT", f"/v1/things/t-{n}", WRITER, json={"n": n})
        clock.advance(timedelta(seconds=1))
    await call(app, "POST", "/v1/ping", WRITER)
    await app.state.audit_trail.flushed()

    first = (await call(app, "GET", "/v1/audit?kind=things&limit=3", OPS)).json()
    rest = (await call(app, "GET", f"/v1/audit?kind=things&after={first['next']}", OPS)).json()
    assert [e["record_id"] for e in first["entries"] + rest["entries"]] == [
        "t-4",
        "t-3",
        "t-2",
        "t-1",
        "t-0",
    ]
    window = "since=2026-03-02T09:00:01Z&until=2026-03-02T09:00:03Z"
    timed = (await call(app, "GET", f"/v1/audit?{window}", OPS)).json()["entries"]
    assert [e["record_id"] for e in timed] == ["t-2", "t-1"]
    by_ops = (await call(app, "GET", "/v1/audit?actor=ops", OPS)).json()["entries"]
    assert by_ops == []
    assert (await call(app, "GET", "/v1/audit", WRITER)).status_code == 403
