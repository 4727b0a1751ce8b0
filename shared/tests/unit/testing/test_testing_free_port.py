"""free_port: ports no outgoing connection can take, never handed out twice."""

from __future__ import annotations

import socket

import pytest

from shared.testing.servers import _ephemeral_start, free_port

pytestmark = pytest.mark.unit


def test_ports_are_distinct_below_the_ephemeral_range_and_bindable() -> None:
    ports = [free_port() for _ in range(300)]

    assert len(set(ports)) == 300
    assert all(20000 <= port < _ephemeral_start() for port in ports)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", ports[-1]))
