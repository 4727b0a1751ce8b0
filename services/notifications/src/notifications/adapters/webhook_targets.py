"""Where webhooks may go: public addresses only, unless local development allows private ones.

A webhook URL is chosen by whoever holds a `notifications:write` key. Without this check it
could point the service at the cloud metadata endpoint, the cluster's own services or the
database (server-side request forgery). The name is checked when the subscription is stored
and every address it resolves to is checked again before each delivery.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain"})


class TargetRefused(Exception):
    """The URL leads to an address webhooks may not reach; the message names no address."""


def is_public(address: str) -> bool:
    """A globally routable unicast address (not loopback, private, link-local, reserved…)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return ip.is_global and not ip.is_multicast


def check_literal(url: str) -> None:
    """Refuse a URL whose host is a local name or a non-public IP literal (no DNS lookup)."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if not host or host in LOCAL_NAMES or host.endswith(".localhost"):
        raise TargetRefused("the URL must name a public host")
    try:
        public = is_public(host)
    except ValueError:
        return  # a DNS name: resolved and checked before each delivery
    if not public:
        raise TargetRefused("the URL must name a public address")


async def check_resolved(url: str) -> None:
    """Refuse when any address the host resolves to is not public; OSError when none resolves."""
    check_literal(url)
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    infos = await asyncio.get_running_loop().getaddrinfo(
        parts.hostname, port, type=socket.SOCK_STREAM
    )
    if not infos or not all(is_public(str(info[4][0])) for info in infos):
        raise TargetRefused("the URL resolves to an address that is not public")
