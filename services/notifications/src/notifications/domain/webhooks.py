"""Integrators' webhook subscriptions, and which addresses a webhook may be sent to.

A webhook URL is chosen by whoever holds a `notifications:write` key. Without the address
check it could point the service at the cloud metadata endpoint, the cluster's own services
or the database (server-side request forgery). The name is checked when the subscription is
stored and every address it resolves to is checked again before each delivery.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain"})


@dataclass(frozen=True, slots=True)
class WebhookSubscription:
    """An integrator's endpoint: events of `event_types` (all when empty) are POSTed to `url`.

    `created_at` and `updated_at` are set by the store when the subscription is saved.
    """

    id: str
    url: str = field(repr=False)
    secret: str = field(repr=False)
    event_types: tuple[str, ...] = ()
    active: bool = True
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def wants(self, event_type: str) -> bool:
        """Whether this subscription receives events of `event_type`."""
        return self.active and (not self.event_types or event_type in self.event_types)


class TargetRefused(Exception):
    """The URL leads to an address webhooks may not reach; the message names no address."""


# IPv6 ranges that carry an IPv4 address a gateway would forward to: NAT64 (well-known and
# local-use), 6to4, IPv4-compatible (deprecated) and Teredo. `is_global` calls some of them
# global, yet `64:ff9b::a9fe:a9fe` reaches 169.254.169.254 through a NAT64 gateway.
EMBEDDING_V4 = tuple(
    ipaddress.ip_network(net)
    for net in ("64:ff9b::/96", "64:ff9b:1::/48", "2002::/16", "::/96", "2001::/32")
)


def is_public(address: str) -> bool:
    """A globally routable unicast address (not loopback, private, link-local, reserved…).

    An IPv4-mapped IPv6 address is judged by its IPv4 address; IPv6 ranges that tunnel or
    translate to IPv4 are refused whatever they embed.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return is_public(str(ip.ipv4_mapped))
        if any(ip in net for net in EMBEDDING_V4):
            return False
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
