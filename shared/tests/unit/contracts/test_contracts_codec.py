"""Encoding events to Kafka payload + headers and decoding them back, enveloped or bare."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import ClassVar

import pytest

from shared.contracts import (
    REGISTRY,
    ActivityKind,
    ActivityLoggedV1,
    AuditRecordedV1,
    ClaimStatus,
    ClaimStatusChangedV1,
    ClientSegmentChangedV1,
    ContractError,
    ContractRenewalDueV1,
    ConvertedContact,
    DealActivityLoggedV1,
    DealReassignedV1,
    DealStageChangedV1,
    Envelope,
    EventModel,
    EventRegistry,
    InstallmentTerms,
    InvalidEventError,
    InvoiceIssuedV1,
    LeadActivityLoggedV1,
    LeadAssignedV1,
    LeadChannel,
    LeadContact,
    LeadContactedV1,
    LeadConvertedV1,
    LeadDisqualifiedV1,
    LeadQualifiedV1,
    LeadReassignedV1,
    LeadReceivedV1,
    LeadSlaBreachedV1,
    MalformedPayloadError,
    MeetingReminderDueV1,
    Money,
    NotificationFailedV1,
    NotificationSentV1,
    PaymentDueV1,
    PaymentReceivedV1,
    PersonChangedV1,
    ProductInterest,
    ProposalAcceptedV1,
    ProposalDeclinedV1,
    ProposalSentV1,
    ReassignReason,
    ReminderKind,
    ShipmentStatus,
    ShipmentStatusChangedV1,
    StageKind,
    TaskCompletedV1,
    TaskCreatedV1,
    TaskOverdueV1,
    TaskReassignedV1,
    Topic,
    TopicMismatchError,
    UnknownEventError,
    UtmTags,
    dead_letter_topic,
    decode,
    encode,
    payment_reminder_id,
)
from shared.contracts.events.activities import ActivitySubject
from shared.contracts.events.lead_lifecycle import ActivityDirection
from shared.contracts.events.proposals import Attachment
from shared.contracts.events.tasks import (
    OverdueLevel,
    TaskLinks,
    TaskPriority,
    TaskResolution,
)

pytestmark = pytest.mark.unit

WHEN = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)

SAMPLES: list[EventModel] = [
    LeadReceivedV1(
        source="website",
        external_id="form-2025-000123",
        channel=LeadChannel.WEB_FORM,
        received_at=WHEN,
        contact=LeadContact(
            name="Иван Петров",
            phone="+7 (912) 345-67-89",
            email="ivan.petrov@example.ru",
            company="ООО «Ромашка»",
            messenger_handle="@ivan_petrov",
        ),
        request_text="Нужны 20 станков ЧПУ до конца квартала",
        product="Станок ЧПУ X200",
        quantity=Decimal(20),
        budget=Money(amount=Decimal("3000000.00"), currency="RUB"),
        region="Екатеринбург",
        deadline=date(2025, 6, 30),
        utm=UtmTags(source="yandex", medium="cpc", campaign="spring_sale"),
        referred_by="client-5521",
    ),
    DealStageChangedV1(
        deal_id="deal-7f3a",
        pipeline_id="pipeline-wholesale",
        from_stage="proposal",
        to_stage="negotiation",
        changed_at=WHEN,
        changed_by="user-42",
        amount=Money(amount=Decimal("1250000.50"), currency="RUB"),
        client_id="client-5521",
        manager_id="user-42",
        stage_probability=Decimal("0.6"),
        to_stage_kind=StageKind.OPEN,
        lead_id="lead-1",
        channel="web_form",
        team="moscow",
    ),
    InvoiceIssuedV1(
        invoice_id="inv-1",
        number="СЧ-1",
        deal_id="deal-1",
        client_id="client-1",
        manager_id="mgr-1",
        issued_at=WHEN,
        total=Money(amount=Decimal("300.00"), currency="RUB"),
        installments=(
            InstallmentTerms(
                installment_id="inv-1/1",
                number=1,
                due_date=date(2025, 4, 1),
                amount=Money(amount=Decimal("100.00"), currency="RUB"),
            ),
            InstallmentTerms(
                installment_id="inv-1/2",
                number=2,
                due_date=date(2025, 5, 1),
                amount=Money(amount=Decimal("200.00"), currency="RUB"),
            ),
        ),
        client_time_zone="Asia/Yekaterinburg",
    ),
    PaymentReceivedV1(
        payment_id="pp-1",
        invoice_id="inv-1",
        amount=Money(amount=Decimal("100.00"), currency="RUB"),
        paid_at=WHEN,
        reference="п/п 1",
    ),
    ContractRenewalDueV1(
        reminder_id="c-1:2025-12-31:30",
        contract_id="c-1",
        number="Д-1",
        client_id="client-1",
        manager_id="mgr-1",
        renewal_date=date(2025, 12, 31),
        days_before=30,
    ),
    ShipmentStatusChangedV1(
        shipment_id="shp-1",
        deal_id="deal-1",
        manager_id="mgr-1",
        status=ShipmentStatus.SHIPPED,
        on=date(2025, 3, 20),
        changed_at=WHEN,
    ),
    ClaimStatusChangedV1(
        claim_id="clm-1",
        deal_id="deal-1",
        manager_id="mgr-1",
        category="quality",
        status=ClaimStatus.RESOLVED,
        resolution="Замена",
        changed_at=WHEN,
    ),
    AuditRecordedV1(
        entry_id="20260301T091500.000000Z-1a2b3c4d",
        service="deals",
        actor="head-orlova",
        actor_kind="person",
        action="POST /v1/deals/{deal_id}/discount/approve",
        request_id="req-1",
        kind="deals",
        record_id="deal-1",
        changes={"discount": {"before": None, "after": {"percent": "12", "approved_by": "h"}}},
        at=WHEN,
    ),
    DealReassignedV1(
        deal_id="deal-1",
        from_manager_id="mgr-ivanova",
        to_manager_id="mgr-petrov",
        reason="absence",
        team="moscow-sales",
        reassigned_at=WHEN,
    ),
    PersonChangedV1(
        person_id="mgr-ivanova",
        name="Анна Иванова",
        team="moscow-sales",
        role="manager",
        time_zone="Europe/Moscow",
        capacity=30,
        active=True,
        present=False,
        absent_until=date(2026, 12, 14),
        deputy_id="mgr-petrov",
        changed_at=WHEN,
    ),
    ClientSegmentChangedV1(
        client_id="client-1",
        from_segment="hot",
        to_segment="warm",
        last_purchase_on=date(2025, 1, 10),
        changed_at=WHEN,
    ),
    NotificationSentV1(
        delivery_id="dlv-1",
        source_event_id="evt-1",
        source_event_type="payment.due",
        event_kind="payment.due:day_before",
        recipient_id="client-1",
        recipient_kind="client",
        channel="email",
        attempts=1,
        sent_at=WHEN,
    ),
    NotificationFailedV1(
        delivery_id="dlv-2",
        source_event_id="evt-1",
        source_event_type="payment.due",
        event_kind="payment.due:day_before",
        recipient_id="client-1",
        recipient_kind="client",
        channel="sms",
        attempts=5,
        error="provider answered 503",
        failed_at=WHEN,
    ),
    PaymentDueV1(
        reminder_id=payment_reminder_id("inst-2025-0042-2", ReminderKind.DAY_BEFORE),
        invoice_id="inv-2025-0042",
        installment_id="inst-2025-0042-2",
        kind=ReminderKind.DAY_BEFORE,
        due_date=date(2025, 4, 15),
        amount=Money(amount=Decimal("250000.00"), currency="RUB"),
        client_id="client-5521",
        deal_id="deal-7f3a",
        manager_id="user-42",
        client_time_zone="Asia/Yekaterinburg",
    ),
    LeadAssignedV1(
        lead_id="lead-1",
        manager_id="mgr-1",
        team="moscow",
        reason="round_robin",
        channel=LeadChannel.PHONE,
        source="telephony",
        received_at=WHEN,
        assigned_at=WHEN,
        sla_deadline=datetime(2025, 3, 14, 10, 30, tzinfo=UTC),
        priority=35,
    ),
    LeadReassignedV1(
        lead_id="lead-1",
        from_manager_id="mgr-1",
        to_manager_id="mgr-2",
        team="moscow",
        reason=ReassignReason.SLA_BREACH,
        detail="round_robin",
        breach_count=1,
        reassigned_at=WHEN,
        sla_deadline=datetime(2025, 3, 14, 10, 30, tzinfo=UTC),
    ),
    LeadSlaBreachedV1(
        lead_id="lead-1",
        manager_id="mgr-1",
        team="moscow",
        channel=LeadChannel.WEB_FORM,
        deadline=WHEN,
        breached_at=WHEN,
        breach_count=2,
        escalated=True,
        escalated_to="mgr-head",
    ),
    LeadContactedV1(
        lead_id="lead-1",
        manager_id="mgr-2",
        activity_id="act-1",
        kind=ActivityKind.CALL,
        contacted_at=WHEN,
        received_at=WHEN,
        response_seconds=0,
        within_sla=True,
    ),
    LeadActivityLoggedV1(
        activity_id="call-1",
        contact_phone="+79123456789",
        manager_id="mgr-2",
        kind=ActivityKind.CALL,
        outcome="answered",
        duration_seconds=185,
        occurred_at=WHEN,
    ),
    LeadQualifiedV1(
        lead_id="lead-1", manager_id="mgr-2", channel=LeadChannel.PHONE, qualified_at=WHEN
    ),
    LeadConvertedV1(
        lead_id="lead-1",
        manager_id="mgr-2",
        team="moscow",
        channel=LeadChannel.PHONE,
        source="telephony",
        received_at=WHEN,
        converted_at=WHEN,
        contact=ConvertedContact(name="Иван Петров", phone="+79123456789", company="ООО «Ромашка»"),
        products=(
            ProductInterest(
                product="Станок ЧПУ X200",
                quantity=Decimal(20),
                unit_price=Money(amount=Decimal("150000.00"), currency="RUB"),
            ),
        ),
        amount_estimate=Money(amount=Decimal("3000000.00"), currency="RUB"),
        expected_close_on=date(2025, 4, 30),
    ),
    LeadDisqualifiedV1(
        lead_id="lead-1",
        manager_id="mgr-2",
        channel=LeadChannel.EMAIL,
        reason="no_budget",
        disqualified_at=WHEN,
    ),
    ActivityLoggedV1(
        activity_id="call-1",
        contact_phone="+79123456789",
        manager_id="mgr-1",
        kind=ActivityKind.OBJECTION,
        objection_category="price",
        recording_url="https://pbx.example.com/rec/1.mp3",
        summary="Дорого, просит скидку",
        occurred_at=WHEN,
    ),
    DealActivityLoggedV1(
        activity_id="call-1",
        subject=ActivitySubject.DEAL,
        deal_id="deal-1",
        client_id="client-1",
        manager_id="mgr-1",
        team="msk",
        kind=ActivityKind.CALL,
        direction=ActivityDirection.INBOUND,
        duration_seconds=185,
        occurred_at=WHEN,
    ),
    TaskCreatedV1(
        task_id="task-1",
        title="Позвонить: тёплый клиент",
        assignee_id="mgr-1",
        team="msk",
        due_at=WHEN,
        priority=TaskPriority.NORMAL,
        links=TaskLinks(client_id="client-1"),
        origin="rule:cadence_warm",
        created_at=WHEN,
    ),
    TaskCompletedV1(
        task_id="task-1",
        assignee_id="mgr-1",
        resolution=TaskResolution.DONE,
        origin="manual",
        links=TaskLinks(deal_id="deal-1"),
        was_overdue=True,
        completed_at=WHEN,
    ),
    TaskOverdueV1(
        task_id="task-1",
        title="Call back",
        assignee_id="mgr-1",
        due_at=WHEN,
        level=OverdueLevel.TEAM_LEAD,
        notify_person_id="tl-1",
        links=TaskLinks(lead_id="lead-1"),
        overdue_at=WHEN,
    ),
    TaskReassignedV1(
        task_id="task-1",
        from_assignee_id="mgr-1",
        to_assignee_id="mgr-2",
        reason="absence",
        reassigned_at=WHEN,
    ),
    MeetingReminderDueV1(
        meeting_id="meeting-1",
        reminder_id="meeting-1:2025-03-14T09:30:00+00:00",
        title="Демонстрация",
        organizer_id="mgr-1",
        staff_ids=["mgr-2"],
        starts_at=WHEN,
        link="https://meet.example.com/x",
        deal_id="deal-1",
    ),
    ProposalSentV1(
        proposal_id="proposal-1",
        number="КП-2025-0001",
        version=2,
        deal_id="deal-1",
        client_id="client-1",
        manager_id="mgr-1",
        total=Money(amount=Decimal("285000.00"), currency="RUB"),
        valid_until="2025-03-28",
        accept_url="https://crm.example.com/p/proposal-1/accept?v=2&sig=abc",
        decline_url="https://crm.example.com/p/proposal-1/decline?v=2&sig=abc",
        document=Attachment(
            filename="КП-2025-0001-v2.pdf", media_type="application/pdf", content_base64="JVBERi0="
        ),
        sent_at=WHEN,
    ),
    ProposalAcceptedV1(
        proposal_id="proposal-1",
        version=2,
        deal_id="deal-1",
        manager_id="mgr-1",
        total=Money(amount=Decimal("285000.00"), currency="RUB"),
        via="link",
        decided_at=WHEN,
    ),
    ProposalDeclinedV1(
        proposal_id="proposal-1",
        version=1,
        deal_id="deal-1",
        manager_id="mgr-1",
        via="manager",
        reason="Дорого",
        decided_at=WHEN,
    ),
]

PAYMENT_DUE = next(s for s in SAMPLES if isinstance(s, PaymentDueV1))


def test_every_registered_event_has_a_round_trip_sample() -> None:
    sampled = sorted((type(s).event_type, type(s).event_version) for s in SAMPLES)
    assert sampled == REGISTRY.versions()


@pytest.mark.parametrize("event", SAMPLES, ids=lambda e: type(e).__name__)
def test_encoded_event_decodes_to_an_equal_event_and_envelope(event: EventModel) -> None:
    payload, headers = encode(
        event,
        source="/voronka/test",
        subject="aggregate-1",
        correlation_id="flow-1",
        causation_id="evt-0",
        event_id="evt-1",
        time=WHEN,
    )

    decoded = decode(payload, headers, topic=event.event_type)

    assert decoded.event == event
    assert type(decoded.event) is type(event)
    assert not decoded.bare
    assert decoded.envelope == Envelope(
        id="evt-1",
        source="/voronka/test",
        type=event.event_type,
        time=WHEN,
        subject="aggregate-1",
        dataversion=event.event_version,
        correlationid="flow-1",
        causationid="evt-0",
    )


def test_encoded_payload_is_utf8_json_with_amounts_as_strings() -> None:
    payload, headers = encode(SAMPLES[0], source="/voronka/test")

    document = json.loads(payload.decode("utf-8"))
    assert document["budget"] == {"amount": "3000000.00", "currency": "RUB"}
    assert document["quantity"] == "20"
    assert document["contact"]["name"] == "Иван Петров"
    names = dict(headers)
    assert names["ce_type"] == b"lead.received"
    assert names["ce_correlationid"] == names["ce_id"]


def test_encoding_an_unregistered_model_is_refused() -> None:
    class StrayV1(EventModel):
        event_type: ClassVar[str] = "stray.happened"
        event_version: ClassVar[int] = 1

    with pytest.raises(UnknownEventError):
        encode(StrayV1(), source="/voronka/test")


def test_bare_payload_is_read_as_lowest_version() -> None:
    class LeadReceivedV2(EventModel):
        event_type: ClassVar[str] = "lead.received"
        event_version: ClassVar[int] = 2

    registry = EventRegistry([LeadReceivedV2, LeadReceivedV1])
    payload = b'{"source": "telephony", "channel": "phone"}'

    decoded = decode(payload, None, topic=Topic.LEAD_RECEIVED, registry=registry)

    assert isinstance(decoded.event, LeadReceivedV1)
    assert decoded.bare
    assert decoded.envelope.dataversion == 1
    assert decoded.envelope.type == "lead.received"
    assert decoded.envelope.source == "urn:voronka:bare:lead.received"
    assert decoded.envelope.correlationid == decoded.envelope.id


def test_external_publisher_golden_bare_payload_is_accepted() -> None:
    # What a website form posts without any SDK: numbers where it likes, Cyrillic, extras.
    payload = json.dumps(
        {
            "source": "website",
            "channel": "web_form",
            "received_at": "2025-03-14T12:30:00+03:00",
            "contact": {"name": "Мария", "phone": "8 912 000-00-00", "utm_extra": "x"},
            "request_text": "Сколько стоит?",
            "quantity": 2.5,
            "budget": {"amount": "150000", "currency": "RUB"},
            "deadline": "2025-06-30",
            "utm": {"source": "vk", "medium": "social"},
            "form_version": 7,
        },
        ensure_ascii=False,
    ).encode("utf-8")

    event = decode(payload, [("traceparent", b"00-abc")], topic="lead.received").event

    assert isinstance(event, LeadReceivedV1)
    assert event.received_at == WHEN
    assert event.quantity == Decimal("2.5")
    assert event.contact.phone == "8 912 000-00-00"
    assert event.utm == UtmTags(source="vk", medium="social")


def test_same_bare_bytes_get_the_same_event_id_and_different_bytes_do_not() -> None:
    payload = b'{"source": "telephony", "channel": "phone"}'
    first = decode(payload, None, topic="lead.received").envelope
    again = decode(payload, [], topic="lead.received").envelope
    other = decode(payload.replace(b"phone", b"email"), None, topic="lead.received").envelope

    assert first.id == again.id
    assert first.id != other.id


def test_bare_payload_replayed_from_the_dead_letter_topic_keeps_its_id() -> None:
    payload = b'{"source": "telephony", "channel": "phone"}'
    original = decode(payload, None, topic="lead.received")
    replayed = decode(payload, None, topic=dead_letter_topic("lead.received"))

    assert replayed.envelope.id == original.envelope.id
    assert replayed.event == original.event


def test_enveloped_event_is_read_from_its_dead_letter_topic() -> None:
    payload, headers = encode(SAMPLES[1], source="/voronka/deals")

    decoded = decode(payload, headers, topic="deal.stage_changed.dlq")

    assert decoded.event == SAMPLES[1]


def test_tolerant_reader_ignores_unknown_fields_at_every_level() -> None:
    payload, headers = encode(PAYMENT_DUE, source="/voronka/deals")
    document = json.loads(payload)
    document["added_in_a_later_release"] = {"nested": True}
    document["amount"]["rounding"] = "bankers"

    decoded = decode(json.dumps(document).encode(), headers, topic="payment.due")

    assert decoded.event == PAYMENT_DUE


def test_event_on_a_topic_of_another_type_is_refused() -> None:
    payload, headers = encode(SAMPLES[1], source="/voronka/deals")

    with pytest.raises(TopicMismatchError):
        decode(payload, headers, topic="payment.due")


def test_unknown_version_in_headers_is_refused() -> None:
    payload, headers = encode(SAMPLES[1], source="/voronka/deals")
    headers = [(n, b"9" if n == "ce_dataversion" else v) for n, v in headers]

    with pytest.raises(UnknownEventError, match="v9"):
        decode(payload, headers, topic="deal.stage_changed")


def test_bare_payload_on_a_topic_without_models_is_refused() -> None:
    with pytest.raises(UnknownEventError):
        decode(b"{}", None, topic="no.such_topic")


@pytest.mark.parametrize("payload", [b"", b"{not json", b'{"source": "x", "channel": "phone"'])
def test_malformed_json_raises_malformed_payload_error(payload: bytes) -> None:
    with pytest.raises(MalformedPayloadError, match="not valid JSON"):
        decode(payload, None, topic="lead.received")


def test_payload_that_is_not_an_object_raises_invalid_event_error() -> None:
    with pytest.raises(InvalidEventError):
        decode(b'["lead"]', None, topic="lead.received")


def test_validation_error_names_the_field_path_but_not_the_personal_value() -> None:
    payload = (
        b'{"source": "telephony", "channel": "phone",'
        b' "contact": {"name": "\xd0\x90\xd0\xbd\xd0\xbd\xd0\xb0 \xd0\xa1\xd0\xb5\xd0\xba\xd1\x80'
        b'\xd0\xb5\xd1\x82\xd0\xbe\xd0\xb2\xd0\xb0", "phone": [79123456789]},'
        b' "budget": {"amount": 99.99, "currency": "rub"}}'
    )

    with pytest.raises(InvalidEventError) as caught:
        decode(payload, None, topic="lead.received")

    message = str(caught.value)
    assert "contact.phone" in message
    assert "budget.amount" in message
    assert "budget.currency" in message
    for secret in ("79123456789", "99.99", "rub", "Секретова"):
        assert secret not in message
    assert caught.value.field_paths == ("contact.phone", "budget.amount", "budget.currency")
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None


def test_deal_stage_change_must_change_the_stage() -> None:
    with pytest.raises(ContractError, match="must differ"):
        decode(
            json.dumps(
                {
                    **SAMPLES[1].model_dump(mode="json"),
                    "from_stage": "proposal",
                    "to_stage": "proposal",
                }
            ).encode(),
            None,
            topic="deal.stage_changed",
        )


def test_payment_due_needs_a_positive_amount() -> None:
    document = PAYMENT_DUE.model_dump(mode="json")
    document["amount"]["amount"] = "0.00"

    with pytest.raises(InvalidEventError, match="amount"):
        decode(json.dumps(document).encode(), None, topic="payment.due")


def test_reminder_id_is_deterministic_per_installment_and_kind() -> None:
    assert payment_reminder_id("inst-1", ReminderKind.MID_TERM) == payment_reminder_id(
        "inst-1", ReminderKind.MID_TERM
    )
    assert payment_reminder_id("inst-1", ReminderKind.MID_TERM) != payment_reminder_id(
        "inst-1", ReminderKind.DAY_BEFORE
    )
