"""Who may call each route: systems by API key scope, people by role; deny by default.

`AccessGuard` (ASGI middleware) finds the caller before the body is read: an OIDC bearer token
names a person (see `identity`), anything else must be a configured API key. A bad credential is
answered 401 here. Each route then declares who may call it with `dependencies=[Access.allow()]`,
which shows in the OpenAPI document as the bearer scheme's scopes, and answers 403 to a caller
outside them. A route that declares nothing is refused to everyone, even with the API open.
With neither API keys nor an issuer configured the API is open (local development only).

Key scopes are `<service>:<what>`: `intake` (submit leads only), `read`, `write`, `admin`
(roster, rules, pipelines, templates, webhooks), `approve` (discounts), `rebuild`; `*` is all.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import structlog
from fastapi import Depends, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.params import Depends as DependsParam
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, SecurityScopes
from prometheus_client import Counter
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.platform.auth import (
    OPEN_PATHS,
    SIGNED_LINK_PREFIX,
    ApiKey,
    find_key,
    presented_token,
)
from shared.platform.errors import InfrastructureUnavailable
from shared.platform.identity import ROLES, InvalidToken, OidcVerifier, looks_like_jwt

EVERYONE = ROLES
LEADERS = frozenset({"team_lead", "head_of_sales", "admin"})
HEADS = frozenset({"head_of_sales", "admin"})
ADMINS = frozenset({"admin"})
ROLE_PREFIX = "role:"

ACCESS_REFUSED = Counter(
    "voronka_access_refused_total",
    "Requests refused for their credentials (401), their rights (403) or a record out of their "
    "sight (404), by reason.",
    ["status", "reason"],
)

_bearer = HTTPBearer(auto_error=False, description="An API key or a person's OIDC token.")


@dataclass(frozen=True)
class Caller:
    """Who is calling: a system by its key's scopes, or a person by their roles."""

    id: str
    kind: Literal["key", "person"]
    scopes: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()

    def may(self, scopes: frozenset[str], roles: frozenset[str]) -> bool:
        """Whether a route allowing these key scopes and roles lets this caller in."""
        if self.kind == "key":
            return "*" in self.scopes or bool(self.scopes & scopes)
        return bool(self.roles & roles)


def caller_of(request: Request) -> Caller | None:
    """Who the guard found calling, or None while the API is open."""
    caller: Caller | None = request.scope.get("state", {}).get("caller")
    return caller


def acting_person(request: Request, claimed: str | None, *, field: str) -> str | None:
    """Who acts: a person is themselves (`field` may only repeat it); a system names them."""
    caller = caller_of(request)
    if caller is None or caller.kind == "key":
        return claimed
    if claimed not in (None, caller.id):
        raise Refused(f"`{field}` may only repeat who you are", "actor")
    return caller.id


def required_actor(request: Request, claimed: str | None, *, field: str) -> str:
    """`acting_person`, with a 422 naming `field` when a system leaves it out."""
    actor = acting_person(request, claimed, field=field)
    if actor is None:
        raise RequestValidationError(
            [{"loc": ("body", field), "msg": "Field required", "type": "missing"}]
        )
    return actor


