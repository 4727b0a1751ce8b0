"""Keys and people: 401 without a good credential, 403 outside the route's declaration."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import pytest_asyncio
import structlog
from fastapi import FastAPI
from prometheus_client import REGISTRY

from shared.platform.access import EVERYONE, HEADS, Access
from shared.platform.auth import ApiKey, digest, parse_keys
from shared.platform.clock import SystemClock
from shared.platform.http import create_app
from shared.platform.identity import OidcSettings, OidcVerifier
from shared.platform.settings import ApiSettings, SettingsError, load_settings
from shared.testing.oidc import AUDIENCE, LocalIssuer, local_issuer
from shared.testing.servers import free_port

pytestmark = pytest.mark.unit

WRITER = "w-" + "k" * 40
READER = "r-" + "k" * 40
ADMIN = "a-" + "k" * 40
FORM = "f-" + "k" * 40
KEYS = [
    ApiKey(id="crm-bridge", sha256=digest(WRITER), scopes=["leads:write", "leads:read"]),
    ApiKey(id="bi-reader", sha256=digest(READER), scopes=["leads:read"]),
    ApiKey(id="ops", sha256=digest(ADMIN), scopes=["*"]),
    ApiKey(id="web-form", sha256=digest(FORM), scopes=["leads:intake"]),
]
ACCESS = Access("leads")


def guarded_app(keys: list[ApiKey] | None = KEYS, verifier: OidcVerifier | None = None) -> FastAPI:
    app = create_app(
        title="leads", version="0", description="", readiness={}, api_keys=keys, verifier=verifier
    )

    @app.get("/v1/leads", dependencies=[ACCESS.read()])
    async def list_leads() -> dict[str, list[str]]:
        return {"items": []}

    @app.post(
        "/v1/leads",
        status_code=202,
        dependencies=[ACCESS.allow(keys=("intake", "write"), roles=EVERYONE)],
    )
    async def create_lead() -> dict[str, str]:
        return {"id": "lead-1"}

    @app.put("/v1/managers/{manager_id}", dependencies=[ACCESS.admin(HEADS)])
    async def put_manager(manager_id: str) -> dict[str, str]:
        return {"id": manager_id}

    return app


async def call(app: FastAPI, method: str, path: str, **headers: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://leads") as client:
        return await client.request(method, path, headers=headers)


async def test_no_key_or_an_unknown_key_is_401_without_echoing_it() -> None:
    app = guarded_app()
    missing = await call(app, "GET", "/v1/leads")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert missing.json() == {
        "error": "unauthorized",
        "detail": "a valid API key or token is required",
    }
    wrong = await call(app, "GET", "/v1/leads", authorization="Bearer not-a-key-of-ours")
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert "not-a-key-of-ours" not in wrong.text


async def test_a_key_does_only_what_the_routes_declare_for_its_scopes() -> None:
    app = guarded_app()
    read = await call(app, "GET", "/v1/leads", authorization=f"Bearer {READER}")
    assert read.status_code == 200
    refused = await call(app, "POST", "/v1/leads", authorization=f"Bearer {READER}")
    assert refused.status_code == 403
    assert refused.json() == {
        "error": "forbidden",
        "detail": "the API key lacks one of the scopes leads:intake, leads:write",
    }
    assert (await call(app, "POST", "/v1/leads", **{"x-api-key": WRITER})).status_code == 202
    # A web form's key submits leads and nothing else; a writer does not configure the roster.
    assert (await call(app, "POST", "/v1/leads", **{"x-api-key": FORM})).status_code == 202
    assert (await call(app, "GET", "/v1/leads", **{"x-api-key": FORM})).status_code == 403
    assert (await call(app, "PUT", "/v1/managers/m1", **{"x-api-key": WRITER})).status_code == 403
    admin = await call(app, "PUT", "/v1/managers/m1", authorization=f"bearer {ADMIN}")
    assert admin.status_code == 200


async def test_what_a_request_logs_names_the_key_it_came_with() -> None:
    app = guarded_app()
    seen: list[object] = []

    @app.get("/v1/whoami", dependencies=[ACCESS.read()])
    async def whoami() -> dict[str, str]:
        seen.append(structlog.contextvars.get_contextvars().get("api_key"))
        return {}

    assert (await call(app, "GET", "/v1/whoami", **{"x-api-key": READER})).status_code == 200
    assert seen == ["bi-reader"]
    assert "api_key" not in structlog.contextvars.get_contextvars()  # unbound afterwards


async def test_probes_metrics_and_docs_need_no_key() -> None:
    app = guarded_app()
    for path in ("/healthz", "/readyz", "/metrics", "/openapi.json"):
        assert (await call(app, "GET", path)).status_code == 200, path


async def test_without_configured_keys_the_api_is_open() -> None:
    assert (await call(guarded_app(None), "POST", "/v1/leads")).status_code == 202


def test_keys_come_from_api_keys_as_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    entries = [key.model_dump() for key in KEYS]
    monkeypatch.setenv("API_KEYS", json.dumps(entries))
    settings = load_settings(ApiSettings)
    assert settings.parsed() == KEYS
    monkeypatch.delenv("API_KEYS")
    assert load_settings(ApiSettings).parsed() is None


def test_a_malformed_key_list_names_the_field_not_the_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    leaked = "f" * 63  # one hex digit short
    monkeypatch.setenv("API_KEYS", json.dumps([{"id": "x", "sha256": leaked, "scopes": ["*"]}]))
    with pytest.raises(SettingsError) as caught:
        load_settings(ApiSettings)
    assert "API_KEYS" in str(caught.value)
    assert "0.sha256" in str(caught.value)
    assert leaked not in str(caught.value)


def test_parse_refuses_a_key_without_scopes() -> None:
    with pytest.raises(ValueError, match="scopes"):
        parse_keys(json.dumps([{"id": "x", "sha256": digest("k"), "scopes": []}]))


@pytest.fixture
def issuer() -> Iterator[LocalIssuer]:
    with local_issuer() as running:
        yield running


@pytest_asyncio.fixture
async def people_app(issuer: LocalIssuer) -> AsyncIterator[FastAPI]:
    verifier = OidcVerifier(OidcSettings(issuer=issuer.url, audience=AUDIENCE), clock=SystemClock())
    yield guarded_app(verifier=verifier)
    await verifier.close()


def refused_count(status: str, reason: str) -> float:
    labels = {"status": status, "reason": reason}
    return REGISTRY.get_sample_value("voronka_access_refused_total", labels) or 0.0


async def test_a_person_does_what_their_role_allows(
    issuer: LocalIssuer, people_app: FastAPI
) -> None:
    manager = {"authorization": f"Bearer {issuer.token('u-1', roles=['manager'])}"}
    head = {"authorization": f"Bearer {issuer.token('u-2', roles=['head_of_sales'])}"}
    nobody = {"authorization": f"Bearer {issuer.token('u-3', roles=['offline_access'])}"}
    before = refused_count("403", "role")
    assert (await call(people_app, "GET", "/v1/leads", **manager)).status_code == 200
    assert (await call(people_app, "POST", "/v1/leads", **manager)).status_code == 202
    roster = await call(people_app, "PUT", "/v1/managers/m1", **manager)
    assert roster.status_code == 403
    assert roster.json() == {"error": "forbidden", "detail": "your role does not allow this"}
    assert (await call(people_app, "PUT", "/v1/managers/m1", **head)).status_code == 200
    assert (await call(people_app, "GET", "/v1/leads", **nobody)).status_code == 403
    assert refused_count("403", "role") == before + 2
    # Keys keep working beside people.
    assert (await call(people_app, "GET", "/v1/leads", **{"x-api-key": READER})).status_code == 200


async def test_a_bad_token_is_401_invalid_token_never_echoed_and_counted(
    issuer: LocalIssuer, people_app: FastAPI
) -> None:
    expired = issuer.token("u-1", exp=int(time.time()) - 3600)
    before = refused_count("401", "invalid_token")
    answer = await call(people_app, "GET", "/v1/leads", authorization=f"Bearer {expired}")
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert answer.json() == {"error": "unauthorized", "detail": "the token has expired"}
    assert expired not in answer.text
    assert refused_count("401", "invalid_token") == before + 1


async def test_an_unreachable_issuer_is_503_to_retry_not_401(issuer: LocalIssuer) -> None:
    settings = OidcSettings(issuer=f"http://127.0.0.1:{free_port()}/realms/x", audience=AUDIENCE)
    verifier = OidcVerifier(settings, clock=SystemClock())
    try:
        app = guarded_app(verifier=verifier)
        token = issuer.token("u-1")
        answer = await call(app, "GET", "/v1/leads", authorization=f"Bearer {token}")
        assert answer.status_code == 503
        assert answer.headers["retry-after"] == "5"
        assert token not in answer.text
    finally:
        await verifier.close()
