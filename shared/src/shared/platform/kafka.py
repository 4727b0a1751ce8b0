"""Kafka clients with safe defaults: acks=all, idempotent producer, bounded timeouts."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from faststream.kafka import KafkaBroker
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512

from shared.platform.errors import InfrastructureUnavailable
from shared.platform.settings import KafkaSettings


def _ssl_context(settings: KafkaSettings) -> ssl.SSLContext | None:
    if not settings.security_protocol.endswith("SSL"):
        return None
    return ssl.create_default_context(cafile=settings.ssl_cafile)


def broker_security(settings: KafkaSettings) -> BaseSecurity | None:
    """Map SASL/TLS settings onto FastStream's security object (None for PLAINTEXT)."""
    context = _ssl_context(settings)
    if settings.security_protocol in ("SASL_PLAINTEXT", "SASL_SSL"):
        user = settings.sasl_username or ""
        password = settings.sasl_password.get_secret_value() if settings.sasl_password else ""
        use_ssl = settings.security_protocol == "SASL_SSL"
        mechanism = (settings.sasl_mechanism or "PLAIN").upper()
        if mechanism == "SCRAM-SHA-256":
            return SASLScram256(user, password, ssl_context=context, use_ssl=use_ssl)
        if mechanism == "SCRAM-SHA-512":
            return SASLScram512(user, password, ssl_context=context, use_ssl=use_ssl)
        return SASLPlaintext(user, password, ssl_context=context, use_ssl=use_ssl)
    if context is not None:
        return BaseSecurity(ssl_context=context, use_ssl=True)
    return None


class GroupsAtOnceBroker(KafkaBroker):
    """A FastStream Kafka broker whose subscribers join their consumer groups at once.

    FastStream starts subscribers one after another, and each start waits for its group's
    join; a second replica of notifications (eight groups) was ready after 8 joins in a row.
    """

    async def start(self) -> None:
        await self.connect()
        await asyncio.gather(*(subscriber.start() for subscriber in self.subscribers))
        for publisher in self.publishers:
            await publisher.start()
        self.running = True


def create_broker(settings: KafkaSettings, *, client_id: str, **options: Any) -> KafkaBroker:
    """Build a FastStream Kafka broker whose producer never loses an acknowledged write.

    `acks="all"` with idempotence: a publish returns only when every in-sync replica has the
    record, and producer retries never duplicate it. `linger_ms` batches concurrent sends.
    """
    return GroupsAtOnceBroker(
        settings.bootstrap_servers,
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        linger_ms=options.pop("linger_ms", 5),
        request_timeout_ms=settings.request_timeout_ms,
        security=broker_security(settings),
        # A stdlib logger that configure_logging routes through structlog (JSON, PII redacted).
        logger=options.pop("logger", logging.getLogger("faststream.access.kafka")),
        **options,
    )


def client_options(settings: KafkaSettings, *, client_id: str) -> dict[str, Any]:
    """Connection options of a plain aiokafka client: address, timeout, SASL and TLS."""
    kwargs: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers,
        "client_id": client_id,
        "request_timeout_ms": settings.request_timeout_ms,
        "security_protocol": settings.security_protocol,
    }
    if settings.security_protocol.startswith("SASL"):
        kwargs["sasl_mechanism"] = (settings.sasl_mechanism or "PLAIN").upper()
        kwargs["sasl_plain_username"] = settings.sasl_username
        if settings.sasl_password:
            kwargs["sasl_plain_password"] = settings.sasl_password.get_secret_value()
    context = _ssl_context(settings)
    if context is not None:
        kwargs["ssl_context"] = context
    return kwargs


def admin_client(settings: KafkaSettings, *, client_id: str) -> AIOKafkaAdminClient:
    """An admin client (topic provisioning, readiness, lag) configured like the broker."""
    return AIOKafkaAdminClient(**client_options(settings, client_id=client_id))


def offsets_reader(settings: KafkaSettings, *, client_id: str) -> AIOKafkaConsumer:
    """A consumer outside any group that only reads offsets, configured like the broker."""
    return AIOKafkaConsumer(
        **client_options(settings, client_id=client_id), enable_auto_commit=False
    )


async def ping_kafka(settings: KafkaSettings, *, timeout: float = 10.0) -> None:
    """Ask the cluster for its metadata; raise `InfrastructureUnavailable` if it can't."""
    admin: AIOKafkaAdminClient | None = None
    try:
        admin = admin_client(settings, client_id="voronka-ping")
        await asyncio.wait_for(admin.start(), timeout)
        await asyncio.wait_for(admin.describe_cluster(), timeout)
    except Exception as exc:
        # Not only KafkaError, OSError and timeouts: a host name IDNA cannot encode fails in
        # the resolver with UnicodeError, an unreadable CA file with FileNotFoundError.
        raise InfrastructureUnavailable(
            f"Kafka at {settings.bootstrap_servers} does not answer (KAFKA_BOOTSTRAP_SERVERS): "
            f"{type(exc).__name__}"
        ) from None
    finally:
        if admin is not None:
            # A failing close must not replace the one-line reason above with a traceback.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(admin.close(), timeout)
