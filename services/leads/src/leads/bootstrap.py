"""Composition root: settings -> clients -> adapters -> handlers -> app."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from fastapi import FastAPI

from leads import __doc__ as service_doc
from leads.adapters.contact_key_store import MongoContactKeys
from leads.adapters.indexes import INDEXES
from leads.adapters.lead_repository import MongoLeadRepository
from leads.adapters.load_counter import MongoLoadCounter
from leads.adapters.parked_activities import MongoParkedActivities
from leads.adapters.request_log import MongoRequestLog
from leads.adapters.roster_store import MongoRosterStore
from leads.domain.product_reading import ProductTerms
from leads.domain.request_reading import read_request
from leads.domain.roster import WorkingTime
from leads.domain.sla import SlaPolicy
from leads.entrypoints.access import ACCESS
from leads.entrypoints.http_leads import LeadsHttp, install_error_handlers, leads_router
from leads.entrypoints.http_roster import RosterHttp, roster_router
from leads.entrypoints.subscribers import register_subscribers
from leads.service_layer.absences import Absences
from leads.service_layer.assigner import Assigner, AssignmentConfig
from leads.service_layer.commands import LeadCommands
from leads.service_layer.contact_book import ContactBook
from leads.service_layer.http_intake import HttpIntake
from leads.service_layer.intake import LeadIntake
from leads.service_layer.intake_batch import BatchIntake
from leads.service_layer.loads import LoadKeeper
from leads.service_layer.parking import ActivityParking
from leads.service_layer.queries import LeadQueries
from leads.service_layer.sla_watcher import SlaWatcher
from leads.service_layer.telephony import ExternalActivities
from leads.settings import LeadsSettings
from shared.platform.audit import AuditTrail
from shared.platform.audit_api import install_audit
from shared.platform.clock import Clock, SystemClock, clock_from_env
from shared.platform.indexes import ensure_indexes
from shared.platform.logging import get_logger
from shared.platform.loops import run_every
from shared.platform.outbox import KafkaOutboxPublisher, OutboxRelay
from shared.platform.runtime import Connections, create_service_app

SERVICE = "leads"

log = get_logger(__name__)


@dataclass
class LeadsService:
    """The wired service: its HTTP app, and the background loops it runs while the app lives."""

    app: FastAPI
    connections: Connections
    relay: OutboxRelay
    watcher: SlaWatcher
    leads: MongoLeadRepository
    loads: LoadKeeper
    parked: MongoParkedActivities


def sla_policy(settings: LeadsSettings) -> SlaPolicy:
    """The SLA policy the settings describe."""
    return SlaPolicy(
        default_minutes=settings.sla_minutes,
        by_channel=settings.sla_minutes_by_channel,
        by_priority=settings.sla_minutes_by_priority,
        max_breaches=settings.sla_max_breaches,
    )


def publish_now(relay: OutboxRelay) -> Callable[[], Awaitable[None]]:
    """Publish what is pending at once, in the caller's task; on failure leave it to the relay."""

    async def publish() -> None:
        try:
            await relay.drain_once()
        except Exception as exc:  # the relay's own loop retries; the stored leads stay stored
            log.warning("outbox pass after intake failed", error_type=type(exc).__name__)
            relay.wake()

    return publish


