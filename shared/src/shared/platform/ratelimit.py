"""Rate limits per caller: a token bucket per API key (or client address), answering 429.

Buckets live in each replica's memory, so N replicas allow up to N times the rate; that keeps a
limit free of a shared store on every request, and one caller's flood still cannot starve the
others on a replica. Probes and metrics are never limited.
"""

from __future__ import annotations

import json
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from shared.platform.auth import OPEN_PATHS

MAX_CALLERS = 10_000  # buckets kept; the least recently seen caller is forgotten first


@dataclass
class Bucket:
    """Tokens left and when they were last counted."""

    tokens: float
    at: float


class TokenBuckets:
    """`rate` requests a second on average, up to `burst` at once, per caller."""

    def __init__(
        self, *, rate: float, burst: int, now: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self._now = now
        self._buckets: OrderedDict[str, Bucket] = OrderedDict()

    def take(self, caller: str) -> float:
        """Spend one token; return 0 if allowed, else the seconds until one is available."""
        now = self._now()
        bucket = self._buckets.pop(caller, None) or Bucket(float(self.burst), now)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        self._buckets[caller] = bucket
        while len(self._buckets) > MAX_CALLERS:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate


class RateLimit:
    """ASGI middleware: 429 with `Retry-After` once a caller has spent its bucket."""

    def __init__(self, app: ASGIApp, *, buckets: TokenBuckets) -> None:
        self.app = app
        self.buckets = buckets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        wait = self.buckets.take(caller_of(scope))
        if wait > 0:
            await _too_many(send, math.ceil(wait))
            return
        await self.app(scope, receive, send)


def caller_of(scope: Scope) -> str:
    """The API key's or person's id when the request was authenticated, else the address."""
    caller = scope.get("state", {}).get("caller")
    if caller is not None:
        return f"{caller.kind}:{caller.id}"
    client = scope.get("client")
    return f"ip:{client[0]}" if client else "ip:unknown"


async def _too_many(send: Send, retry_after: int) -> None:
    body = json.dumps({"error": "rate_limited", "detail": "too many requests; slow down"}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(retry_after).encode()),
    ]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body})
