"""API keys: 401 without a known key, 403 without the scope, probes open, hashes in config."""

from __future__ import annotations

import json

import httpx
import pytest
import structlog
from fastapi import FastAPI

from shared.platform.auth import ApiKey, digest, parse_keys, required_scope
from shared.platform.http import create_app
from shared.platform.settings import ApiSettings, SettingsError, load_settings

pytestmark = pytest.mark.unit

WRITER = "w-" + "k" * 40
READER = "r-" + "k" * 40
ADMIN = "a-" + "k" * 40
KEYS = [
    ApiKey(id="crm-bridge", sha256=digest(WRITER), scopes=["leads:write", "leads:read"]),
    ApiKey(id="bi-reader", sha256=digest(READER), scopes=["leads:read"]),
    ApiKey(id="ops", sha256=digest(ADMIN), scopes=["*"]),
]


def guarded_app(keys: list[ApiKey] | None = KEYS) -> FastAPI:
    app = create_app(
        title="leads", version="0", description="", readiness={}, service="leads", api_keys=keys
    )

    @app.get("/v1/leads")
    async def list_leads() -> dict[str, list[str]]:
        return {"items": []}

    @app.post("/v1/leads", status_code=202)
    async def create_lead() -> dict[str, str]:
        return {"id": "lead-1"}

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
    assert missing.json() == {"error": "unauthorized", "detail": "a valid API key is required"}
    wrong = await call(app, "GET", "/v1/leads", authorization="Bearer not-a-key-of-ours")
    assert wrong.status_code == 401
    assert "not-a-key-of-ours" not in wrong.text


async def test_a_key_reads_and_writes_only_within_its_scopes() -> None:
    app = guarded_app()
    read = await call(app, "GET", "/v1/leads", authorization=f"Bearer {READER}")
    assert read.status_code == 200
    refused = await call(app, "POST", "/v1/leads", authorization=f"Bearer {READER}")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "the API key lacks the scope leads:write"
    assert (await call(app, "POST", "/v1/leads", **{"x-api-key": WRITER})).status_code == 202
    admin = await call(app, "POST", "/v1/leads", authorization=f"bearer {ADMIN}")
    assert admin.status_code == 202


async def test_what_a_request_logs_names_the_key_it_came_with() -> None:
    app = guarded_app()
    seen: list[object] = []

    @app.get("/v1/whoami")
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


def test_read_methods_need_read_and_the_rest_write() -> None:
    assert required_scope("deals", "GET") == "deals:read"
    assert required_scope("deals", "head") == "deals:read"
    assert required_scope("deals", "PATCH") == "deals:write"
    assert required_scope("deals", "DELETE") == "deals:write"


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
