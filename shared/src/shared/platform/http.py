"""HTTP plumbing for every service: health and readiness, bounded bodies, errors without PII."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from aiokafka.errors import KafkaError
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pymongo.errors import PyMongoError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.platform.access import (
    ACCESS_REFUSED,
    AccessGuard,
    Refused,
    require_declared_access,
)
from shared.platform.audit import AuditMiddleware
from shared.platform.auth import ApiKey
from shared.platform.errors import InfrastructureUnavailable, is_transient
from shared.platform.identity import OidcVerifier
from shared.platform.logging import get_logger
from shared.platform.ratelimit import RateLimit, TokenBuckets

ReadinessCheck = Callable[[], Awaitable[None]]
DEFAULT_MAX_BODY_BYTES = 256 * 1024
# Base classes covering every error `is_transient` accepts.
_INFRASTRUCTURE_ERRORS: tuple[type[Exception], ...] = (
    InfrastructureUnavailable,
    PyMongoError,
    KafkaError,
    OSError,
)

log = get_logger(__name__)


class BodyTooLarge(Exception):
    """The request body exceeded the configured limit."""


class BodySizeLimit:
    """ASGI middleware answering 413 when a body exceeds the limit (FastAPI has none of its own).

    It trusts a Content-Length header when present and counts streamed chunks otherwise.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await _too_large(send)
                return
        received = 0
        too_large = started = False

        async def counting_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    too_large = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if too_large and not started:
                # FastAPI turns an error while reading the body into its own 400; drop it.
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not too_large:
                raise
        if too_large and not started:
            await _too_large(send)


async def _too_large(send: Send) -> None:
    body = b'{"error":"payload_too_large","detail":"request body exceeds the size limit"}'
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def validation_problem(exc: RequestValidationError) -> dict[str, Any]:
    """A 422 body naming the wrong fields by path, without echoing what was sent."""
    errors = [
        {
            "loc": [str(part) for part in err.get("loc", ())],
            "msg": err.get("msg", ""),
            "type": err.get("type", ""),
        }
        for err in exc.errors()
    ]
    return {"error": "validation_failed", "detail": errors}


async def _on_validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(validation_problem(exc), status_code=422)


def _unavailable(exc: Exception) -> JSONResponse:
    log.warning("request failed: infrastructure unavailable", error_type=type(exc).__name__)
    return JSONResponse(
        {"error": "unavailable", "detail": "try again later"},
        status_code=503,
        headers={"Retry-After": "5"},
    )


async def _on_refused(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Refused)
    ACCESS_REFUSED.labels("403", exc.reason).inc()
    return JSONResponse({"error": "forbidden", "detail": exc.detail}, status_code=403)


async def _on_infrastructure_error(_: Request, exc: Exception) -> JSONResponse:
    if is_transient(exc):
        return _unavailable(exc)
    raise exc  # not transient (a duplicate key, say): on to the catch-all 500 handler


async def _on_unexpected_error(_: Request, exc: Exception) -> JSONResponse:
    if is_transient(exc):
        return _unavailable(exc)
    log.exception("request failed")
    return JSONResponse({"error": "internal_error"}, status_code=500)


def create_app(
    *,
    title: str,
    version: str,
    description: str,
    readiness: Mapping[str, ReadinessCheck],
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    readiness_timeout: float = 3.0,
    api_keys: Sequence[ApiKey] | None = None,
    verifier: OidcVerifier | None = None,
    rate_limit: TokenBuckets | None = None,
) -> FastAPI:
    """Build a FastAPI app with `/healthz`, `/readyz`, a body limit and PII-free error bodies.

    With `api_keys` or an OIDC `verifier`, every other path needs a credential, and each route
    lets in whom it declares (`access.Access`); a route declaring no one is refused even while
    the API is open. With `rate_limit`, each key (or client address) gets its own token bucket.
    """
    app = FastAPI(
        title=title,
        version=version,
        description=description,
        lifespan=lifespan,
        dependencies=[Depends(require_declared_access)],
    )
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    # Inside the guard, which names the caller; a service sets `app.state.audit_trail`.
    app.add_middleware(AuditMiddleware)
    if rate_limit is not None:
        app.add_middleware(RateLimit, buckets=rate_limit)
    # Added last, so it runs first: a request without a credential is refused before its body
    # is read.
    app.add_middleware(AccessGuard, keys=api_keys, verifier=verifier)
    app.add_exception_handler(Refused, _on_refused)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    # The infrastructure's error families get a handler of their own: Starlette re-raises what
    # reaches the catch-all `Exception` handler, so the server would log each 503 as a crash.
    for family in _INFRASTRUCTURE_ERRORS:
        app.add_exception_handler(family, _on_infrastructure_error)
    app.add_exception_handler(Exception, _on_unexpected_error)

    @app.get("/healthz", tags=["operations"], summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics")
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/readyz", tags=["operations"], summary="Kafka and MongoDB answer")
    async def readyz() -> JSONResponse:
        results = await asyncio.gather(
            *(_run_check(check, readiness_timeout) for check in readiness.values())
        )
        checks = dict(zip(readiness, results, strict=True))
        ready = all(result == "ok" for result in results)
        return JSONResponse(
            {"status": "ready" if ready else "unavailable", "checks": checks},
            status_code=200 if ready else 503,
        )

    return app


async def _run_check(check: ReadinessCheck, timeout: float) -> str:
    try:
        await asyncio.wait_for(check(), timeout)
    except Exception as exc:
        return f"failed: {type(exc).__name__}"
    return "ok"
