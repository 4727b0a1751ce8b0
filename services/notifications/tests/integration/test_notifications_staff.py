"""Staff notifications: overdue payments, won deals, segment cadences and SLA escalations."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from notifications_testkit import (
    CLIENT,
    CLIENT_EMAIL,
    MANAGER,
    MANAGER_EMAIL,
    Publisher,
    ServiceFactory,
    delivery_id,
    payment_due,
    put_people,
    put_recipient,
    wait_for_status,
)

from notifications.domain.model import Channel
from shared.contracts.events.client_segment_changed import ClientSegmentChangedV1
from shared.contracts.events.deal_stage_changed import DealStageChangedV1, StageKind
from shared.contracts.events.lead_lifecycle import LeadSlaBreachedV1
from shared.contracts.events.lead_received import LeadChannel
from shared.contracts.events.money import Money
from shared.contracts.events.payment_due import ReminderKind
from shared.platform.clock import ManualClock
from shared.testing.servers import Mailbox

pytestmark = pytest.mark.integration

HEAD = "head-1"
HEAD_EMAIL = "head@voronka.example"


async def test_staff_hear_of_overdue_payments_won_deals_cadences_and_escalations(
    notifications_service: ServiceFactory,
    publisher: Publisher,
    mailbox: Mailbox,
    clock: ManualClock,
) -> None:
    overdue = payment_due(kind=ReminderKind.OVERDUE)
    won = DealStageChangedV1(
        deal_id="deal-7",
        pipeline_id="wholesale",
        from_stage="payment",
        to_stage="won",
        changed_at=clock.now(),
        changed_by="user-42",
        amount=Money(amount=Decimal("2000000.00"), currency="RUB"),
        client_id=CLIENT,
        manager_id=MANAGER,
        to_stage_kind=StageKind.WON,
    )
    warm = ClientSegmentChangedV1(
        client_id=CLIENT,
        from_segment="hot",
        to_segment="warm",
        last_purchase_on=date(2025, 11, 20),
        manager_id=MANAGER,
        changed_at=clock.now(),
    )
    breach = LeadSlaBreachedV1(
        lead_id="lead-77",
        manager_id=MANAGER,
        channel=LeadChannel.PHONE,
        deadline=clock.now() - timedelta(minutes=1),
        breached_at=clock.now(),
        breach_count=2,
        escalated=True,
        escalated_to=HEAD,
    )
    async with notifications_service(deal_threshold=Decimal("1000000")) as (service, http):
        await put_people(http)
        await put_recipient(http, HEAD, kind="head_of_sales", name="Пётр", email=HEAD_EMAIL)
        await publisher.publish(overdue, key=overdue.invoice_id)
        won_id = await publisher.publish(won, key=won.deal_id)
        warm_id = await publisher.publish(warm, key=warm.client_id)
        breach_id = await publisher.publish(breach, key=breach.lead_id)

        expected = [
            (overdue.reminder_id, MANAGER, "payment.due:overdue:manager"),
            (overdue.reminder_id, HEAD, "payment.due:overdue:head_of_sales"),
            (won_id, HEAD, "deal.stage_changed:won"),
            (warm_id, MANAGER, "client.segment_changed:warm"),
            (breach_id, MANAGER, "lead.sla_breached"),
            (breach_id, HEAD, "lead.sla_breached:escalated"),
        ]
        for source_id, recipient, kind in expected:
            sent = await wait_for_status(
                service, delivery_id(source_id, recipient, Channel.EMAIL), "sent"
            )
            assert sent["event_kind"] == kind
        subjects = {m["Subject"] for m in mailbox.to(HEAD_EMAIL)}
        assert "Сделка выиграна: deal-7" in subjects
        assert "Лид без первого контакта: lead-77" in subjects
        cadence = [m for m in mailbox.to(MANAGER_EMAIL) if "Тёплый клиент" in m["Subject"]]
        assert len(cadence) == 1
        assert "20 ноября 2025" in cadence[0].get_body(("html",)).get_content()  # type: ignore[union-attr]
        # The documents allow three reminders per installment: overdue goes to staff only.
        assert mailbox.to(CLIENT_EMAIL) == []
        assert len(mailbox.to(HEAD_EMAIL)) == 3
        assert len(mailbox.to(MANAGER_EMAIL)) == 3
