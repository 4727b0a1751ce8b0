"""Composition root: settings -> clients -> adapters -> handlers -> app."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass

from fastapi import FastAPI

from reporting import __doc__ as service_doc
from reporting.adapters.client_segments import COLLECTION, ClientSegmentRepository
from reporting.adapters.indexes import INDEXES
from reporting.adapters.plans import DirectoryTeams, MongoPlans
from reporting.adapters.read_models import MongoReadModels
from reporting.adapters.records import MongoFactLog
from reporting.domain.segments import SegmentThresholds
from reporting.entrypoints.access import ACCESS
from reporting.entrypoints.dashboard import DashboardHttp, dashboard_router
from reporting.entrypoints.http_admin import admin_router
from reporting.entrypoints.http_plans import PlansHttp, plans_router
from reporting.entrypoints.http_reports import ReportsHttp, reports_router
from reporting.entrypoints.subscribers import register_subscribers
from reporting.service_layer.ingest import Ingestor
from reporting.service_layer.plans import PlanBook
from reporting.service_layer.queries import Reports
from reporting.service_layer.rebuild import Projections
from reporting.service_layer.segment_watcher import SegmentWatcher
from reporting.settings import ReportingSettings
from shared.platform.audit import AuditTrail
from shared.platform.audit_api import install_audit
from shared.platform.clock import Clock, clock_from_env
from shared.platform.indexes import ensure_indexes
from shared.platform.lease_time import ServerLeaseTime
from shared.platform.mongo import server_time_of
from shared.platform.outbox import KafkaOutboxPublisher, OutboxRelay
from shared.platform.people import PeopleDirectory
from shared.platform.runtime import Connections, create_service_app

SERVICE = "reporting"


@dataclass
class ReportingService:
    """The wired service: its HTTP app and the loops it runs while the app lives."""

    app: FastAPI
    store: MongoFactLog
    records: MongoReadModels
    ingestor: Ingestor
    reports: Reports
    segments: SegmentWatcher
    projections: Projections

    async def rebuild(self) -> int | None:
        """Fold the fact log into a new version; the version now active (None: held elsewhere)."""
        return await self.projections.rebuild()


def holder_id() -> str:
    """This process's name as a rebuild's holder: host, process id and a random part."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def thresholds_of(settings: ReportingSettings) -> SegmentThresholds:
    """Segment thresholds from the settings."""
    return SegmentThresholds(
        settings.hot_days, settings.warm_from_days, settings.warm_to_days, settings.sleeping_days
    )


def build(settings: ReportingSettings, *, clock: Clock | None = None) -> ReportingService:
    """Wire every part; `clock` is injectable so tests can move time."""
    clock = clock or clock_from_env()
    connections = Connections(settings, service=SERVICE, database=settings.database)
    prefix = settings.kafka.topic_prefix
    store = MongoFactLog(connections.db)
    records = MongoReadModels(connections.db)
    clients = ClientSegmentRepository(connections.db[COLLECTION], clock=clock)
    reports = Reports(
        store, records, time_zone=settings.time_zone, thresholds=thresholds_of(settings)
    )
    plans = PlanBook(
        MongoPlans(connections.db),
        reports,
        DirectoryTeams(connections.db),
        clock=clock,
        currency=settings.currency,
    )
    trail = AuditTrail(connections.db, service=SERVICE, clock=clock)
    people = PeopleDirectory(connections.db)
    relay = OutboxRelay(
        [clients.collection, trail.collection],
        KafkaOutboxPublisher(connections.broker, topic_prefix=prefix),
        clock=clock,
        poll_interval=settings.outbox_poll_seconds,
    )
    watcher = SegmentWatcher(
        clients,
        reports,
        clock=clock,
        interval=settings.segment_check_seconds,
        on_published=relay.wake,
    )
    ingestor = Ingestor(
        store, records, payment_sources=settings.payment_sources, on_batch=watcher.notice
    )
    register_subscribers(
        connections.broker,
        ingestor=ingestor,
        people=people,
        group_id=prefix + settings.consumer_group,
        topic_prefix=prefix,
        clock=clock,
        max_records=settings.batch_max_records,
        batch_timeout_ms=settings.batch_timeout_ms,
    )
    projections = Projections(
        store,
        records,
        clock=clock,
        holder=holder_id(),
        lease_time=ServerLeaseTime(server_time_of(connections.mongo)),
    )
    service = ReportingService(
        app=FastAPI(),
        store=store,
        records=records,
        ingestor=ingestor,
        reports=reports,
        segments=watcher,
        projections=projections,
    )

    async def prepare() -> None:
        await ensure_indexes(connections.db, INDEXES)
        await store.adopt_versioned_logs()
        await store.versions()

    app = create_service_app(
        connections,
        service=SERVICE,
        description=service_doc or "",
        on_start=[prepare],
        loops=[relay.run, watcher.run, projections.run],
    )
    install_audit(app, trail, ACCESS)
    app.include_router(reports_router(ReportsHttp(reports, clock, settings.currency, people)))
    app.include_router(plans_router(PlansHttp(plans)))
    app.include_router(
        dashboard_router(
            DashboardHttp(reports, clock, settings.currency, plans=plans, people=people)
        )
    )
    app.include_router(admin_router(projections))
    service.app = app
    return service


def build_app(settings: ReportingSettings) -> FastAPI:
    """Wire the service; the broker and the background loops live as long as the app."""
    return build(settings).app
