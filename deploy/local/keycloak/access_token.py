"""`make token ROLE=manager USER=mgr-ivanova`: a person's access token from `make run`'s Keycloak.

Uses the password grant of the public client `voronka-cli` (realm `voronka`, see
voronka-realm.json). The password is the local development one: this works on `make run` only.
Prints the token alone on stdout; a line on stderr and exit 1 when no token can be had.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
from typing import Any

import httpx

DEFAULT_USERS = {
    "manager": "mgr-ivanova",
    "team_lead": "lead-moscow",
    "head_of_sales": "head-orlova",
    "admin": "admin",
}
# The realm's local development password (also in voronka-realm.json and the README).
LOCAL_PASSWORD = "voronka-local-dev"  # noqa: S105 - local only, published on purpose


def claims_of(token: str) -> dict[str, Any]:
    """The payload of a JWT, unverified: only to tell the user which roles the token carries."""
    payload = token.split(".")[1]
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return decoded if isinstance(decoded, dict) else {}


def fail(line: str) -> int:
    """One line on stderr; the exit code of a failure."""
    sys.stderr.write(f"token: {line}\n")
    return 1


def main() -> int:
    """Print the access token of USER (by default the sample person holding ROLE, or a manager)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--role", choices=sorted(DEFAULT_USERS), help="checked in the token")
    parser.add_argument("--user", help="a username of the realm; default: one holding the role")
    args = parser.parse_args()
    user = args.user or DEFAULT_USERS[args.role or "manager"]
    port = os.environ.get("VORONKA_KEYCLOAK_PORT", "8180")
    realm = f"http://127.0.0.1:{port}/realms/voronka"
    form = {
        "grant_type": "password",
        "client_id": "voronka-cli",
        "username": user,
        "password": os.environ.get("VORONKA_KEYCLOAK_PASSWORD", LOCAL_PASSWORD),
    }
    try:
        response = httpx.post(f"{realm}/protocol/openid-connect/token", data=form, timeout=10)
    except httpx.TransportError:
        return fail(f"Keycloak is not running on 127.0.0.1:{port} (`make run` starts it)")
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code != 200 or not isinstance(body.get("access_token"), str):
        reason = body.get("error_description") or body.get("error") or response.reason_phrase
        return fail(f"Keycloak gave no token for {user} ({response.status_code}: {reason})")
    token: str = body["access_token"]
    roles = (claims_of(token).get("realm_access") or {}).get("roles") or []
    if args.role is not None and args.role not in roles:
        held = ", ".join(sorted(set(roles) & set(DEFAULT_USERS))) or "none"
        return fail(f"{user} does not hold the role {args.role} (holds: {held})")
    sys.stdout.write(token + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
