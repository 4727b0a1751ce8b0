"""The audit trail: each change made on a request, who asked for it, before → after.

A state-changing request (POST, PUT, PATCH, DELETE) runs inside an `AuditScope` opened by
`AuditMiddleware`: the caller the guard found, the request id (`X-Request-Id`, made when absent
and echoed back) and, once routed, the route template. Code that writes a record calls
`record_change(kind, record_id, before, after)`: the repository does it for every aggregate,
each settings store for its documents. A request that succeeds without recording a change is
recorded once as kind `request`, so every state-changing request leaves an entry.

An entry is one document of the service's `audit` collection, inserted together with its own
outbox message (`audit.recorded`, for a SIEM) in one write; entries are never updated except
by the relay clearing that outbox (ADR 0030). Changes made by consumers and timers are not
recorded here: the events that caused them are their record.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.contracts.events.audit import ActorKind, AuditRecordedV1
from shared.contracts.topics import Topic
from shared.platform.clock import Clock
from shared.platform.indexes import IndexPlan, index, merge
from shared.platform.logging import get_logger, redacted_field
from shared.platform.outbox import outbox_fields, outbox_indexes, outbox_message

AUDIT_COLLECTION = "audit"
CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REQUEST_ID_HEADER = "x-request-id"
GROUP_COMMIT_MAX = 500
"""Entries written by one `insert_many` at most."""
MAX_VALUE_CHARS = 2000
"""A changed value longer than this (as JSON) is recorded by its size only."""

CREDENTIAL_SHOWN_AS = "[secret]"
"""What a credential's value (a webhook's signing secret, a password) reads in the trail."""

_SECRET_NAME = re.compile(r"secret|password|token|api_?key|key_hash", re.IGNORECASE)
log = get_logger(__name__)

_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_NEWEST_FIRST = ("_id", -1)

AUDIT_INDEXES: IndexPlan = merge(
    outbox_indexes(AUDIT_COLLECTION),
    {
        # Entry ids begin with their time, so `_id` order is time order; each filter has its
        # own index so a page never scans another actor's or record's entries.
        AUDIT_COLLECTION: [
            index("actor", _NEWEST_FIRST),
            index("record_id", _NEWEST_FIRST),
            index("kind", _NEWEST_FIRST),
        ]
    },
)


@dataclass
class AuditScope:
    """One state-changing request: who asked, its id, and how many changes it recorded."""

    trail: AuditTrail
    asgi: Scope
    actor: str
    actor_kind: ActorKind
    request_id: str
    recorded: int = 0

    @property
    def action(self) -> str:
        """The method and route template (the raw path before routing)."""
        route = getattr(self.asgi.get("route"), "path", None) or self.asgi["path"]
        return f"{self.asgi['method']} {route}"


_current: ContextVar[AuditScope | None] = ContextVar("audit_scope", default=None)


def entry_id(at: datetime) -> str:
    """A new entry id that sorts by time: `20261130T071502.123456Z-1a2b3c4d`."""
    return f"{at:%Y%m%dT%H%M%S.%fZ}-{uuid.uuid4().hex[:8]}"


def id_bound(at: datetime) -> str:
    """The smallest entry id recorded at `at` or later."""
    return f"{at:%Y%m%dT%H%M%S.%fZ}"


def _shown(name: str, value: Any) -> Any:
    if value is not None and _SECRET_NAME.search(name):
        return CREDENTIAL_SHOWN_AS
    plain = json.loads(json.dumps(redacted_field(name, value), default=str))
    size = len(json.dumps(plain))
    return plain if size <= MAX_VALUE_CHARS else f"[{size} characters not recorded]"


def field_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """Changed top-level fields as `{before, after}` (`{added}` for a list grown at its end).

    Storage fields (`_id`, `_outbox…`, `rev`) are left out; personal values are redacted.
    """
    changes: dict[str, Any] = {}
    for name in sorted(set(before) | set(after)):
        if name.startswith("_") or name == "rev":
            continue
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if isinstance(old, list) and isinstance(new, list) and new[: len(old)] == old:
            changes[name] = {"added": _shown(name, new[len(old) :])}
        else:
            changes[name] = {"before": _shown(name, old), "after": _shown(name, new)}
    return changes


class AuditTrail:
    """A service's append-only trail, in its own collection, each entry with its outbox.

    Entries are written by group commit: while one `insert_many` is in flight, the entries of
    the requests arriving meanwhile wait for the next one, and each request waits until its
    own entry is written. An entry of a request that changed no record here is not waited for
    (ADR 0030).
    """

    def __init__(self, db: AsyncDatabase[Any], *, service: str, clock: Clock) -> None:
        self.collection: AsyncCollection[Any] = db[AUDIT_COLLECTION]
        self._service = service
        self._clock = clock
        self._waiting: list[tuple[dict[str, Any], asyncio.Future[None] | None]] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(
        self,
        scope: AuditScope,
        *,
        kind: str,
        record_id: str | None,
        changes: dict[str, Any],
        wait: bool = True,
    ) -> None:
        """Append one entry with its `audit.recorded` message; `wait=False` does not await it."""
        at = self._clock.now()
        event = AuditRecordedV1(
            entry_id=entry_id(at),
            service=self._service,
            actor=scope.actor,
            actor_kind=scope.actor_kind,
            action=scope.action,
            request_id=scope.request_id,
            kind=kind,
            record_id=record_id,
            changes=changes,
            at=at,
        )
        message = outbox_message(
            event,
            topic=Topic.AUDIT_RECORDED.value,
            source=self._service,
            key=record_id or event.entry_id,
            event_id=event.entry_id,
            correlation_id=scope.request_id,
            time=at,
        )
        document = event.model_dump(exclude={"entry_id"})
        await self._write(
            {"_id": event.entry_id, **document, **outbox_fields([message])}, wait=wait
        )
        scope.recorded += 1

    async def _write(self, document: dict[str, Any], *, wait: bool) -> None:
        loop = asyncio.get_running_loop()
        written: asyncio.Future[None] | None = loop.create_future() if wait else None
        self._waiting.append((document, written))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_waiting(), name="audit-writer")
        if written is not None:
            await written

    async def flushed(self) -> None:
        """Return once every entry recorded so far is written (or its write failed)."""
        while self._writer is not None and not self._writer.done():
            await asyncio.wait({self._writer})

    async def _write_waiting(self) -> None:
        while self._waiting:
            batch = self._waiting[:GROUP_COMMIT_MAX]
            del self._waiting[:GROUP_COMMIT_MAX]
            try:
                await self.collection.insert_many([document for document, _ in batch])
            except Exception as exc:  # each waiting request fails with the write
                unwaited = sum(1 for _, written in batch if written is None)
                if unwaited:
                    log.warning(
                        "audit entries of requests that changed no record were lost",
                        entries=unwaited,
                        error_type=type(exc).__name__,
                    )
                for _, written in batch:
                    if written is not None and not written.done():
                        written.set_exception(exc)
            else:
                for _, written in batch:
                    if written is not None and not written.done():
                        written.set_result(None)

    async def entries(
        self,
        *,
        actor: str | None = None,
        kind: str | None = None,
        record_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        after: str | None = None,
        limit: int = 50,
    ) -> list[AuditRecordedV1]:
        """Entries newest first, filtered in the query; `after` is the last id of a page."""
        query: dict[str, Any] = {}
        for name, value in (("actor", actor), ("kind", kind), ("record_id", record_id)):
            if value is not None:
                query[name] = value
        ids: dict[str, str] = {}
        if since is not None:
            ids["$gte"] = id_bound(since)
        if until is not None:
            ids["$lt"] = id_bound(until)
        if after is not None:
            ids["$lt"] = min(after, ids.get("$lt", after))
        if ids:
            query["_id"] = ids
        cursor = self.collection.find(query, sort=[_NEWEST_FIRST], limit=limit)
        return [
            AuditRecordedV1.model_validate({**document, "entry_id": document["_id"]})
            async for document in cursor
        ]


async def record_change(
    kind: str, record_id: str, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> None:
    """Record a change of one record if a request asked for it (no-op in consumers and timers)."""
    scope = _current.get()
    if scope is None:
        return
    changes = field_changes(before or {}, after or {})
    if changes:
        await scope.trail.record(scope, kind=kind, record_id=record_id, changes=changes)


async def replace_audited(
    collection: AsyncCollection[Any], record_id: str, document: Mapping[str, Any]
) -> None:
    """Create or replace a settings document, recording the change if a request asked for it."""
    before = await collection.find_one({"_id": record_id}) if _current.get() else None
    await collection.replace_one({"_id": record_id}, dict(document), upsert=True)
    await record_change(collection.name, record_id, before, document)


async def update_audited(
    collection: AsyncCollection[Any],
    record_id: str,
    update: Mapping[str, Any],
    *,
    upsert: bool = False,
) -> bool:
    """Update a settings document (False if there is none to update), recording the change."""
    if _current.get() is None:
        result = await collection.update_one({"_id": record_id}, dict(update), upsert=upsert)
        return result.matched_count == 1 or result.upserted_id is not None
    before = await collection.find_one_and_update({"_id": record_id}, dict(update), upsert=upsert)
    if before is None and not upsert:
        return False
    after = await collection.find_one({"_id": record_id})
    await record_change(collection.name, record_id, before, after)
    return True


async def delete_audited(collection: AsyncCollection[Any], record_id: str) -> bool:
    """Delete a settings document (False if there was none), recording what it held."""
    before = await collection.find_one_and_delete({"_id": record_id})
    if before is None:
        return False
    await record_change(collection.name, record_id, before, None)
    return True


class AuditMiddleware:
    """ASGI middleware: opens an `AuditScope` for each state-changing request.

    It runs inside the access guard (which names the caller). A request that succeeded
    without recording a change is recorded as it answers, without waiting for the write.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        trail: AuditTrail | None = (
            getattr(scope["app"].state, "audit_trail", None) if "app" in scope else None
        )
        if scope["type"] != "http" or scope["method"] not in CHANGING_METHODS or trail is None:
            await self.app(scope, receive, send)
            return
        caller = scope.get("state", {}).get("caller")
        audit = AuditScope(
            trail,
            scope,
            actor=caller.id if caller is not None else "anonymous",
            actor_kind=caller.kind if caller is not None else "open",
            request_id=_request_id(scope),
        )

        async def send_recorded(message: Message) -> None:
            if message["type"] == "http.response.start":
                if message["status"] < 400 and audit.recorded == 0:
                    # Not awaited: see "request entries" in ADR 0030.
                    await trail.record(
                        audit, kind="request", record_id=None, changes={}, wait=False
                    )
                header = (REQUEST_ID_HEADER.encode(), audit.request_id.encode())
                message = {**message, "headers": [*message.get("headers", []), header]}
            await send(message)

        token = _current.set(audit)
        try:
            await self.app(scope, receive, send_recorded)
        finally:
            _current.reset(token)


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID_HEADER.encode():
            given = bytes(value).decode("latin-1")
            if _REQUEST_ID.fullmatch(given):
                return given
    return uuid.uuid4().hex
