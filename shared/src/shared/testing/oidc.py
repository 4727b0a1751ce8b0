"""A local OIDC issuer for tests: discovery and JWKS over real HTTP, and tokens it signs."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from shared.testing.servers import free_port

AUDIENCE = "voronka"


@dataclass
class LocalIssuer:
    """Signs tokens with its current key and publishes its keys; counts key set fetches."""

    url: str
    keys: dict[str, rsa.RSAPrivateKey] = field(default_factory=dict)
    current: str = ""
    jwks_fetches: int = 0

    def rotate(self) -> str:
        """Make a new signing key (the old ones stay published); its key id."""
        kid = f"k{len(self.keys) + 1}"
        self.keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.current = kid
        return kid

    def jwks(self) -> dict[str, Any]:
        """The published key set."""
        entries = []
        for kid, key in self.keys.items():
            entry = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
            entries.append({**entry, "kid": kid, "use": "sig", "alg": "RS256"})
        return {"keys": entries}

    def token(
        self,
        subject: str = "u-1",
        *,
        roles: list[str] | None = None,
        lifetime: int = 300,
        key_id: str | None = None,
        headers: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        """A token signed with the current key (or `key_id`); `claims` override the defaults."""
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": self.url,
            "aud": AUDIENCE,
            "sub": subject,
            "iat": now,
            "exp": now + lifetime,
            "jti": uuid.uuid4().hex,
            "realm_access": {"roles": roles if roles is not None else ["manager"]},
            **claims,
        }
        kid = key_id or self.current
        return jwt.encode(
            body, self.keys[kid], algorithm="RS256", headers={"kid": kid, **(headers or {})}
        )


@contextmanager
def local_issuer() -> Iterator[LocalIssuer]:
    """An issuer listening on 127.0.0.1 with one key, stopped afterwards."""
    port = free_port()
    issuer = LocalIssuer(url=f"http://127.0.0.1:{port}/realms/voronka")
    issuer.rotate()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/realms/voronka/.well-known/openid-configuration":
                body = {"issuer": issuer.url, "jwks_uri": f"{issuer.url}/protocol/certs"}
            elif self.path == "/realms/voronka/protocol/certs":
                issuer.jwks_fetches += 1
                body = issuer.jwks()
            else:
                self.send_error(404)
                return
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield issuer
    finally:
        server.shutdown()
        server.server_close()
