"""Local servers for tests: a free port, and an SMTP server that keeps what it accepted."""

from __future__ import annotations

import email
import random
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

_HANDED_OUT: set[int] = set()
_LOWEST = 20000


def _ephemeral_start() -> int:
    """Where the kernel starts picking local ports for outgoing connections."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now, for a server started later.

    Taken below the ephemeral range: a port the kernel hands out (bind to 0) can be given to
    an outgoing connection before the server binds it, and the fault suite once lost a
    replica to "address already in use" that way. Never the same port twice per process.
    """
    top = max(_ephemeral_start(), _LOWEST + 1000)
    for _ in range(1000):
        port = random.randrange(_LOWEST, top)  # noqa: S311 (a port, not a secret)
        if port in _HANDED_OUT:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _HANDED_OUT.add(port)
        return port
    raise RuntimeError(f"no free port between {_LOWEST} and {top}")


@dataclass
class Mailbox:
    """aiosmtpd handler: keeps every message the service submitted (runs in the SMTP thread)."""

    port: int = 0
    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content, policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        """Messages whose envelope recipients include `address`."""
        return [message for rcpt, message in list(self.messages) if address in rcpt]


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    """A real SMTP server on a free local port for as long as the block runs."""
    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
