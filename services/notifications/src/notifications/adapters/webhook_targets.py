"""Resolving a webhook's host before each delivery, and pinning the connection to it."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from notifications.domain.webhooks import TargetRefused, check_literal, is_public


@dataclass(frozen=True)
class PinnedTarget:
    """Where to connect (a checked address) and the name the receiver knows itself by."""

    url: str
    host_header: str
    server_name: str


async def check_resolved(url: str) -> PinnedTarget:
    """Resolve the host once; refuse unless every address is public; pin the first one.

    The request then goes to that address with the original `Host` and TLS server name (so
    the certificate is still checked against the name): a second lookup that answered an
    internal address (DNS rebinding) is never made. OSError when nothing resolves.
    """
    check_literal(url)
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = [str(info[4][0]) for info in infos]
    if not addresses or not all(is_public(address) for address in addresses):
        raise TargetRefused("the URL resolves to an address that is not public")
    pinned = addresses[0]
    literal = f"[{pinned}]" if ":" in pinned else pinned
    netloc = f"{literal}:{parts.port}" if parts.port else literal
    host_header = f"{host}:{parts.port}" if parts.port else host
    return PinnedTarget(urlunsplit(parts._replace(netloc=netloc)), host_header, host)
