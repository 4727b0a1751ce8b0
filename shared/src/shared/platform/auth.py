"""API keys for integrators: hashed in configuration, each with its scopes.

A key is sent as `Authorization: Bearer <key>` or `X-API-Key: <key>`. The configuration holds
only SHA-256 hashes, so a leaked config map or secret does not hand out working keys. What each
scope lets a key do is declared route by route (see `access`). Health, readiness, metrics and the
API documentation stay open: probes and scrapers carry no key, and the network policy guards them.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, Field, TypeAdapter

OPEN_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/docs", "/redoc", "/openapi.json"})
SIGNED_LINK_PREFIX = "/v1/links/"
"""Routes a client reaches from an e-mail: no credential; each checks its own signature."""


class ApiKey(BaseModel):
    """One configured key: who it belongs to, its hash and what it may do."""

    id: str = Field(min_length=1, max_length=100, description="Who holds the key, for logs.")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the key, hex.")
    scopes: list[str] = Field(
        min_length=1, description="`leads:intake`, `leads:read`, `deals:approve`, `*`…"
    )


API_KEYS = TypeAdapter(list[ApiKey])


def parse_keys(text: str) -> list[ApiKey]:
    """The keys of an `API_KEYS` value (a JSON list); raises a ValidationError naming fields."""
    return API_KEYS.validate_json(text)


def digest(key: str) -> str:
    """The hash a configuration stores for `key`."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def find_key(keys: Sequence[ApiKey], presented: str | None) -> ApiKey | None:
    """The configured key matching `presented`, compared in constant time."""
    if not presented:
        return None
    hashed = digest(presented)
    found = None
    for key in keys:  # no early exit: the time taken does not depend on the match
        if hmac.compare_digest(key.sha256, hashed):
            found = key
    return found


def presented_token(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The credential of a request: `X-API-Key`, or the `Authorization: Bearer` token."""
    for name, value in headers:
        if name == b"x-api-key":
            return value.decode("latin-1").strip() or None
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer":
                return token.strip() or None
    return None


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