class Refused(Exception):
    """The caller may not call this route (403)."""

    def __init__(self, detail: str, reason: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.reason = reason


async def _authorize(
    request: Request,
    required: SecurityScopes,
    _: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller | None:
    caller = caller_of(request)
    if caller is None:
        return None  # the API is open: the guard found no keys and no issuer configured
    scopes = frozenset(s for s in required.scopes if not s.startswith(ROLE_PREFIX))
    roles = frozenset(s.removeprefix(ROLE_PREFIX) for s in required.scopes if s not in scopes)
    if not caller.may(scopes, roles):
        if caller.kind == "key":
            raise Refused(
                f"the API key lacks one of the scopes {', '.join(sorted(scopes))}", "scope"
            )
        raise Refused("your role does not allow this", "role")
    return caller


class Access:
    """The access declarations of one service's routes."""

    def __init__(self, service: str) -> None:
        self.service = service

    def allow(self, *, keys: Iterable[str], roles: Iterable[str]) -> DependsParam:
        """A route dependency letting in keys with `<service>:<key>` and people with a role."""
        scopes = [f"{self.service}:{what}" for what in keys]
        scopes += [f"{ROLE_PREFIX}{role}" for role in sorted(roles)]
        declaration: DependsParam = Security(_authorize, scopes=scopes)
        return declaration

    def read(self) -> DependsParam:
        """Reading: `read` keys and every role."""
        return self.allow(keys=("read",), roles=EVERYONE)

    def write(self) -> DependsParam:
        """Changing records: `write` keys and every role."""
        return self.allow(keys=("write",), roles=EVERYONE)

    def signed_link(self) -> DependsParam:
        """A link sent to a client: no credential (under `/v1/links/`); the route checks the
        signature the link carries."""
        return self.allow(keys=("signed-link",), roles=())

    def admin(self, roles: Iterable[str] = ADMINS) -> DependsParam:
        """Configuration: `admin` keys and, by default, admins."""
        return self.allow(keys=("admin",), roles=roles)


def declares_access(route: Any) -> bool:
    """Whether a route's dependencies include an access declaration."""
    pending = list(getattr(getattr(route, "dependant", None), "dependencies", []))
    while pending:
        dependant = pending.pop()
        if dependant.call is _authorize:
            return True
        pending.extend(dependant.dependencies)
    return False


_DECLARED = "_voronka_declares_access"
"""The route attribute caching `declares_access`: a route's dependencies never change."""


async def require_declared_access(request: Request) -> None:
    """App-wide dependency: a route that declares no access is refused to everyone."""
    route = request.scope.get("route")
    if getattr(route, "path", None) in OPEN_PATHS:
        return
    declared = getattr(route, _DECLARED, None)
    if declared is None:
        declared = declares_access(route)
        setattr(route, _DECLARED, declared)
    if not declared:
        raise Refused("this route declares no access policy", "undeclared")


class AccessGuard:
    """ASGI middleware: 401 for a missing or bad credential, the caller in `scope["state"]`."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        keys: Sequence[ApiKey] | None,
        verifier: OidcVerifier | None,
    ) -> None:
        self.app = app
        self.keys = list(keys) if keys is not None else None
        self.verifier = verifier

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        open_api = self.keys is None and self.verifier is None
        path = scope.get("path", "")
        if scope["type"] != "http" or path in OPEN_PATHS or open_api:
            await self.app(scope, receive, send)
            return
        if path.startswith(SIGNED_LINK_PREFIX):  # the route checks the link's signature
            await self.app(scope, receive, send)
            return
        token = presented_token(scope.get("headers", ()))
        if token is None:
            await _refuse_credentials(send, "missing", "a valid API key or token is required")
            return
        if self.verifier is not None and looks_like_jwt(token):
            try:
                person = await self.verifier.verify(token)
            except InvalidToken as exc:
                await _refuse_credentials(send, "invalid_token", str(exc))
                return
            except InfrastructureUnavailable:
                await _unavailable(send)
                return
            caller = Caller(person.subject, "person", roles=person.roles)
        else:
            key = find_key(self.keys or [], token)
            if key is None:
                await _refuse_credentials(send, "invalid_token", "a valid API key is required")
                return
            caller = Caller(key.id, "key", scopes=frozenset(key.scopes))
        scope.setdefault("state", {})["caller"] = caller
        log_as = {"api_key": caller.id} if caller.kind == "key" else {"person": caller.id}
        with structlog.contextvars.bound_contextvars(**log_as):  # who did it, in every log
            await self.app(scope, receive, send)


async def _refuse_credentials(send: Send, reason: str, detail: str) -> None:
    ACCESS_REFUSED.labels("401", reason).inc()
    challenge = b"Bearer" if reason == "missing" else b'Bearer error="invalid_token"'
    body = {"error": "unauthorized", "detail": detail}
    await _send_json(send, 401, body, [(b"www-authenticate", challenge)])


async def _unavailable(send: Send) -> None:
    body = {"error": "unavailable", "detail": "the identity provider cannot be reached"}
    await _send_json(send, 503, body, [(b"retry-after", b"5")])


async def _send_json(
    send: Send, status: int, body: dict[str, str], extra: list[tuple[bytes, bytes]]
) -> None:
    data = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + extra})
    await send({"type": "http.response.body", "body": data})
