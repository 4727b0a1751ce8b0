"""Channels over HTTP with httpx: the SMS gateway, the messenger bot and outbound webhooks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from notifications.adapters.webhook_targets import check_resolved
from notifications.domain.messages import DeliveryError, OutgoingMessage, ProviderReceipt
from notifications.domain.retry import is_retryable_status
from notifications.domain.signing import SIGNATURE_HEADER, sign
from notifications.domain.webhooks import TargetRefused
from shared.platform.clock import Clock

TIMESTAMP_HEADER = "Voronka-Timestamp"
DELIVERY_HEADER = "Voronka-Delivery"
EVENT_TYPE_HEADER = "Voronka-Event-Type"
_MAX_PROVIDER_ID = 128


async def _post(
    client: httpx.AsyncClient,
    url: str,
    what: str,
    *,
    json: Any = None,
    content: bytes | None = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    """POST and turn every failure into a `DeliveryError` that quotes neither URL nor body.

    URLs can hold tokens (the bot API puts its token in the path) and bodies personal data.
    """
    try:
        response = await client.post(url, json=json, content=content, headers=dict(headers or {}))
    except httpx.HTTPError as exc:
        raise DeliveryError(f"{what} unreachable ({type(exc).__name__})", retryable=True) from None
    if not response.is_success:
        raise DeliveryError(
            f"{what} answered {response.status_code}",
            retryable=is_retryable_status(response.status_code),
        )
    return response


def _provider_id(response: httpx.Response, *path: str) -> str | None:
    try:
        value: Any = response.json()
    except ValueError:
        return None
    for part in path:
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return str(value)[:_MAX_PROVIDER_ID] if value is not None else None


class HttpSmsSender:
    """POST {to, text, idempotency_key} with a bearer token; the key lets the gateway dedupe."""

    def __init__(self, client: httpx.AsyncClient, *, url: str, token: str | None) -> None:
        self._client = client
        self._url = url
        self._token = token

    async def send(self, message: OutgoingMessage) -> ProviderReceipt:
        """Hand the SMS to the gateway."""
        headers = {"Idempotency-Key": message.delivery_id}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        response = await _post(
            self._client,
            self._url,
            "sms gateway",
            json={
                "to": message.address,
                "text": message.body,
                "idempotency_key": message.delivery_id,
            },
            headers=headers,
        )
        return ProviderReceipt(str(response.status_code), _provider_id(response, "id"))


class TelegramBotSender:
    """Telegram Bot API shape: POST {base}/bot{token}/sendMessage with chat_id and text."""

    def __init__(self, client: httpx.AsyncClient, *, base_url: str, token: str) -> None:
        self._client = client
        self._url = f"{base_url.rstrip('/')}/bot{token}/sendMessage"

    async def send(self, message: OutgoingMessage) -> ProviderReceipt:
        """Send the text; an `ok: false` answer counts as a refusal."""
        response = await _post(
            self._client,
            self._url,
            "bot api",
            json={"chat_id": message.address, "text": message.body},
        )
        try:
            answer: Any = response.json()
        except ValueError:
            answer = None
        if isinstance(answer, dict) and answer.get("ok") is False:
            code = answer.get("error_code")
            status = code if isinstance(code, int) else 0
            raise DeliveryError(
                f"bot api refused ({status})", retryable=is_retryable_status(status)
            )
        return ProviderReceipt(
            str(response.status_code), _provider_id(response, "result", "message_id")
        )


class SignedWebhookSender:
    """POST the event as JSON, signed with the subscription's secret and the clock's time."""

    def __init__(
        self, client: httpx.AsyncClient, *, clock: Clock, private_targets: bool = False
    ) -> None:
        self._client = client
        self._clock = clock
        self._private_targets = private_targets

    async def send(self, message: OutgoingMessage) -> ProviderReceipt:
        """Deliver to the integrator's URL; their 2xx is the acceptance."""
        if not message.secret:
            raise DeliveryError("webhook has no secret", retryable=False)
        if not self._private_targets:
            try:
                await check_resolved(message.address)
            except TargetRefused as exc:
                raise DeliveryError(str(exc), retryable=False) from None
            except OSError as exc:
                error = type(exc).__name__
                raise DeliveryError(f"webhook host unresolved ({error})", retryable=True) from None
        body = message.body.encode("utf-8")
        timestamp = int(self._clock.now().timestamp())
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(message.secret, timestamp, body),
            TIMESTAMP_HEADER: str(timestamp),
            DELIVERY_HEADER: message.delivery_id,
            EVENT_TYPE_HEADER: message.event_type,
        }
        response = await _post(
            self._client, message.address, "webhook receiver", content=body, headers=headers
        )
        return ProviderReceipt(str(response.status_code))
