"""Proposals: versions drafted from the deal, the latest sent, one answer to the one sent."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from deals.domain.documents import DocumentLine
from deals.domain.money import Money
from deals.domain.proposal import Proposal, ProposalState, SentLinks
from deals.domain.refusal import Refused
from deals.domain.signed_links import answer_link, is_signed, link_signature
from shared.contracts.events.proposals import (
    Attachment,
    ProposalAcceptedV1,
    ProposalDeclinedV1,
    ProposalSentV1,
)

pytestmark = pytest.mark.unit

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
PDF = Attachment(filename="КП-1-v1.pdf", media_type="application/pdf", content_base64="JVBERi0=")
LINKS = SentLinks("https://crm.example/accept", "https://crm.example/decline")


def lines(price: str) -> tuple[DocumentLine, ...]:
    return (
        DocumentLine(1, "Насос Н-50", "шт", Decimal(2), Money.of(price, "RUB"), Decimal(5)),
        DocumentLine(2, "Монтаж", "усл", Decimal(1), Money.of("10000.00", "RUB"), vat_rate=None),
    )


def proposal() -> Proposal:
    started = Proposal.start("deal-1", number="КП-1", client_id="client-1", manager_id="m-anna")
    started.draft(lines("150000.00"), valid_until=date(2026, 3, 16), terms=None, now=NOW)
    return started


def test_a_version_totals_its_lines_after_discount() -> None:
    # 2 × 150 000 less 5 % = 285 000, plus 10 000 without VAT = 295 000.
    assert proposal().latest.total == Money.of("295000.00", "RUB")


def test_each_draft_is_a_new_version_and_only_the_latest_sent_can_be_answered() -> None:
    p = proposal()
    p.send(links=LINKS, document=PDF, recipient_email=None, now=NOW)
    p.draft(
        lines("140000.00"), valid_until=date(2026, 3, 20), terms="Доставка за наш счёт", now=NOW
    )
    assert [v.version for v in p.versions] == [1, 2] and p.state == ProposalState.DRAFT
    with pytest.raises(Refused, match="not awaiting an answer"):
        p.accept(1, via="link", today=TODAY, now=NOW)
    p.send(links=LINKS, document=PDF, recipient_email="buyer@example.com", now=NOW)
    with pytest.raises(Refused, match="version 1 is not the one awaiting an answer"):
        p.accept(1, via="link", today=TODAY, now=NOW)
    assert p.accept(2, via="link", today=TODAY, now=NOW)
    assert not p.accept(2, via="link", today=TODAY, now=NOW)  # a second click
    sent = [e for e in p.collect_events() if isinstance(e, ProposalSentV1)]
    assert [(e.version, e.recipient_email, e.total.amount) for e in sent] == [
        (1, None, Decimal("295000.00")),
        (2, "buyer@example.com", Decimal("276000.00")),  # 2 × 140 000 × 0.95 + 10 000
    ]
    with pytest.raises(Refused, match="was accepted"):
        p.draft(lines("1.00"), valid_until=date(2026, 4, 1), terms=None, now=NOW)


def test_an_expired_version_cannot_be_accepted_but_can_be_declined() -> None:
    p = proposal()
    p.send(links=LINKS, document=PDF, recipient_email=None, now=NOW)
    later = date(2026, 3, 17)
    with pytest.raises(Refused, match="held until 2026-03-16"):
        p.accept(1, via="link", today=later, now=NOW + timedelta(days=15))
    assert p.decline(1, via="manager", reason="Дорого", today=later, now=NOW)
    [declined] = [e for e in p.collect_events() if isinstance(e, ProposalDeclinedV1)]
    assert (declined.via, declined.reason) == ("manager", "Дорого")
    assert not any(isinstance(e, ProposalAcceptedV1) for e in p.collect_events())


def test_a_draft_needs_lines_and_a_future_validity() -> None:
    p = Proposal.start("deal-2", number="КП-2", client_id=None, manager_id="m-anna")
    with pytest.raises(Refused) as refused:
        p.draft((), valid_until=date(2026, 3, 1), terms=None, now=NOW)
    assert refused.value.problems == (
        "line_items: the deal has no lines to offer",
        "valid_until: in the past",
    )


def test_a_link_is_signed_for_one_answer_to_one_version() -> None:
    secret = b"k" * 32
    url = answer_link("https://crm.example/", secret, "proposal-1", 2, "accept")
    signature = link_signature(secret, "proposal-1", 2, "accept")
    assert url == f"https://crm.example/v1/links/proposals/proposal-1/accept?v=2&sig={signature}"
    assert is_signed(secret, "proposal-1", 2, "accept", signature)
    assert not is_signed(secret, "proposal-1", 2, "decline", signature)
    assert not is_signed(secret, "proposal-1", 1, "accept", signature)
    assert not is_signed(b"other" * 8, "proposal-1", 2, "accept", signature)
