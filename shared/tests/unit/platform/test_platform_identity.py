"""People's tokens: what a verified token says, and every way a bad one is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
import pytest_asyncio
from cryptography.hazmat.primitives import serialization

from shared.platform.clock import ManualClock
from shared.platform.errors import InfrastructureUnavailable
from shared.platform.identity import (
    InvalidToken,
    OidcSettings,
    OidcVerifier,
    Person,
    looks_like_jwt,
    roles_of,
)
from shared.testing.oidc import AUDIENCE, LocalIssuer, local_issuer
from shared.testing.servers import free_port

pytestmark = pytest.mark.unit

START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture
def issuer() -> Iterator[LocalIssuer]:
    with local_issuer() as running:
        yield running


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest_asyncio.fixture
async def verifier(issuer: LocalIssuer, clock: ManualClock) -> AsyncIterator[OidcVerifier]:
    settings = OidcSettings(issuer=issuer.url, audience=AUDIENCE, jwks_refetch_seconds=10)
    checking = OidcVerifier(settings, clock=clock)
    yield checking
    await checking.close()


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hand_made(header: dict[str, Any], claims: dict[str, Any], sign: Any) -> str:
    """A compact JWS built by hand, for tokens no library would sign."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{b64(sign(signing_input.encode()))}"


def claims_of(issuer: LocalIssuer, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"iss": issuer.url, "aud": AUDIENCE, "sub": "u-1", "iat": now, "exp": now + 300}


async def test_a_valid_token_names_the_person_and_voronkas_roles_only(
    issuer: LocalIssuer, verifier: OidcVerifier
) -> None:
    token = issuer.token("u-7", roles=["manager", "offline_access"], name="Ирина Волкова")
    assert await verifier.verify(token) == Person(
        subject="u-7", roles=frozenset({"manager"}), name="Ирина Волкова"
    )


def test_roles_come_from_the_first_claim_path_holding_a_list() -> None:
    paths = ["realm_access.roles", "roles"]
    keycloak = {"realm_access": {"roles": ["team_lead", "uma"]}, "roles": ["admin"]}
    plain = {"roles": ["head_of_sales", 7]}
    assert roles_of(keycloak, paths) == {"team_lead"}
    assert roles_of(plain, paths) == {"head_of_sales"}
    assert roles_of({"realm_access": "x"}, paths) == frozenset()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"exp": -120}, "expired"),  # two minutes ago: beyond the 30 s leeway
        ({"nbf": 600}, "not valid yet"),
        ({"aud": "someone-else"}, "another audience"),
        ({"iss": "http://127.0.0.1:1/realms/evil"}, "another issuer"),
    ],
)
async def test_tokens_outside_their_time_audience_or_issuer_are_refused(
    issuer: LocalIssuer, verifier: OidcVerifier, change: dict[str, Any], reason: str
) -> None:
    now = int(time.time())
    claims = {k: now + v if k in ("exp", "nbf") else v for k, v in change.items()}
    token = issuer.token(**claims)
    with pytest.raises(InvalidToken, match=reason) as refused:
        await verifier.verify(token)
    assert token not in str(refused.value)


async def test_an_expiry_within_the_leeway_still_passes(
    issuer: LocalIssuer, verifier: OidcVerifier
) -> None:
    token = issuer.token(exp=int(time.time()) - 10)  # 10 s past, leeway 30 s
    assert (await verifier.verify(token)).subject == "u-1"


async def test_an_unsigned_token_is_refused(issuer: LocalIssuer, verifier: OidcVerifier) -> None:
    token = hand_made({"alg": "none", "typ": "JWT"}, claims_of(issuer), lambda _: b"")
    with pytest.raises(InvalidToken, match="algorithm is not allowed"):
        await verifier.verify(token)


