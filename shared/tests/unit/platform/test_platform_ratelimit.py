"""Rate limits: a burst, then the rate; per API key or client address; 429 with Retry-After."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from shared.platform.access import Access
from shared.platform.auth import ApiKey, digest
from shared.platform.http import create_app
from shared.platform.ratelimit import TokenBuckets

pytestmark = pytest.mark.unit


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_one_request_per_interval() -> None:
    time = FakeTime()
    buckets = TokenBuckets(rate=2, burst=3, now=time)
    assert [buckets.take("a") for _ in range(3)] == [0, 0, 0]
    assert buckets.take("a") == pytest.approx(0.5)
    assert buckets.take("b") == 0  # another caller has its own bucket
    time.now += 0.5
    assert buckets.take("a") == 0
    assert buckets.take("a") > 0
    time.now += 60  # refilled, but never beyond the burst
    assert [buckets.take("a") for _ in range(4)][-1] > 0


def limited_app(buckets: TokenBuckets, keys: list[ApiKey] | None = None) -> FastAPI:
    app = create_app(
        title="deals",
        version="0",
        description="",
        readiness={},
        api_keys=keys,
        rate_limit=buckets,
    )

    @app.get("/v1/deals", dependencies=[Access("deals").read()])
    async def deals() -> dict[str, list[str]]:
        return {"items": []}

    return app


async def statuses(app: FastAPI, n: int, path: str = "/v1/deals", **headers: str) -> list[int]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://deals") as client:
        return [(await client.get(path, headers=headers)).status_code for _ in range(n)]


async def test_the_request_after_the_burst_is_429_with_retry_after() -> None:
    app = limited_app(TokenBuckets(rate=0.5, burst=2, now=FakeTime()))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://deals") as client:
        assert [(await client.get("/v1/deals")).status_code for _ in range(2)] == [200, 200]
        limited = await client.get("/v1/deals")
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "2"
    assert limited.json()["error"] == "rate_limited"


async def test_each_api_key_has_its_own_bucket_and_probes_are_never_limited() -> None:
    one, two = "k1-" + "x" * 30, "k2-" + "x" * 30
    keys = [
        ApiKey(id="one", sha256=digest(one), scopes=["*"]),
        ApiKey(id="two", sha256=digest(two), scopes=["*"]),
    ]
    app = limited_app(TokenBuckets(rate=0.1, burst=1, now=FakeTime()), keys)
    assert await statuses(app, 2, **{"x-api-key": one}) == [200, 429]
    assert await statuses(app, 1, **{"x-api-key": two}) == [200]
    assert await statuses(app, 5, "/healthz") == [200] * 5
