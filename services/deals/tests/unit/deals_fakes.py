"""In-memory ports of the deal use cases, and a deal book wired to them, for fast tests."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from deals.adapters.deal_repository import DealMapper
from deals.domain.deal import Deal, Paperwork
from deals.domain.deal_pipeline import ConfiguredPipeline
from deals.domain.deal_search import DealFilter
from deals.domain.discounts import ClientSegment, ClientType, DiscountRule
from deals.domain.source import SOURCE
from deals.service_layer.deals import DealBook
from deals.service_layer.fulfilment import Fulfilment
from deals.service_layer.pipelines import Pipelines
from shared.platform.clock import ManualClock
from shared.platform.repository import message_on_own_topic
from shared.testing.fakes import InMemoryRepository

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class FakeDealRepository(InMemoryRepository[Deal]):
    """Deals in a dict; the list query filtered and sorted in Python."""

    async def page(self, search: DealFilter, *, offset: int, limit: int) -> tuple[list[Deal], int]:
        """Matching deals, newest activity first, and how many match."""
        wanted = {
            "stage": search.stage,
            "manager_id": search.manager_id,
            "client_id": search.client_id,
            "pipeline_id": search.pipeline_id,
        }
        found = [
            deal
            for deal in self.all()
            if all(value is None or getattr(deal, name) == value for name, value in wanted.items())
            and (search.stages is None or deal.stage in search.stages)
            and (search.managers is None or deal.manager_id in search.managers)
            and (search.stuck_in is None or _waiting_in(deal, search))
        ]
        found.sort(key=lambda deal: deal.id)
        if search.stuck_in is None:
            found.sort(key=lambda deal: deal.updated_at, reverse=True)
        else:
            found.sort(key=lambda deal: deal.stage_entered_at)
        return found[offset : offset + limit], len(found)

    async def open_ids_of(self, manager_id: str) -> list[str]:
        """Ids of the manager's open deals, by id."""
        return sorted(d.id for d in self.all() if d.manager_id == manager_id and not d.is_closed)


def _waiting_in(deal: Deal, search: DealFilter) -> bool:
    """Open, in one of its pipeline's stuck stages, since before `entered_before`."""
    stages = dict(search.stuck_in or ())
    return (
        not deal.is_closed
        and deal.stage in stages.get(deal.pipeline_id, ())
        and (search.entered_before is None or deal.stage_entered_at < search.entered_before)
    )


class FakePipelineStore:
    """Pipelines in a dict."""

    def __init__(self) -> None:
        self.pipelines: dict[str, ConfiguredPipeline] = {}

    async def get(self, pipeline_id: str) -> ConfiguredPipeline | None:
        return self.pipelines.get(pipeline_id)

    async def all(self) -> list[ConfiguredPipeline]:
        return [self.pipelines[key] for key in sorted(self.pipelines)]

    async def put(self, configured: ConfiguredPipeline) -> None:
        self.pipelines[configured.id] = configured

    async def add_unless_present(self, configured: ConfiguredPipeline) -> None:
        self.pipelines.setdefault(configured.id, configured)


@dataclass
class FakeSettings:
    """Discount schemes and managers' limits as given."""

    rules: tuple[DiscountRule, ...] = ()
    limits: dict[str, Decimal] = field(default_factory=dict)

    async def discount_rules(self) -> tuple[DiscountRule, ...]:
        return self.rules

    async def manager_limit(self, manager_id: str) -> Decimal | None:
        return self.limits.get(manager_id)


@dataclass
class FakeClients:
    """Clients by id with their segment and type."""

    profiles: dict[str, tuple[ClientSegment | None, ClientType | None]] = field(
        default_factory=dict
    )

    async def exists(self, client_id: str) -> bool:
        return client_id in self.profiles

    async def discount_profile(
        self, client_id: str
    ) -> tuple[ClientSegment | None, ClientType | None]:
        return self.profiles.get(client_id, (None, None))


@dataclass
class FakePaperwork:
    """Invoice facts per deal id."""

    by_deal: dict[str, Paperwork] = field(default_factory=dict)

    async def of_deal(self, deal_id: str) -> Paperwork:
        return self.by_deal.get(deal_id, Paperwork())


@dataclass
class World:
    """A deal book and fulfilment over in-memory ports, with what they published."""

    clock: ManualClock
    deals: FakeDealRepository
    pipelines: FakePipelineStore
    settings: FakeSettings
    clients: FakeClients
    paperwork: FakePaperwork
    book: DealBook
    fulfilment: Fulfilment
    wakes: list[int]

    def events(self, topic: str) -> list[dict[str, Any]]:
        """Payloads published on one topic, in order."""
        return [json.loads(m.value) for m in self.deals.published_on(topic)]


async def world(*, default_max_discount: Decimal = Decimal(10)) -> World:
    """A fresh world at START with the default pipeline stored."""
    clock = ManualClock(START)
    deals = FakeDealRepository(DealMapper(), clock=clock, message_of=message_on_own_topic(SOURCE))
    pipelines = FakePipelineStore()
    settings, clients, paperwork = FakeSettings(), FakeClients(), FakePaperwork()
    wakes: list[int] = []
    book = DealBook(
        deals,
        Pipelines(pipelines),
        settings=settings,
        clients=clients,
        paperwork=paperwork,
        clock=clock,
        stuck_after_hours=72,
        default_max_discount=default_max_discount,
        wake=lambda: wakes.append(1),
    )
    await Pipelines(pipelines).ensure_default()
    fulfilment = Fulfilment(deals, clock=clock, wake=lambda: wakes.append(1))
    return World(clock, deals, pipelines, settings, clients, paperwork, book, fulfilment, wakes)
