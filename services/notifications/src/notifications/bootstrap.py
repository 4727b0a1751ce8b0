"""Composition root: settings -> clients -> adapters -> handlers -> app."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import timedelta

import httpx
from fastapi import FastAPI

from notifications import __doc__ as service_doc
from notifications.adapters.attachment_store import MongoAttachmentStore
from notifications.adapters.delivery_store import MongoDeliveryRepository, MongoSettlementStore
from notifications.adapters.email_channel import SmtpConfig, SmtpEmailSender
from notifications.adapters.http_channels import (
    HttpSmsSender,
    SignedWebhookSender,
    TelegramBotSender,
)
from notifications.adapters.indexes import INDEXES
from notifications.adapters.recipient_store import MongoRecipientDirectory
from notifications.adapters.template_store import MongoTemplateStore
from notifications.adapters.webhook_store import MongoWebhookStore
from notifications.domain.model import Channel
from notifications.domain.pressure import PressurePolicy
from notifications.domain.retry import RetryPolicy
from notifications.domain.rules import RuleConfig
from notifications.entrypoints.access import ACCESS
from notifications.entrypoints.http_deliveries import deliveries_router
from notifications.entrypoints.http_recipients import recipients_router
from notifications.entrypoints.http_templates import templates_router
from notifications.entrypoints.http_webhooks import webhooks_router
from notifications.entrypoints.subscribers import register_subscribers
from notifications.service_layer.context import ContextBuilder
from notifications.service_layer.delivery_log import DeliveryLog
from notifications.service_layer.dispatcher import DispatchConfig, Dispatcher
from notifications.service_layer.payments import PaymentReceived
from notifications.service_layer.ports import ChannelSender
from notifications.service_layer.recipients import Recipients
from notifications.service_layer.tasks import TaskCompleted
from notifications.service_layer.template_overrides import TemplateOverrides
from notifications.service_layer.triggers import Triggers
from notifications.service_layer.webhooks import Webhooks
from notifications.settings import NotificationsSettings
from shared.platform.audit import AuditTrail
from shared.platform.audit_api import install_audit
from shared.platform.clock import Clock, clock_from_env
from shared.platform.indexes import ensure_indexes
from shared.platform.lease_time import ServerLeaseTime
from shared.platform.mongo import server_time_of
from shared.platform.outbox import KafkaOutboxPublisher, OutboxRelay
from shared.platform.runtime import Connections, create_service_app

SERVICE = "notifications"


@dataclass
class NotificationsService:
    """The wired service: its HTTP app, stores, and the background loops it runs."""

    app: FastAPI
    connections: Connections
    relay: OutboxRelay
    dispatcher: Dispatcher
    deliveries: MongoDeliveryRepository
    directory: MongoRecipientDirectory


def pressure_policy(settings: NotificationsSettings) -> PressurePolicy:
    """Caps and quiet hours from the settings."""
    return PressurePolicy(
        max_per_day=settings.max_per_day,
        max_per_week=settings.max_per_week,
        quiet_start=settings.quiet_start,
        quiet_end=settings.quiet_end,
    )


def retry_policy(settings: NotificationsSettings) -> RetryPolicy:
    """Attempts and backoff from the settings."""
    base = timedelta(seconds=settings.retry_base_seconds)
    return RetryPolicy(
        max_attempts=settings.retry_max_attempts,
        base=base,
        max_delay=max(base, timedelta(seconds=settings.retry_max_delay_seconds)),
    )


def rule_config(settings: NotificationsSettings) -> RuleConfig:
    """Who is told what, from the settings."""
    return RuleConfig(
        deal_thresholds=settings.deal_thresholds,
        default_deal_threshold=settings.deal_threshold,
        notify_client_when_overdue=settings.notify_client_when_overdue,
        copy_manager_on_reminders=settings.copy_manager_on_reminders,
    )


def channels(
    settings: NotificationsSettings, http: httpx.AsyncClient, *, clock: Clock
) -> dict[Channel, ChannelSender]:
    """The channel adapters whose providers are configured; webhooks always work."""
    senders: dict[Channel, ChannelSender] = {
        Channel.WEBHOOK: SignedWebhookSender(
            http, clock=clock, private_targets=settings.webhook_private_targets
        )
    }
    if settings.smtp_host:
        senders[Channel.EMAIL] = SmtpEmailSender(
            SmtpConfig(
                host=settings.smtp_host,
                port=settings.smtp_port,
                security=settings.smtp_security,
                sender=settings.smtp_sender,
                message_id_domain=settings.message_id_domain,
                timeout=settings.provider_timeout_seconds,
                username=settings.smtp_username,
                password=(
                    settings.smtp_password.get_secret_value() if settings.smtp_password else None
                ),
            ),
            clock=clock,
        )
    if settings.sms_url:
        token = settings.sms_token.get_secret_value() if settings.sms_token else None
        senders[Channel.SMS] = HttpSmsSender(http, url=settings.sms_url, token=token)
    if settings.bot_token:
        senders[Channel.MESSENGER] = TelegramBotSender(
            http, base_url=settings.bot_base_url, token=settings.bot_token.get_secret_value()
        )
    return senders


def build(settings: NotificationsSettings, *, clock: Clock | None = None) -> NotificationsService:
    """Wire every part; `clock` is injectable so tests can move time."""
    clock = clock or clock_from_env()
    # httpx logs every request URL at INFO, and the bot API carries its token in the path.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    connections = Connections(settings, service=SERVICE, database=settings.database)
    prefix = settings.kafka.topic_prefix
    group_id = prefix + settings.consumer_group
    deliveries = MongoDeliveryRepository(
        connections.db, clock=clock, consumer_group=group_id, topic_prefix=prefix
    )
    settlements = MongoSettlementStore(connections.db)
    directory = MongoRecipientDirectory(connections.db)
    templates = MongoTemplateStore(connections.db)
    webhooks = MongoWebhookStore(connections.db)
    attachments = MongoAttachmentStore(connections.db)
    http = httpx.AsyncClient(
        timeout=settings.provider_timeout_seconds, follow_redirects=False, trust_env=False
    )
    senders = channels(settings, http, clock=clock)
    trail = AuditTrail(connections.db, service=SERVICE, clock=clock)
    relay = OutboxRelay(
        [deliveries.collection, trail.collection],
        KafkaOutboxPublisher(connections.broker, topic_prefix=prefix),
        clock=clock,
        poll_interval=settings.outbox_poll_seconds,
    )
    dispatcher = Dispatcher(
        deliveries,
        directory,
        templates,
        webhooks,
        senders,
        attachments=attachments,
        context=ContextBuilder(directory, sender_name=settings.sender_name),
        pressure=pressure_policy(settings),
        retry=retry_policy(settings),
        config=DispatchConfig(
            poll_seconds=settings.dispatch_poll_seconds,
            lease=timedelta(seconds=settings.dispatch_lease_seconds),
            busy_delay=timedelta(seconds=settings.busy_recipient_delay_seconds),
        ),
        clock=clock,
        lease_time=ServerLeaseTime(server_time_of(connections.mongo)),
        jitter=random.random if settings.retry_jitter else None,
        on_outbox=relay.wake,
    )
    triggers = Triggers(
        deliveries,
        settlements,
        directory,
        webhooks,
        attachments=attachments,
        rules=rule_config(settings),
        enabled_channels=frozenset(senders),
        clock=clock,
        on_queued=dispatcher.wake,
    )
    register_subscribers(
        connections.broker,
        triggers=triggers,
        payments=PaymentReceived(deliveries, settlements, triggers, clock=clock),
        tasks=TaskCompleted(deliveries, settlements, triggers, clock=clock),
        staff=directory,
        group_id=group_id,
        topic_prefix=prefix,
        clock=clock,
    )
    service = NotificationsService(
        app=FastAPI(),
        connections=connections,
        relay=relay,
        dispatcher=dispatcher,
        deliveries=deliveries,
        directory=directory,
    )

    async def prepare() -> None:
        await ensure_indexes(connections.db, INDEXES)

    app = create_service_app(
        connections,
        service=SERVICE,
        description=service_doc or "",
        on_start=[prepare],
        on_stop=[http.aclose],
        loops=[relay.run, dispatcher.run],
    )
    install_audit(app, trail, ACCESS)
    app.include_router(recipients_router(Recipients(directory)))
    app.include_router(
        webhooks_router(
            Webhooks(webhooks, clock=clock, private_targets=settings.webhook_private_targets)
        )
    )
    app.include_router(templates_router(TemplateOverrides(templates, clock=clock)))
    app.include_router(deliveries_router(DeliveryLog(deliveries)))
    service.app = app
    return service


def build_app(settings: NotificationsSettings) -> FastAPI:
    """Wire the service; the broker and the background loops live as long as the app."""
    return build(settings).app
