"""A scripted month of sales as wire events, and helpers to publish it and wait for it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import date
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from reporting_events import at, rub, stage_change

from reporting.bootstrap import ReportingService
from shared.contracts import (
    ActivityKind,
    ClaimStatus,
    ClaimStatusChangedV1,
    EventModel,
    InstallmentTerms,
    InvoiceIssuedV1,
    LeadActivityLoggedV1,
    LeadAssignedV1,
    LeadChannel,
    LeadContactedV1,
    LeadConvertedV1,
    LeadDisqualifiedV1,
    LeadQualifiedV1,
    LeadSlaBreachedV1,
    PaymentReceivedV1,
    StageKind,
    encode,
)
from shared.contracts.events.lead_lifecycle import ConvertedContact
from shared.platform.settings import KafkaSettings
from shared.testing.kafka import wait_until

Running = tuple[ReportingService, httpx.AsyncClient]
ServiceFactory = Callable[..., AbstractAsyncContextManager[Running]]


def _lead(lead_id: str, channel: LeadChannel, manager: str, day: int) -> LeadAssignedV1:
    return LeadAssignedV1(
        lead_id=lead_id,
        manager_id=manager,
        team="sales",
        reason="round_robin",
        channel=channel,
        source="website",
        received_at=at(day),
        assigned_at=at(day),
        sla_deadline=at(day, 10),
        priority=30,
    )


def _contact(lead_id: str, manager: str, day: int) -> LeadContactedV1:
    return LeadContactedV1(
        lead_id=lead_id,
        manager_id=manager,
        activity_id=f"act-{lead_id}",
        kind=ActivityKind.CALL,
        contacted_at=at(day, 9).replace(minute=30),
        received_at=at(day),
        response_seconds=1800,
        within_sla=True,
    )


def scripted_month() -> list[EventModel]:
    """March 2026 for a two-manager team; the expected figures are worked out in the tests."""
    return [
        _lead("L1", LeadChannel.WEB_FORM, "m1", 2),
        _lead("L2", LeadChannel.PHONE, "m2", 3),
        _lead("L3", LeadChannel.PHONE, "m1", 4),
        _lead("L4", LeadChannel.EMAIL, "m2", 5),
        _contact("L1", "m1", 2),
        _contact("L2", "m2", 3),
        _contact("L3", "m1", 4),
        LeadSlaBreachedV1(
            lead_id="L4",
            manager_id="m2",
            team="sales",
            channel=LeadChannel.EMAIL,
            deadline=at(5, 10),
            breached_at=at(5, 10),
            breach_count=1,
            escalated=False,
        ),
        LeadQualifiedV1(
            lead_id="L1", manager_id="m1", channel=LeadChannel.WEB_FORM, qualified_at=at(3)
        ),
        LeadConvertedV1(
            lead_id="L1",
            manager_id="m1",
            channel=LeadChannel.WEB_FORM,
            source="website",
            received_at=at(2),
            converted_at=at(4),
            contact=ConvertedContact(name="Клиент 1"),
        ),
        LeadConvertedV1(
            lead_id="L2",
            manager_id="m2",
            channel=LeadChannel.PHONE,
            source="website",
            received_at=at(3),
            converted_at=at(5),
            contact=ConvertedContact(name="Клиент 2"),
        ),
        LeadDisqualifiedV1(
            lead_id="L3",
            manager_id="m1",
            channel=LeadChannel.PHONE,
            reason="no_budget",
            disqualified_at=at(6),
        ),
        *[
            LeadActivityLoggedV1(
                activity_id=activity_id,
                lead_id=lead_id,
                manager_id=manager,
                kind=kind,
                occurred_at=at(day, 11),
            )
            for activity_id, lead_id, manager, kind, day in (
                ("a1", "L1", "m1", ActivityKind.CALL, 2),
                ("a2", "L3", "m1", ActivityKind.CALL, 2),
                ("a3", "L1", "m1", ActivityKind.MEETING, 3),
                ("a4", "L2", "m2", ActivityKind.EMAIL, 3),
            )
        ],
        stage_change(
            "D1",
            "new",
            StageKind.OPEN,
            4,
            "100000.00",
            lead="L1",
            manager="m1",
            previous=None,
            probability="0.05",
        ),
        stage_change(
            "D1",
            "won",
            StageKind.WON,
            20,
            "100000.00",
            lead="L1",
            manager="m1",
            previous="new",
            probability="1",
        ),
        stage_change(
            "D2",
            "new",
            StageKind.OPEN,
            5,
            "50000.00",
            lead="L2",
            manager="m2",
            previous=None,
            probability="0.05",
        ),
        stage_change(
            "D2",
            "lost",
            StageKind.LOST,
            25,
            "50000.00",
            lead="L2",
            manager="m2",
            previous="new",
            probability="0",
            lost_reason="price",
        ),
        stage_change(
            "D3",
            "proposal",
            StageKind.OPEN,
            10,
            "200000.00",
            lead=None,
            manager="m2",
            previous=None,
            probability="0.25",
            channel="exhibition",
        ),
        InvoiceIssuedV1(
            invoice_id="I1",
            number="СЧ-1",
            deal_id="D1",
            client_id="client-D1",
            manager_id="m1",
            issued_at=at(5),
            total=rub("100000.00"),
            installments=(
                InstallmentTerms(
                    installment_id="I1/1",
                    number=1,
                    due_date=date(2026, 3, 10),
                    amount=rub("60000.00"),
                ),
                InstallmentTerms(
                    installment_id="I1/2",
                    number=2,
                    due_date=date(2026, 4, 10),
                    amount=rub("40000.00"),
                ),
            ),
        ),
        PaymentReceivedV1(
            payment_id="P1",
            invoice_id="I1",
            amount=rub("60000.00"),
            paid_at=at(9),
            client_id="client-D1",
        ),
        ClaimStatusChangedV1(
            claim_id="C1",
            deal_id="D1",
            client_id="client-D1",
            manager_id="m1",
            category="quality",
            status=ClaimStatus.OPEN,
            changed_at=at(22),
        ),
    ]


def key_of(event: EventModel) -> str:
    for field in ("lead_id", "deal_id", "invoice_id", "activity_id", "task_id"):
        value = getattr(event, field, None)
        if value:
            return str(value)
    raise AssertionError("no key")


async def publish_all(
    kafka: KafkaSettings, events: Sequence[EventModel], *, prefix_id: str = ""
) -> Counter[str]:
    """Publish each event with a stable id (so a second publication is a redelivery)."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers, acks="all")
    await producer.start()
    sent: Counter[str] = Counter()
    try:
        for index, event in enumerate(events):
            payload, headers = encode(
                event, source="urn:test", event_id=f"{prefix_id}evt-{index}", time=at(1)
            )
            await producer.send_and_wait(
                kafka.topic_prefix + event.event_type,
                payload,
                key=key_of(event).encode(),
                headers=headers,
            )
            sent[event.event_type] += 1
    finally:
        await producer.stop()
    return sent


async def consumed(kafka: KafkaSettings, group: str) -> Counter[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(kafka.topic_prefix + group)
    finally:
        await admin.close()
    totals: Counter[str] = Counter()
    for tp, meta in offsets.items():
        totals[tp.topic.removeprefix(kafka.topic_prefix)] += meta.offset
    return totals


async def all_consumed(kafka: KafkaSettings, group: str, expected: Counter[str]) -> None:
    async def done() -> bool:
        got = await consumed(kafka, group)
        return all(got[topic] >= count for topic, count in expected.items())

    await wait_until(done, timeout=60, interval=0.2)


async def report(http: httpx.AsyncClient, name: str, **params: Any) -> Any:
    response = await http.get(f"/v1/reports/{name}", params=params)
    assert response.status_code == 200, response.text
    return response.json()
