"""What the deal use cases need from outside: storage of deals, pipelines, settings, clients."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Protocol, TypeVar

from deals.domain.deal import Deal, Paperwork
from deals.domain.deal_pipeline import ConfiguredPipeline
from deals.domain.deal_search import DealFilter
from deals.domain.discounts import ClientSegment, ClientType, DiscountRule

R = TypeVar("R")


class DealRepository(Protocol):
    """Deals by id, saved with the events they recorded, and the deal list."""

    async def get(self, aggregate_id: str) -> Deal | None:
        """The deal stored under this id, or None."""

    async def add(self, aggregate: Deal, *, causation_id: str | None = None) -> bool:
        """Store a new deal with its events; False if the id is taken."""

    async def save(self, aggregate: Deal, *, causation_id: str | None = None) -> None:
        """Write what changed since load, with the recorded events."""

    async def update(
        self,
        aggregate_id: str,
        change: Callable[[Deal], R],
        *,
        causation_id: str | None = None,
        attempts: int = 5,
    ) -> tuple[Deal, R] | None:
        """Load, change and save, again on a lost race; None when there is no such deal."""

    async def page(self, search: DealFilter, *, offset: int, limit: int) -> tuple[list[Deal], int]:
        """One page of matching deals, newest activity first, and how many match in all."""

    async def open_ids_of(self, manager_id: str) -> list[str]:
        """Ids of the manager's open deals."""


class PipelineStore(Protocol):
    """Configured pipelines by id."""

    async def get(self, pipeline_id: str) -> ConfiguredPipeline | None:
        """The pipeline stored under this id, or None."""

    async def all(self) -> list[ConfiguredPipeline]:
        """Every pipeline, by id."""

    async def put(self, configured: ConfiguredPipeline) -> None:
        """Create or replace a pipeline."""

    async def add_unless_present(self, configured: ConfiguredPipeline) -> None:
        """Store a pipeline unless one with its id exists."""


class DiscountSettings(Protocol):
    """The discount schemes and the managers' own limits."""

    async def discount_rules(self) -> tuple[DiscountRule, ...]:
        """Every configured scheme, in order."""

    async def manager_limit(self, manager_id: str) -> Decimal | None:
        """The manager's own limit in percent, or None when none is set."""


class ClientProfiles(Protocol):
    """What deals need to know about clients."""

    async def exists(self, client_id: str) -> bool:
        """Whether a client with this id is on file."""

    async def discount_profile(
        self, client_id: str
    ) -> tuple[ClientSegment | None, ClientType | None]:
        """The client's segment and type, where known."""


class DealPaperwork(Protocol):
    """What the stage gates learn from a deal's invoices and payments."""

    async def of_deal(self, deal_id: str) -> Paperwork:
        """The deal's first invoice and earliest payment."""
