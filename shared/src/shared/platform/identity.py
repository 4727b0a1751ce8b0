"""People's identity: OIDC bearer tokens (JWT) verified against the issuer's published keys.

The issuer's discovery document names its key set (JWKS). The keys are fetched on first use and
again only when a token names a key id not seen yet (the issuer rotated its keys), at most once
per `jwks_refetch_seconds`, so a flood of forged key ids cannot turn into a flood of fetches.
A token passes only when signed with an allowed asymmetric algorithm (never `none`, never HMAC,
so the public key cannot be used as a shared secret), by a key of the issuer, for the configured
audience, and within its validity with a small leeway. Roles come from the first configured
claim path that holds a list: Keycloak's `realm_access.roles`, or a plain `roles`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import jwt
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.platform.clock import Clock
from shared.platform.errors import InfrastructureUnavailable

ROLES = frozenset({"manager", "team_lead", "head_of_sales", "admin"})
"""The roles Voronka acts on; others in the token are ignored."""
ASYMMETRIC = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)


class OidcSettings(BaseSettings):
    """Where people's tokens come from; people cannot sign in while `issuer` is unset."""

    model_config = SettingsConfigDict(env_prefix="OIDC_")

    issuer: str | None = Field(
        default=None, description="The issuer URL, exactly as in the tokens' `iss`."
    )
    audience: str | None = Field(
        default=None, description="The audience the tokens must name (`aud`), e.g. `voronka`."
    )
    algorithms: list[str] = Field(
        default=["RS256", "ES256"],
        description="Signature algorithms accepted; only asymmetric ones are allowed.",
    )
    person_claim: str = Field(
        default="sub",
        description="Claim naming the person as Voronka knows them (e.g. a mapped `voronka_id`).",
    )
    roles_claims: list[str] = Field(
        default=["realm_access.roles", "roles"],
        description="Claim paths holding the roles, tried in order (dots separate levels).",
    )
    leeway_seconds: int = Field(
        default=30, ge=0, le=300, description="Clock skew tolerated on `exp`, `nbf` and `iat`."
    )
    jwks_refetch_seconds: int = Field(
        default=10, ge=1, description="An unknown key id refetches the keys at most this often."
    )
    http_timeout_seconds: float = Field(
        default=5.0, gt=0, description="Deadline of a discovery or key set request."
    )

    @property
    def enabled(self) -> bool:
        """Whether people may sign in."""
        return bool(self.issuer and self.audience)


class InvalidToken(Exception):
    """The token cannot be trusted; the message says why and never holds the token."""


@dataclass(frozen=True)
class IssuerKey:
    """A public key of the issuer, and the algorithm it was published for, if it names one."""

    public: Any
    published_for: str | None


@dataclass(frozen=True)
class Person:
    """Who a verified token speaks for."""

    subject: str
    roles: frozenset[str]
    name: str | None = None


def roles_of(claims: Mapping[str, Any], paths: Sequence[str]) -> frozenset[str]:
    """Voronka's roles in the first claim path holding a list; none when no path does."""
    for path in paths:
        value: Any = claims
        for part in path.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        if isinstance(value, list):
            return frozenset(role for role in value if isinstance(role, str)) & ROLES
    return frozenset()


def looks_like_jwt(token: str) -> bool:
    """A compact JWS has three dot-separated parts; an API key has none."""
    return token.count(".") == 2


