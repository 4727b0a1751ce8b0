"""Composition root: settings -> clients -> adapters -> handlers -> app."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import time, timedelta

from fastapi import FastAPI

from deals import __doc__ as service_doc
from deals.adapters.activity_repository import MongoActivityRepository
from deals.adapters.client_repository import MongoClientRepository
from deals.adapters.contract_repository import MongoContractRepository
from deals.adapters.deal_inputs import MongoClientProfiles, MongoDealPaperwork
from deals.adapters.deal_reader import MongoDealReader
from deals.adapters.deal_repository import DealMapper, MongoDealRepository
from deals.adapters.discount_settings import MongoDiscountSettings
from deals.adapters.indexes import INDEXES
from deals.adapters.invoice_repository import MongoInvoiceRepository
from deals.adapters.meeting_repository import MongoMeetingRepository
from deals.adapters.parked_activities import MongoActivityPark
from deals.adapters.pdf_documents import render_pdf
from deals.adapters.pipeline_store import MongoPipelineStore, PipelineMapper
from deals.adapters.product_repository import MongoProductRepository
from deals.adapters.proposal_repository import MongoProposalRepository
from deals.adapters.settings_store import MongoDealSettings, MongoWatermarks
from deals.adapters.store import DealsStore
from deals.adapters.task_repository import MongoTaskRepository
from deals.adapters.work_day_sources import MongoDayReader, MongoLeadsToCall
from deals.domain.invoices import ReminderPolicy
from deals.domain.source import SOURCE
from deals.entrypoints.access import ACCESS
from deals.entrypoints.http_catalogue import catalogue_router
from deals.entrypoints.http_clients import clients_router
from deals.entrypoints.http_common import DealsHttp, install_error_handlers
from deals.entrypoints.http_deals import deals_router
from deals.entrypoints.http_invoices import invoices_router
from deals.entrypoints.http_proposals import proposals_router
from deals.entrypoints.http_work import work_router
from deals.entrypoints.pipeline_views import PipelineViews
from deals.entrypoints.subscribers import register_subscribers
from deals.service_layer.activities import ActivityLog
from deals.service_layer.catalogue import Catalogue
from deals.service_layer.clients import ClientBase
from deals.service_layer.contracts import Contracts
from deals.service_layer.deals import DealBook
from deals.service_layer.fulfilment import Fulfilment
from deals.service_layer.invoice_documents import InvoiceDocuments
from deals.service_layer.invoicing import Invoicing
from deals.service_layer.meetings import MeetingBook
from deals.service_layer.pipelines import Pipelines
from deals.service_layer.proposals import ProposalDesk, party_of
from deals.service_layer.reminders import ReminderWatcher
from deals.service_layer.task_rules import TaskRules
from deals.service_layer.tasks import TaskBook
from deals.service_layer.work import DayWork
from deals.service_layer.work_queue import WorkQueue
from deals.settings import DealsSettings
from shared.platform.audit import AuditTrail
from shared.platform.audit_api import install_audit
from shared.platform.clock import Clock, SystemClock, clock_from_env
from shared.platform.indexes import ensure_indexes
from shared.platform.logging import get_logger
from shared.platform.loops import run_every
from shared.platform.outbox import KafkaOutboxPublisher, OutboxRelay
from shared.platform.people import PeopleDirectory
from shared.platform.repository import message_on_own_topic
from shared.platform.runtime import Connections, create_service_app

SERVICE = "deals"
PARKED_SWEEP_SECONDS = 300.0

log = get_logger(__name__)


@dataclass
class DealsService:
    """The wired service: its HTTP app and the background loops it runs while the app lives."""

    app: FastAPI
    store: DealsStore
    relay: OutboxRelay
    reminders: ReminderWatcher
    work: DayWork


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
    task_book = MongoTaskRepository(store.tasks, clock=clock, message_of=published)
    activity_book = MongoActivityRepository(store.activities, clock=clock, message_of=published)
    meeting_book = MongoMeetingRepository(
        store.meetings, store.meeting_seats, clock=clock, message_of=published
    )
    tasks = TaskBook(
        task_book,
        staff=people,
        clock=clock,
        escalate_after=timedelta(hours=settings.task_escalate_after_hours),
        poll_seconds=settings.timer_poll_seconds,
        wake=relay.wake,
    )
    stuck_after = timedelta(hours=settings.stuck_after_hours)
    leads_to_call = MongoLeadsToCall(store.leads_to_call)
    work = DayWork(
        activities=ActivityLog(
            activity_book,
            deals=deal_reader,
            clients=client_book,
            staff=people,
            clock=clock,
            objection_categories=settings.objection_categories,
            park=MongoActivityPark(store.parked_activities),
            park_for=timedelta(days=settings.parked_activity_days),
            wake=relay.wake,
        ),
        tasks=tasks,
        rules=TaskRules(
            tasks,
            task_book,
            clients=client_book,
            waiting=deal_reader,
            stages=pipelines,
            marks=MongoWatermarks(store.settings),
            clock=clock,
            cadences=tuple(c.cadence() for c in settings.cadences),
            stuck_after=stuck_after,
            follow_up_days=settings.proposal_follow_up_days,
            time_zone=settings.team_time_zone,
            poll_seconds=settings.stuck_scan_seconds,
        ),
        meetings=MeetingBook(
            meeting_book,
            activity_book,
            deals=deal_reader,
            clients=client_book,
            staff=people,
            clock=clock,
            remind_before=timedelta(minutes=settings.meeting_remind_minutes),
            wake=relay.wake,
        ),
        queue=WorkQueue(
            leads=leads_to_call,
            tasks=task_book,
            meetings=meeting_book,
            reader=MongoDayReader(store.deals, store.invoices),
            stages=pipelines,
            clock=clock,
            time_zone=settings.team_time_zone,
            stuck_after=stuck_after,
        ),
        leads_to_call=leads_to_call,
        meeting_records=meeting_book,
    )
    reminders = ReminderWatcher(
        [invoice_book, contract_book, meeting_book],
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
    clients.when_contacts_change(work.activities.land_parked)
    register_subscribers(
        connections.broker,
        deals=deals,
        invoicing=invoicing,
        clients=clients,
        people=people,
        work=work,
        group_id=prefix + settings.consumer_group,
        topic_prefix=prefix,
        clock=clock,
        payment_sources=frozenset(settings.payment_sources),
    )
    service = DealsService(app=FastAPI(), store=store, relay=relay, reminders=reminders, work=work)

    async def prepare() -> None:
        await ensure_indexes(connections.db, INDEXES)
        await pipelines.ensure_default()

    async def expire_parked() -> None:
        # Housekeeping on wall-clock time; expiry itself compares with the service's clock.
        await run_every(
            work.activities.expire_parked,
            clock=SystemClock(),
            seconds=PARKED_SWEEP_SECONDS,
            what="parked activity expiry",
        )

    app = create_service_app(
        connections,
        service=SERVICE,
        description=service_doc or "",
        on_start=[prepare],
        loops=[
            relay.run,
            reminders.run,
            tasks.run_timer,
            work.rules.run_stuck_scan,
            expire_parked,
        ],
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
        catalogue=Catalogue(
            MongoProductRepository(store.products, clock=clock, message_of=published), clock=clock
        ),
        follow_ups=work.rules,
        invoice_documents=InvoiceDocuments(
            invoicing=invoicing,
            deals=deals,
            clients=clients,
            render=render_pdf,
            seller=party_of(settings.company),
            time_zone=settings.team_time_zone,
        ),
    )
    app.include_router(clients_router(deps))
    app.include_router(deals_router(deps))
    app.include_router(invoices_router(deps))
    app.include_router(work_router(deps, work))
    app.include_router(catalogue_router(deps))
    app.include_router(
        proposals_router(
            deps,
            ProposalDesk(
                MongoProposalRepository(store.proposals, clock=clock, message_of=published),
                deals=deals,
                clients=clients,
                follow_ups=work.rules,
                render=render_pdf,
                seller=party_of(settings.company),
                link_secret=_link_secret(settings),
                public_url=settings.public_url,
                clock=clock,
                time_zone=settings.team_time_zone,
                wake=relay.wake,
            ),
        )
    )
    service.app = app
    return service


def _link_secret(settings: DealsSettings) -> bytes:
    if settings.link_secret is not None:
        return settings.link_secret.get_secret_value().encode()
    log.warning("DEALS_LINK_SECRET is not set: proposal links are signed with a key made now")
    return secrets.token_bytes(32)


def build_app(settings: DealsSettings) -> FastAPI:
    """Wire the service; the broker and the background loops live as long as the app."""
    return build(settings).app
