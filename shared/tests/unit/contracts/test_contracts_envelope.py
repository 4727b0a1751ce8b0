"""The CloudEvents envelope and its Kafka binary-mode headers."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from shared.contracts import ContractError, Envelope, InvalidEnvelopeError

pytestmark = pytest.mark.unit

WHEN = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


def make_envelope(**overrides: object) -> Envelope:
    fields: dict[str, object] = {
        "id": "evt-1",
        "source": "/voronka/leads",
        "type": "lead.received",
        "time": WHEN,
        "dataversion": 1,
    }
    fields.update(overrides)
    return Envelope.model_validate(fields)


def test_headers_round_trip_keeps_every_attribute_including_a_cyrillic_subject() -> None:
    envelope = make_envelope(
        subject="сделка-Ромашка-42", correlationid="flow-7", causationid="evt-0", dataversion=2
    )

    assert Envelope.from_headers(envelope.to_headers()) == envelope


def test_headers_are_binary_mode_names_in_order_with_utf8_values() -> None:
    headers = make_envelope(subject="Ёлка").to_headers()

    assert [name for name, _ in headers] == [
        "ce_id",
        "ce_source",
        "ce_type",
        "ce_specversion",
        "ce_time",
        "ce_subject",
        "content-type",
        "ce_dataversion",
        "ce_correlationid",
    ]
    values = dict(headers)
    assert values["ce_subject"] == "Ёлка".encode()
    assert values["ce_time"] == b"2025-03-14T09:30:00Z"
    assert values["content-type"] == b"application/json"
    assert values["ce_dataversion"] == b"1"


def test_unset_subject_and_causation_are_not_written_as_headers() -> None:
    names = {name for name, _ in make_envelope().to_headers()}

    assert "ce_subject" not in names
    assert "ce_causationid" not in names


def test_correlation_id_defaults_to_the_event_id() -> None:
    assert make_envelope().correlationid == "evt-1"
    generated = Envelope(source="/voronka/deals", type="deal.stage_changed")
    assert generated.correlationid == generated.id
    assert generated.time.tzinfo is not None


def test_naive_time_is_rejected() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        make_envelope(time=datetime(2025, 3, 14, 9, 30))  # noqa: DTZ001


def test_aware_time_is_normalised_to_utc() -> None:
    moscow = timezone(timedelta(hours=3))
    envelope = make_envelope(time=datetime(2025, 3, 14, 12, 30, tzinfo=moscow))

    assert envelope.time == WHEN
    assert envelope.time.utcoffset() == timedelta(0)


def test_envelope_is_frozen() -> None:
    with pytest.raises(ValidationError):
        make_envelope().id = "other"  # type: ignore[misc]


def test_headers_without_ce_type_or_ce_id_mean_a_bare_payload() -> None:
    assert Envelope.from_headers([]) is None
    assert Envelope.from_headers({"traceparent": b"00-abc", "ce_correlationid": b"x"}) is None


def test_headers_are_read_from_a_mapping_of_strings_too() -> None:
    envelope = Envelope.from_headers(
        {
            "ce_id": "evt-9",
            "ce_source": "crm-bitrix",
            "ce_type": "lead.received",
            "ce_specversion": "1.0",
            "ce_time": "2025-03-14T12:30:00+03:00",
            "content-type": "application/json; charset=utf-8",
            "ce_traceparent": "00-unknown-extension-is-ignored",
        }
    )

    assert envelope is not None
    assert envelope.time == WHEN
    assert envelope.dataversion == 1
    assert envelope.correlationid == "evt-9"


def test_incomplete_cloudevents_headers_name_what_is_missing() -> None:
    with pytest.raises(InvalidEnvelopeError, match="ce_source, ce_specversion"):
        Envelope.from_headers([("ce_id", b"evt-1"), ("ce_type", b"lead.received")])


def test_invalid_header_is_named_without_its_value() -> None:
    headers = dict(make_envelope().to_headers())
    headers["ce_dataversion"] = b"zero-point-secret"
    headers["ce_time"] = b"2025-03-14T09:30:00"

    with pytest.raises(ContractError) as caught:
        Envelope.from_headers(headers)

    message = str(caught.value)
    assert "ce_dataversion" in message
    assert "ce_time" in message
    assert "zero-point-secret" not in message
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None


def test_conflicting_duplicate_headers_are_refused() -> None:
    headers = [*make_envelope().to_headers(), ("ce_id", b"evt-2")]

    with pytest.raises(InvalidEnvelopeError, match="ce_id appears twice"):
        Envelope.from_headers(headers)


def test_header_that_is_not_utf8_is_refused() -> None:
    headers = [*make_envelope().to_headers()[1:], ("ce_id", b"\xff\xfe")]

    with pytest.raises(InvalidEnvelopeError, match="ce_id is not valid UTF-8"):
        Envelope.from_headers(headers)


def test_other_spec_versions_and_content_types_are_refused() -> None:
    headers = dict(make_envelope().to_headers())
    with pytest.raises(InvalidEnvelopeError, match="ce_specversion"):
        Envelope.from_headers({**headers, "ce_specversion": b"0.3"})
    with pytest.raises(InvalidEnvelopeError, match="content-type"):
        Envelope.from_headers({**headers, "content-type": b"application/avro"})