def build(settings: LeadsSettings, *, clock: Clock | None = None) -> LeadsService:
    """Wire every part; `clock` is injectable so tests can move time."""
    clock = clock or clock_from_env()
    connections = Connections(settings, service=SERVICE, database=settings.database)
    prefix = settings.kafka.topic_prefix
    leads = MongoLeadRepository(connections.db, clock=clock)
    roster = MongoRosterStore(connections.db, clock=clock)
    requests = MongoRequestLog(connections.db)
    loads = LoadKeeper(leads, MongoLoadCounter(connections.db))
    book = ContactBook(
        leads,
        MongoContactKeys(connections.db),
        clock=clock,
        window=timedelta(hours=settings.dedupe_window_hours),
    )
    policy = sla_policy(settings)
    assigner = Assigner(
        roster,
        loads,
        AssignmentConfig(
            strategy=settings.assignment_strategy,
            default_team=settings.default_team,
            default_calendar=WorkingTime(
                calendar=settings.calendar,
                time_zone=settings.time_zone,
                work_start=settings.work_start,
                work_end=settings.work_end,
            ),
            sla=policy,
        ),
    )
    publisher = KafkaOutboxPublisher(connections.broker, topic_prefix=prefix)
    trail = AuditTrail(connections.db, service=SERVICE, clock=clock)
    relay = OutboxRelay(
        [leads.collection, roster.managers, trail.collection],
        publisher,
        clock=clock,
        poll_interval=settings.outbox_poll_seconds,
    )
    commands = LeadCommands(
        leads,
        assigner,
        book=book,
        loads=loads,
        clock=clock,
        disqualify_reasons=frozenset(settings.disqualify_reasons),
        wake=relay.wake,
    )
    parked = MongoParkedActivities(connections.db)
    parking = ActivityParking(
        parked,
        commands,
        book,
        clock=clock,
        keep=timedelta(days=settings.parked_activity_days),
    )
    intake = LeadIntake(
        leads,
        assigner,
        book=book,
        loads=loads,
        clock=clock,
        on_stored=relay.wake,
        parking=parking,
        products=ProductTerms.of(settings.product_terms),
    )
    batch_intake = BatchIntake(
        intake,
        leads,
        assigner,
        book=book,
        loads=loads,
        clock=clock,
        publish=publish_now(relay),
        parking=parking,
    )
    watcher = SlaWatcher(
        leads,
        assigner,
        policy,
        loads=loads,
        clock=clock,
        poll_seconds=settings.sla_poll_seconds,
        on_fired=relay.wake,
    )
    register_subscribers(
        connections.broker,
        intake=batch_intake,
        activities=ExternalActivities(leads, commands, book, parking),
        group_id=prefix + settings.consumer_group,
        topic_prefix=prefix,
        clock=clock,
    )
    service = LeadsService(
        app=FastAPI(),
        connections=connections,
        relay=relay,
        watcher=watcher,
        leads=leads,
        loads=loads,
        parked=parked,
    )

    async def prepare() -> None:
        await ensure_indexes(connections.db, INDEXES)

    async def reconcile_loads() -> None:
        # The first pass, at start-up, repairs a crash between a lead's save and its load
        # change. Housekeeping on wall-clock time: tests' manual clocks drive business timers.
        await run_every(
            loads.reconcile,
            clock=SystemClock(),
            seconds=settings.load_reconcile_seconds,
            what="load reconciliation",
        )

    async def expire_parked() -> None:
        # Expiry compares with the service's clock; the pass itself is housekeeping on
        # wall-clock time, like reconciliation.
        await run_every(
            parking.expire_due,
            clock=SystemClock(),
            seconds=settings.parked_sweep_seconds,
            what="parked activity expiry",
        )

    async def warm_up_reading() -> None:
        # dateparser builds its language data on first use (about 0.25 s): at start, not on
        # the first lead with a date.
        read_request("до 15 марта", received_on=clock.now().date())

    app = create_service_app(
        connections,
        service=SERVICE,
        description=service_doc or "",
        on_start=[prepare, warm_up_reading],
        loops=[relay.run, watcher.run, reconcile_loads, expire_parked],
    )
    install_error_handlers(app)
    install_audit(app, trail, ACCESS)
    queries = LeadQueries(leads, clock=clock)
    intake_http = HttpIntake(
        publisher, requests, clock=clock, publish_timeout=settings.publish_timeout_seconds
    )
    app.include_router(
        leads_router(
            LeadsHttp(
                intake=intake_http, queries=queries, commands=commands, clock=clock, roster=roster
            )
        )
    )
    absences = Absences(roster, leads, commands, assigner=assigner, clock=clock)
    app.include_router(
        roster_router(
            RosterHttp(roster=roster, queries=queries, settings=settings, absences=absences)
        )
    )
    service.app = app
    return service


def build_app(settings: LeadsSettings) -> FastAPI:
    """Wire the service; the broker and the background loops live as long as the app."""
    return build(settings).app
