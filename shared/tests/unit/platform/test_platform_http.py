"""Every service's HTTP plumbing: 413 for big bodies, 422 without PII, health, readiness, 503."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Mapping

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, Field
from pymongo.errors import DuplicateKeyError, ServerSelectionTimeoutError

from shared.platform.access import Access
from shared.platform.http import ReadinessCheck, create_app

pytestmark = pytest.mark.unit

ACCESS = Access("leads")

LIMIT = 1000
NAME = "Анна Петрова"
PHONE = "8 912 345-67-89"
EMAIL = "anna.petrova@example"


class Contact(BaseModel):
    name: str
    phone: str = Field(pattern=r"^\+7\d{10}$")
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")


class LeadIn(BaseModel):
    contact: Contact
    comment: str = ""


def make_app(
    readiness: Mapping[str, ReadinessCheck] | None = None, *, readiness_timeout: float = 3.0
) -> tuple[FastAPI, list[LeadIn]]:
    app = create_app(
        title="test",
        version="0",
        description="",
        readiness=readiness or {},
        max_body_bytes=LIMIT,
        readiness_timeout=readiness_timeout,
    )
    accepted: list[LeadIn] = []

    @app.post("/leads", status_code=201, dependencies=[ACCESS.write()])
    async def create_lead(lead: LeadIn) -> dict[str, str]:
        accepted.append(lead)
        return {"status": "accepted"}

    @app.get("/mongo-down", dependencies=[ACCESS.read()])
    async def mongo_down() -> None:
        raise ServerSelectionTimeoutError("127.0.0.1:27017: [Errno 111] Connection refused")

    @app.get("/duplicate", dependencies=[ACCESS.read()])
    async def duplicate() -> None:
        raise DuplicateKeyError("E11000 duplicate key")

    return app, accepted


def client(app: FastAPI, *, raise_app_exceptions: bool = True) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


def lead_json(comment: str = "") -> dict[str, object]:
    return {
        "contact": {"name": "Anna", "phone": "+79123456789", "email": "anna@example.ru"},
        "comment": comment,
    }


def padded_body(size: int) -> bytes:
    """A valid lead whose JSON encoding is exactly `size` bytes."""
    base = httpx.Request("POST", "http://x", json=lead_json()).content
    body = httpx.Request("POST", "http://x", json=lead_json("x" * (size - len(base)))).content
    assert len(body) == size
    return body


async def chunks(body: bytes, size: int = 100) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


JSON = {"content-type": "application/json"}


async def test_body_at_the_limit_is_accepted() -> None:
    app, accepted = make_app()
    async with client(app) as http:
        response = await http.post("/leads", content=padded_body(LIMIT), headers=JSON)

    assert response.status_code == 201
    assert len(accepted) == 1


async def test_body_over_the_limit_with_content_length_is_413_before_the_route_runs() -> None:
    app, accepted = make_app()
    async with client(app) as http:
        response = await http.post("/leads", content=padded_body(LIMIT + 1), headers=JSON)

    assert response.request.headers["content-length"] == str(LIMIT + 1)
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"
    assert accepted == []


async def test_streamed_body_over_the_limit_without_content_length_is_413() -> None:
    app, accepted = make_app()
    async with client(app) as http:
        response = await http.post("/leads", content=chunks(padded_body(LIMIT + 1)), headers=JSON)

    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"
    assert accepted == []


async def test_streamed_body_within_the_limit_is_accepted() -> None:
    app, accepted = make_app()
    async with client(app) as http:
        response = await http.post("/leads", content=chunks(padded_body(LIMIT)), headers=JSON)

    assert response.status_code == 201
    assert len(accepted) == 1


async def test_422_names_the_field_paths_and_never_echoes_personal_data() -> None:
    app, accepted = make_app()
    payload = {"contact": {"name": NAME, "phone": PHONE, "email": EMAIL}}
    async with client(app) as http:
        response = await http.post("/leads", json=payload)

    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "validation_failed"
    locations = [error["loc"] for error in body["detail"]]
    assert sorted(locations) == [["body", "contact", "email"], ["body", "contact", "phone"]]
    for value in (NAME, PHONE, EMAIL):
        assert value not in response.text
        assert value not in str(body)  # nor \u-escaped in the JSON text
    assert "input" not in response.text
    assert accepted == []


async def test_422_for_malformed_json_does_not_echo_the_document() -> None:
    app, _ = make_app()
    broken = f'{{"contact": {{"phone": "{PHONE}", '.encode()
    async with client(app) as http:
        response = await http.post("/leads", content=broken, headers=JSON)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "body"
    assert PHONE not in response.text


async def test_healthz_answers_without_consulting_readiness() -> None:
    async def broken() -> None:
        raise ConnectionError("down")

    app, _ = make_app({"kafka": broken})
    async with client(app) as http:
        response = await http.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_200_when_every_check_passes() -> None:
    calls: list[str] = []

    async def kafka() -> None:
        calls.append("kafka")

    async def mongodb() -> None:
        calls.append("mongodb")

    app, _ = make_app({"kafka": kafka, "mongodb": mongodb})
    async with client(app) as http:
        response = await http.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"kafka": "ok", "mongodb": "ok"}}
    assert sorted(calls) == ["kafka", "mongodb"]


async def test_readyz_is_503_naming_the_check_that_raises_without_its_message() -> None:
    async def kafka() -> None:
        return None

    async def mongodb() -> None:
        raise ServerSelectionTimeoutError("mongodb://voronka:s3cret@db:27017 refused")

    app, _ = make_app({"kafka": kafka, "mongodb": mongodb})
    async with client(app) as http:
        response = await http.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"kafka": "ok", "mongodb": "failed: ServerSelectionTimeoutError"},
    }
    assert "s3cret" not in response.text


async def test_readyz_is_503_when_a_check_hangs_past_the_timeout() -> None:
    async def kafka() -> None:
        await asyncio.Event().wait()  # never set: a broker that never answers

    async def mongodb() -> None:
        return None

    app, _ = make_app({"kafka": kafka, "mongodb": mongodb}, readiness_timeout=0.2)
    started = time.monotonic()
    async with client(app) as http:
        response = await asyncio.wait_for(http.get("/readyz"), 5)
    elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert response.json()["checks"] == {"kafka": "failed: TimeoutError", "mongodb": "ok"}
    assert elapsed < 2.0


async def test_transient_database_error_is_503_with_retry_after_and_handled_in_the_app() -> None:
    # raise_app_exceptions=True: the error must not travel on to the server, which would log
    # every 503 of a database outage as a crash with a traceback.
    app, _ = make_app()
    async with client(app) as http:
        response = await http.get("/mongo-down")

    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.json() == {"error": "unavailable", "detail": "try again later"}
    assert "27017" not in response.text


async def test_non_transient_database_error_stays_a_500() -> None:
    app, _ = make_app()
    async with client(app, raise_app_exceptions=False) as http:
        response = await http.get("/duplicate")

    assert response.status_code == 500
    assert response.json() == {"error": "internal_error"}
    assert "retry-after" not in response.headers
