"""Composition root: settings -> clients -> adapters -> handlers -> app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from fastapi import FastAPI

from deals import __doc__ as service_doc
from deals.adapters.client_repository import MongoClientRepository
from deals.adapters.contract_repository import MongoContractRepository
from deals.adapters.deal_inputs import MongoClientProfiles, MongoDealPaperwork
from deals.adapters.deal_reader import MongoDealReader
from deals.adapters.deal_repository import DealMapper, MongoDealRepository
from deals.adapters.discount_settings import MongoDiscountSettings
from deals.adapters.indexes import INDEXES
from deals.adapters.invoice_repository import MongoInvoiceRepository
from deals.adapters.pipeline_store import MongoPipelineStore, PipelineMapper
from deals.adapters.settings_store import MongoDealSettings
from deals.adapters.store import DealsStore
from deals.domain.invoices import ReminderPolicy
from deals.domain.source import SOURCE
from deals.entrypoints.access import ACCESS
from deals.entrypoints.http_clients import clients_router
from deals.entrypoints.http_common import DealsHttp, install_error_handlers
from deals.entrypoints.http_deals import deals_router
from deals.entrypoints.http_invoices import invoices_router
from deals.entrypoints.pipeline_views import PipelineViews
from deals.entrypoints.subscribers import register_subscribers
from deals.service_layer.clients import ClientBase
from deals.service_layer.contracts import Contracts
from deals.service_layer.deals import DealBook
from deals.service_layer.fulfilment import Fulfilment
from deals.service_layer.invoicing import Invoicing
from deals.service_layer.pipelines import Pipelines
from deals.service_layer.reminders import ReminderWatcher
from deals.settings import DealsSettings
from shared.platform.audit import AuditTrail
from shared.platform.audit_api import install_audit
from shared.platform.clock import Clock, clock_from_env
from shared.platform.indexes import ensure_indexes
from shared.platform.outbox import KafkaOutboxPublisher, OutboxRelay
from shared.platform.people import PeopleDirectory
from shared.platform.repository import message_on_own_topic
from shared.platform.runtime import Connections, create_service_app

SERVICE = "deals"


@dataclass
class DealsService:
    """The wired service: its HTTP app and the background loops it runs while the app lives."""

    app: FastAPI
    store: DealsStore
    relay: OutboxRelay
    reminders: ReminderWatcher


def build(settings: DealsSettings, *, clock: Clock | None = None) -> DealsService:
    """Wire every part; `clock` is injectable so tests can move time."""
    clock = clock or clock_from_env()
    connections = Connections(settings, service=SERVICE, database=settings.database)
    prefix = settings.kafka.topic_prefix
    store = DealsStore(connections.db)
    published = message_on_own_topic(SOURCE)
    invoice_book = MongoInvoiceRepository(store.invoices, clock=clock, message_of=published)
    contract_book = MongoContractRepository(store.contracts, clock=clock, message_of=published)
    client_book = MongoClientRepository(store.clients, clock=clock, message_of=published)
    deal_reader = MongoDealReader(store.deals)
    people = PeopleDirectory(connections.db)
    trail = AuditTrail(connections.db, service=SERVICE, clock=clock)
    relay = OutboxRelay(
        [*store.with_outbox, trail.collection],
        KafkaOutboxPublisher(connections.broker, topic_prefix=prefix),
        clock=clock,
        poll_interval=settings.outbox_poll_seconds,
    )
    pipelines = Pipelines(MongoPipelineStore(store.pipelines))
    deal_book = MongoDealRepository(store.deals, clock=clock)
    deals = DealBook(
        deal_book,
        pipelines,
        settings=MongoDealSettings(store.settings, people.collection),
        clients=MongoClientProfiles(store.clients),
        paperwork=MongoDealPaperwork(store.invoices),
        clock=clock,
        stuck_after_hours=settings.stuck_after_hours,
        default_max_discount=settings.default_max_discount_percent,
        wake=relay.wake,
    )
    invoicing = Invoicing(
        invoice_book,
        deals=deal_reader,
        zones=client_book,
        clock=clock,
        policy=ReminderPolicy(
            days_before_due=settings.reminder_days_before_due,
            days_after_due=settings.reminder_days_after_due,
            at=time(settings.reminder_hour),
        ),
        default_time_zone=settings.client_time_zone,
        wake=relay.wake,
    )
    reminders = ReminderWatcher(
        [invoice_book, contract_book],
        clock=clock,
        poll_seconds=settings.timer_poll_seconds,
        on_fired=relay.wake,
    )
    clients = ClientBase(
        client_book,
        deals=deal_reader,
        discounts=MongoDiscountSettings(store.settings),
        clock=clock,
    )
    register_subscribers(
        connections.broker,
        deals=deals,
        invoicing=invoicing,
        clients=clients,
        people=people,
        group_id=prefix + settings.consumer_group,
        topic_prefix=prefix,
        clock=clock,
        payment_sources=frozenset(settings.payment_sources),
    )
    service = DealsService(app=FastAPI(), store=store, relay=relay, reminders=reminders)

    async def prepare() -> None:
        await ensure_indexes(connections.db, INDEXES)
        await pipelines.ensure_default()

    app = create_service_app(
        connections,
        service=SERVICE,
        description=service_doc or "",
        on_start=[prepare],
        loops=[relay.run, reminders.run],
    )
    install_error_handlers(app)
    install_audit(app, trail, ACCESS)
    deps = DealsHttp(
        clients=clients,
        pipelines=PipelineViews(pipelines, PipelineMapper()),
        deals=deals,
        contracts=Contracts(
            contract_book,
            deals=deal_reader,
            zones=client_book,
            on_deal=deals,
            clock=clock,
            days_before=settings.renewal_days_before,
            default_time_zone=settings.client_time_zone,
        ),
        invoicing=invoicing,
        fulfilment=Fulfilment(deal_book, clock=clock, wake=relay.wake),
        clock=clock,
        shows_deal=DealMapper(),
        people=people,
    )
    app.include_router(clients_router(deps))
    app.include_router(deals_router(deps))
    app.include_router(invoices_router(deps))
    service.app = app
    return service


def build_app(settings: DealsSettings) -> FastAPI:
    """Wire the service; the broker and the background loops live as long as the app."""
    return build(settings).app