async def test_a_token_signed_with_the_public_key_as_an_hmac_secret_is_refused(
    issuer: LocalIssuer, verifier: OidcVerifier
) -> None:
    public_pem = (
        issuer.keys[issuer.current]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    token = hand_made(
        {"alg": "HS256", "typ": "JWT", "kid": issuer.current},
        claims_of(issuer),
        lambda data: hmac.new(public_pem, data, hashlib.sha256).digest(),
    )
    with pytest.raises(InvalidToken, match="algorithm is not allowed"):
        await verifier.verify(token)


async def test_a_forged_signature_and_a_missing_subject_are_refused(
    issuer: LocalIssuer, verifier: OidcVerifier
) -> None:
    header, payload, signature = issuer.token().split(".")
    other = json.loads(base64.urlsafe_b64decode(payload + "==")) | {"sub": "u-boss"}
    forged = f"{header}.{b64(json.dumps(other).encode())}.{signature}"
    with pytest.raises(InvalidToken, match="signature"):
        await verifier.verify(forged)
    claims = claims_of(issuer)
    del claims["sub"]
    key = issuer.keys[issuer.current]
    unnamed = jwt.encode(claims, key, algorithm="RS256", headers={"kid": issuer.current})
    with pytest.raises(InvalidToken, match="lacks the claim sub"):
        await verifier.verify(unnamed)


async def test_garbage_is_not_a_token(verifier: OidcVerifier) -> None:
    with pytest.raises(InvalidToken, match="well-formed"):
        await verifier.verify("abc.def.ghi")


async def test_a_rotated_key_is_fetched_once_and_unknown_ids_are_fetched_at_most_per_interval(
    issuer: LocalIssuer, verifier: OidcVerifier, clock: ManualClock
) -> None:
    await verifier.verify(issuer.token())
    assert issuer.jwks_fetches == 1
    issuer.rotate()
    with pytest.raises(InvalidToken, match="not one of the issuer's"):  # 0 s since the fetch
        await verifier.verify(issuer.token("u-2"))
    assert issuer.jwks_fetches == 1
    clock.advance(timedelta(seconds=11))
    assert (await verifier.verify(issuer.token("u-2"))).subject == "u-2"  # new kid: refetch
    assert issuer.jwks_fetches == 2
    await verifier.verify(issuer.token("u-3"))
    assert issuer.jwks_fetches == 2  # known now: no fetch

    for _ in range(5):  # forged key ids within the interval cost no fetch
        with pytest.raises(InvalidToken, match="not one of the issuer's"):
            await verifier.verify(issuer.token(headers={"kid": "forged"}))
    assert issuer.jwks_fetches == 2
    clock.advance(timedelta(seconds=11))
    with pytest.raises(InvalidToken, match="not one of the issuer's"):
        await verifier.verify(issuer.token(headers={"kid": "forged"}))
    assert issuer.jwks_fetches == 3


async def test_an_unreachable_issuer_is_an_outage_not_a_bad_token(clock: ManualClock) -> None:
    settings = OidcSettings(issuer=f"http://127.0.0.1:{free_port()}/realms/x", audience=AUDIENCE)
    verifier = OidcVerifier(settings, clock=clock)
    with local_issuer() as elsewhere:
        token = elsewhere.token()
    try:
        with pytest.raises(InfrastructureUnavailable):
            await verifier.verify(token)
    finally:
        await verifier.close()


def test_only_asymmetric_algorithms_may_be_configured(clock: ManualClock) -> None:
    settings = OidcSettings(issuer="http://idp", audience=AUDIENCE, algorithms=["RS256", "HS256"])
    with pytest.raises(ValueError, match="HS256"):
        OidcVerifier(settings, clock=clock)
    assert not OidcSettings().enabled


def test_a_jwt_is_told_from_an_api_key() -> None:
    assert looks_like_jwt("a.b.c")
    assert not looks_like_jwt("Xk3u_-9aZ")


async def test_the_person_may_be_named_by_another_claim(
    issuer: LocalIssuer, clock: ManualClock
) -> None:
    settings = OidcSettings(issuer=issuer.url, audience=AUDIENCE, person_claim="voronka_id")
    verifier = OidcVerifier(settings, clock=clock)
    try:
        named = await verifier.verify(issuer.token("0b9f-uuid", voronka_id="m-ivanova"))
        assert named.subject == "m-ivanova"
        with pytest.raises(InvalidToken, match="lacks the claim voronka_id"):
            await verifier.verify(issuer.token("0b9f-uuid"))
    finally:
        await verifier.close()
