"""Resolving a webhook's host before each delivery: every address must be public."""

from __future__ import annotations

import asyncio
import socket
from urllib.parse import urlsplit

from notifications.domain.webhooks import TargetRefused, check_literal, is_public


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
