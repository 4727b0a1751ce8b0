"""What invoices and contracts need to know of the deal they belong to."""

from __future__ import annotations

from dataclasses import dataclass

from deals.domain.money import Money


@dataclass(frozen=True, slots=True)
class DealTerms:
    """A deal as invoicing and contracts see it: who pays, who is responsible, how much."""

    deal_id: str
    client_id: str | None
    manager_id: str
    amount: Money | None
