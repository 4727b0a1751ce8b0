"""Webhook targets: public addresses only; names are resolved and every address checked."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from notifications.adapters.http_channels import SignedWebhookSender
from notifications.adapters.webhook_targets import check_resolved
from notifications.domain.messages import DeliveryError, OutgoingMessage
from notifications.domain.model import Channel
from notifications.domain.webhooks import TargetRefused, check_literal, is_public
from shared.platform.clock import ManualClock

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "0.0.0.0",
        "100.64.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "224.0.0.1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "64:ff9b:1::a00:5",  # local-use NAT64
        "2002:a9fe:a9fe::1",  # 6to4
        "::a9fe:a9fe",  # IPv4-compatible
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    ],
)
def test_internal_addresses_are_not_public(address: str) -> None:
    assert not is_public(address)


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "::ffff:93.184.216.34"]
)
def test_routable_addresses_are_public(address: str) -> None:
    assert is_public(address)


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost/",
        "http://api.localhost/x",
        "http://127.0.0.1:8002/",
        "http://[::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http:///nohost",
    ],
)
def test_local_names_and_internal_literals_are_refused_without_a_lookup(url: str) -> None:
    with pytest.raises(TargetRefused):
        check_literal(url)


def test_a_dns_name_passes_the_literal_check() -> None:
    check_literal("https://crm.example.com/hooks")


def fake_dns(answers: dict[str, list[str]]) -> Any:
    async def getaddrinfo(host: str, port: int, **_: Any) -> list[Any]:
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in answers[host]
        ]

    return getaddrinfo


async def test_a_name_resolving_to_any_internal_address_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loop = asyncio.get_running_loop()
    monkeypatch.setattr(
        loop,
        "getaddrinfo",
        fake_dns(
            {
                "crm.example.com": ["93.184.216.34"],
                "rebind.example.com": ["93.184.216.34", "10.0.0.5"],
            }
        ),
    )
    await check_resolved("https://crm.example.com/hooks")
    with pytest.raises(TargetRefused, match="not public"):
        await check_resolved("https://rebind.example.com/hooks")


async def test_the_sender_refuses_an_internal_target_for_good_and_never_calls_it() -> None:
    calls: list[httpx.Request] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200)

    message = OutgoingMessage(
        delivery_id="d-1",
        channel=Channel.WEBHOOK,
        address="http://169.254.169.254/latest/meta-data/",
        body="{}",
        event_type="payment.due",
        secret=b"whsec-0123456789abcdef",
    )
    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    async with httpx.AsyncClient(transport=httpx.MockTransport(receiver)) as client:
        with pytest.raises(DeliveryError) as refused:
            await SignedWebhookSender(client, clock=clock).send(message)
        assert refused.value.retryable is False
        assert "169.254" not in refused.value.detail
        assert calls == []
        allowed = SignedWebhookSender(client, clock=clock, private_targets=True)
        assert (await allowed.send(message)).status == "200"
        assert len(calls) == 1


def webhook(address: str) -> OutgoingMessage:
    return OutgoingMessage(
        delivery_id="d-2",
        channel=Channel.WEBHOOK,
        address=address,
        body="{}",
        event_type="payment.due",
        secret=b"whsec-0123456789abcdef",
    )


async def test_the_request_goes_to_the_address_checked_and_the_name_is_not_looked_up_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lookups: list[str] = []
    answers = iter([["93.184.216.34"], ["10.0.0.5"]])  # a rebinding server's two answers

    async def rebinding_dns(host: str, port: int, **_: Any) -> list[Any]:
        lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in next(answers)]

    monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", rebinding_dns)
    seen: list[httpx.Request] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(202)

    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    async with httpx.AsyncClient(transport=httpx.MockTransport(receiver)) as client:
        sender = SignedWebhookSender(client, clock=clock)
        receipt = await sender.send(webhook("https://crm.example.com:8443/hooks?x=1"))
    assert receipt.status == "202" and lookups == ["crm.example.com"]
    request = seen[0]
    assert str(request.url) == "https://93.184.216.34:8443/hooks?x=1"
    assert request.headers["Host"] == "crm.example.com:8443"
    assert request.extensions["sni_hostname"] == "crm.example.com"


async def test_a_receiver_that_never_answers_fails_at_the_deadline_to_be_retried() -> None:
    never = asyncio.Event()

    async def stalled(request: httpx.Request) -> httpx.Response:
        await never.wait()
        return httpx.Response(200)

    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    async with httpx.AsyncClient(transport=httpx.MockTransport(stalled)) as client:
        sender = SignedWebhookSender(
            client, clock=clock, private_targets=True, deadline_seconds=0.05
        )
        with pytest.raises(DeliveryError) as late:
            await sender.send(webhook("http://127.0.0.1:9/hooks"))
    assert late.value.retryable is True and "slower than 0.05 s" in late.value.detail


async def test_an_endless_answer_is_never_read() -> None:
    async def endless() -> Any:
        while True:
            yield b"x" * 65536

    def dripping(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=endless())

    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    async with httpx.AsyncClient(transport=httpx.MockTransport(dripping)) as client:
        sender = SignedWebhookSender(client, clock=clock, private_targets=True)
        assert (await sender.send(webhook("http://127.0.0.1:9/hooks"))).status == "200"