class OidcVerifier:
    """Verifies bearer tokens of one issuer, keeping its keys between requests."""

    def __init__(
        self, settings: OidcSettings, *, clock: Clock, http: httpx.AsyncClient | None = None
    ) -> None:
        if not settings.enabled:
            raise ValueError("OIDC_ISSUER and OIDC_AUDIENCE are both needed")
        refused = set(settings.algorithms) - ASYMMETRIC
        if refused:
            raise ValueError(f"only asymmetric algorithms may be allowed, not {sorted(refused)}")
        self._settings = settings
        self._clock = clock
        self._http = http or httpx.AsyncClient(timeout=settings.http_timeout_seconds)
        self._keys: dict[str | None, IssuerKey] = {}
        self._tried_at: datetime | None = None
        self._fetching = asyncio.Lock()

    async def verify(self, token: str) -> Person:
        """The person a token speaks for; `InvalidToken` when it cannot be trusted."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidToken("the token is not a well-formed JWT") from None
        algorithm = header.get("alg")
        if algorithm not in self._settings.algorithms:
            raise InvalidToken("the token's algorithm is not allowed")
        key = await self._key(header.get("kid"))
        if key.published_for not in (None, algorithm):
            raise InvalidToken("the token's algorithm is not the one its key is for")
        try:
            claims = jwt.decode(
                token,
                key=key.public,
                algorithms=[algorithm],
                audience=self._settings.audience,
                issuer=self._settings.issuer,
                leeway=self._settings.leeway_seconds,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("the token has expired") from None
        except jwt.ImmatureSignatureError:
            raise InvalidToken("the token is not valid yet") from None
        except jwt.InvalidAudienceError:
            raise InvalidToken("the token is for another audience") from None
        except jwt.InvalidIssuerError:
            raise InvalidToken("the token is from another issuer") from None
        except jwt.MissingRequiredClaimError as exc:
            raise InvalidToken(f"the token lacks the claim {exc.claim}") from None
        except jwt.PyJWTError:
            raise InvalidToken("the token's signature does not verify") from None
        subject = claims.get(self._settings.person_claim)
        if not isinstance(subject, str) or not subject:
            raise InvalidToken(f"the token lacks the claim {self._settings.person_claim}")
        name = claims.get("name") or claims.get("preferred_username")
        return Person(
            subject=subject,
            roles=roles_of(claims, self._settings.roles_claims),
            name=str(name) if name else None,
        )

    async def close(self) -> None:
        """Close the HTTP client."""
        await self._http.aclose()

    async def _key(self, kid: Any) -> IssuerKey:
        key = self._find(kid)
        if key is None:
            await self._refetch()
            key = self._find(kid)
        if key is None:
            raise InvalidToken("the token's key is not one of the issuer's")
        return key

    def _find(self, kid: Any) -> IssuerKey | None:
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        return self._keys.get(kid) if isinstance(kid, str) else None

    async def _refetch(self) -> None:
        """Fetch the keys unless tried within the interval (a second while none ever came).

        Callers waiting on the lock then find what the first one fetched.
        """
        async with self._fetching:
            now = self._clock.now()
            seconds = self._settings.jwks_refetch_seconds if self._keys else 1
            if self._tried_at is not None and now - self._tried_at < timedelta(seconds=seconds):
                if not self._keys:
                    raise InfrastructureUnavailable("the issuer's keys are not available yet")
                return
            self._tried_at = now
            self._keys = await self._fetch_keys()

    async def _fetch_keys(self) -> dict[str | None, IssuerKey]:
        issuer = (self._settings.issuer or "").rstrip("/")
        try:
            discovery = await self._get_json(f"{issuer}/.well-known/openid-configuration")
            jwks_uri = discovery.get("jwks_uri")
            if not isinstance(jwks_uri, str):
                raise InfrastructureUnavailable("the issuer's discovery document has no jwks_uri")
            document = await self._get_json(jwks_uri)
        except (httpx.HTTPError, ValueError) as exc:
            raise InfrastructureUnavailable(
                f"the issuer's keys could not be fetched ({type(exc).__name__})"
            ) from exc
        keys: dict[str | None, IssuerKey] = {}
        for entry in document.get("keys") or []:
            if not isinstance(entry, dict) or entry.get("use", "sig") != "sig":
                continue
            try:
                public = jwt.PyJWK(entry).key
            except jwt.PyJWTError:
                continue  # a key of a type this service cannot use is not an outage
            published_for = entry.get("alg")
            keys[entry.get("kid")] = IssuerKey(
                public, published_for if isinstance(published_for, str) else None
            )
        return keys

    async def _get_json(self, url: str) -> dict[str, Any]:
        response = await self._http.get(url)
        response.raise_for_status()
        body = response.json()
        if not isinstance(body, dict):
            raise ValueError("expected a JSON object")
        return body
