"""Channels over HTTP with httpx: the SMS gateway, the messenger bot and outbound webhooks."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import httpx

from notifications.adapters.webhook_targets import PinnedTarget, check_resolved
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
    """POST the event as JSON, signed with the subscription's secret and the clock's time.

    The connection goes to the address that was checked (see `check_resolved`), the whole
    exchange has one deadline, and the receiver's body is never read: a slow or endless
    answer cannot hold a sender (and its delivery's lease) longer than `deadline_seconds`.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        clock: Clock,
        private_targets: bool = False,
        deadline_seconds: float = 10.0,
    ) -> None:
        self._client = client
        self._clock = clock
        self._private_targets = private_targets
        self._deadline = deadline_seconds

    async def send(self, message: OutgoingMessage) -> ProviderReceipt:
        """Deliver to the integrator's URL; their 2xx is the acceptance."""
        if not message.secret:
            raise DeliveryError("webhook has no secret", retryable=False)
        body = message.body.encode("utf-8")
        timestamp = int(self._clock.now().timestamp())
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(message.secret, timestamp, body),
            TIMESTAMP_HEADER: str(timestamp),
            DELIVERY_HEADER: message.delivery_id,
            EVENT_TYPE_HEADER: message.event_type,
        }
        url, extensions = message.address, {}
        if not self._private_targets:
            target = await self._checked(message.address)
            url, headers["Host"] = target.url, target.host_header
            if url.startswith("https:"):
                extensions["sni_hostname"] = target.server_name
        status = await self._status_of_post(url, body, headers, extensions)
        if not 200 <= status < 300:
            raise DeliveryError(
                f"webhook receiver answered {status}", retryable=is_retryable_status(status)
            )
        return ProviderReceipt(str(status))

    @staticmethod
    async def _checked(url: str) -> PinnedTarget:
        try:
            return await check_resolved(url)
        except TargetRefused as exc:
            raise DeliveryError(str(exc), retryable=False) from None
        except OSError as exc:
            error = type(exc).__name__
            raise DeliveryError(f"webhook host unresolved ({error})", retryable=True) from None

    async def _status_of_post(
        self, url: str, body: bytes, headers: dict[str, str], extensions: dict[str, Any]
    ) -> int:
        try:
            async with asyncio.timeout(self._deadline):
                async with self._client.stream(
                    "POST", url, content=body, headers=headers, extensions=extensions
                ) as response:
                    return response.status_code  # the body stays unread
        except TimeoutError:
            raise DeliveryError(
                f"webhook receiver slower than {self._deadline:g} s", retryable=True
            ) from None
        except httpx.HTTPError as exc:
            error = type(exc).__name__
            raise DeliveryError(f"webhook receiver unreachable ({error})", retryable=True) from None
