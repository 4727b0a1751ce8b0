"""Links a client answers a proposal by: the proposal, version and answer, signed (HMAC)."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import quote


def link_signature(secret: bytes, proposal_id: str, version: int, answer: str) -> str:
    """The signature of one answer to one version."""
    message = f"{proposal_id}|{version}|{answer}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def is_signed(secret: bytes, proposal_id: str, version: int, answer: str, signature: str) -> bool:
    """Whether `signature` is this answer's, compared in constant time."""
    expected = link_signature(secret, proposal_id, version, answer)
    return hmac.compare_digest(expected, signature)


def answer_link(base_url: str, secret: bytes, proposal_id: str, version: int, answer: str) -> str:
    """The URL the client opens to answer."""
    signature = link_signature(secret, proposal_id, version, answer)
    path = f"/v1/links/proposals/{quote(proposal_id)}/{answer}"
    return f"{base_url.rstrip('/')}{path}?v={version}&sig={signature}"
