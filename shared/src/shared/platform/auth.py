"""API keys for integrators: hashed in configuration, scoped per service and per read or write.

A key is sent as `Authorization: Bearer <key>` or `X-API-Key: <key>`. The configuration holds
only SHA-256 hashes, so a leaked config map or secret does not hand out working keys. Scopes
are `<service>:read` (GET, HEAD, OPTIONS), `<service>:write` (everything else) and `*`.
Health, readiness, metrics and the API documentation stay open: probes and scrapers carry no
key, and the network policy is what guards them.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable, Sequence

import structlog
from pydantic import BaseModel, Field, TypeAdapter
from starlette.types import ASGIApp, Receive, Scope, Send

OPEN_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/docs", "/redoc", "/openapi.json"})
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ApiKey(BaseModel):
    """One configured key: who it belongs to, its hash and what it may do."""

    id: str = Field(min_length=1, max_length=100, description="Who holds the key, for logs.")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the key, hex.")
    scopes: list[str] = Field(min_length=1, description="`leads:read`, `deals:write`, `*`…")


API_KEYS = TypeAdapter(list[ApiKey])


def parse_keys(text: str) -> list[ApiKey]:
    """The keys of an `API_KEYS` value (a JSON list); raises a ValidationError naming fields."""
    return API_KEYS.validate_json(text)


def digest(key: str) -> str:
    """The hash a configuration stores for `key`."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def required_scope(service: str, method: str) -> str:
    """The scope a request needs: reading or writing this service."""
    return f"{service}:{'read' if method.upper() in READ_METHODS else 'write'}"


class ApiKeyGuard:
    """ASGI middleware: 401 without a known key, 403 when the key lacks the scope."""

    def __init__(self, app: ASGIApp, *, service: str, keys: Sequence[ApiKey]) -> None:
        self.app = app
        self.service = service
        self.keys = list(keys)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        key = self.find(_presented_key(scope.get("headers", ())))
        if key is None:
            await _refuse(send, 401, "unauthorized", "a valid API key is required")
            return
        needed = required_scope(self.service, scope["method"])
        if needed not in key.scopes and "*" not in key.scopes:
            await _refuse(send, 403, "forbidden", f"the API key lacks the scope {needed}")
            return
        scope.setdefault("state", {})["api_key_id"] = key.id
        with structlog.contextvars.bound_contextvars(api_key=key.id):  # who did it, in every log
            await self.app(scope, receive, send)

    def find(self, presented: str | None) -> ApiKey | None:
        """The configured key matching `presented`, compared in constant time."""
        if not presented:
            return None
        hashed = digest(presented)
        found = None
        for key in self.keys:  # no early exit: the time taken does not depend on the match
            if hmac.compare_digest(key.sha256, hashed):
                found = key
        return found


def _presented_key(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"x-api-key":
            return value.decode("latin-1").strip()
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer":
                return token.strip()
    return None


async def _refuse(send: Send, status: int, error: str, detail: str) -> None:
    body = json.dumps({"error": error, "detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def main() -> None:
    """`python -m shared.platform.auth new ID SCOPE...`: a fresh key and its configuration entry."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    new = commands.add_parser("new", help="generate a key; print it once, and the API_KEYS entry")
    new.add_argument("id", help="who will hold the key, e.g. crm-bridge")
    new.add_argument("scopes", nargs="+", help="e.g. leads:write leads:read")
    args = parser.parse_args()
    key = secrets.token_urlsafe(32)
    entry = ApiKey(id=args.id, sha256=digest(key), scopes=args.scopes)
    print(f"key (give it to {args.id}; it is not stored anywhere): {key}")  # noqa: T201
    print(f"API_KEYS entry: {entry.model_dump_json()}")  # noqa: T201


if __name__ == "__main__":
    main()
