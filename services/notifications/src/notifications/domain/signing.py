"""Webhook signatures: HMAC-SHA256 over timestamp and body, checked within a time window.

The header looks like Stripe's: `t=<unix seconds>,v1=<hex HMAC-SHA256>`. The MAC covers
`f"{t}.".encode() + body`, so a captured request cannot be replayed with a new timestamp,
and the window bounds how long a captured request stays valid. A header may carry several
`v1=` values (one per secret while a secret is being rotated); any one matching suffices.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

SIGNATURE_HEADER = "Voronka-Signature"
SCHEME = "v1"
DEFAULT_TOLERANCE = timedelta(minutes=5)

# A real header is ~80 characters; anything far longer is not worth parsing.
_MAX_HEADER_LENGTH = 2048
_MAX_TIMESTAMP_DIGITS = 12


def _mac(secret: bytes, timestamp: int, body: bytes) -> str:
    if not secret:
        raise ValueError("a webhook secret must not be empty")
    if timestamp < 0:
        raise ValueError(f"timestamp must be Unix seconds, got {timestamp}")
    signed = f"{timestamp}.".encode("ascii") + body
    return hmac.new(secret, signed, hashlib.sha256).hexdigest()


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """The signature header value for `body` sent at `timestamp` (Unix seconds)."""
    return f"t={timestamp},{SCHEME}={_mac(secret, timestamp, body)}"


def _parse(header: str) -> tuple[int, list[str]] | None:
    if len(header) > _MAX_HEADER_LENGTH:
        return None
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        key, separator, value = item.strip().partition("=")
        if not separator:
            return None
        if key == "t":
            digits = value.isascii() and value.isdigit() and len(value) <= _MAX_TIMESTAMP_DIGITS
            if timestamp is not None or not digits:
                return None
            timestamp = int(value)
        elif key == SCHEME:
            signatures.append(value)
        # Other schemes are ignored so that a future `v2` can be added alongside `v1`.
    if timestamp is None or not signatures:
        return None
    return timestamp, signatures


def verify(
    secret: bytes,
    header: str,
    body: bytes,
    now: datetime,
    tolerance: timedelta = DEFAULT_TOLERANCE,
) -> bool:
    """Whether `header` signs `body` with `secret` and its timestamp is within `tolerance` of `now`.

    A malformed header is simply not valid (False); comparisons take constant time.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware, got naive {now.isoformat()}")
    parsed = _parse(header)
    if parsed is None:
        return False
    timestamp, signatures = parsed
    # Both directions: a sender whose clock runs ahead is as tolerated as one running behind.
    if abs(now.timestamp() - timestamp) > tolerance.total_seconds():
        return False
    expected = _mac(secret, timestamp, body).encode("ascii")
    matches = [
        hmac.compare_digest(expected, candidate.encode("utf-8", "replace"))
        for candidate in signatures
    ]
    return any(matches)
