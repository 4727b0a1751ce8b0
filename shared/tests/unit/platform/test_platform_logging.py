"""Every log line is JSON with its message context, and personal data never reaches it."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest
import structlog
from pydantic import BaseModel

from shared.platform.logging import (
    PERSONAL_KEYS,
    REDACTED,
    configure_logging,
    get_logger,
    redact_personal_data,
    scrub_text,
)

pytestmark = pytest.mark.unit

LIBRARY_LOGGERS = ("aiokafka", "faststream", "uvicorn", "uvicorn.access")


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    libraries = {
        name: (list(lg.handlers), lg.propagate, lg.level)
        for name in LIBRARY_LOGGERS
        for lg in [logging.getLogger(name)]
    }
    for name in LIBRARY_LOGGERS:  # a test server elsewhere may have quieted one (uvicorn does)
        logging.getLogger(name).setLevel(logging.NOTSET)
    yield
    structlog.contextvars.clear_contextvars()
    structlog.reset_defaults()
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, (lib_handlers, propagate, lib_level) in libraries.items():
        lg = logging.getLogger(name)
        lg.handlers[:] = lib_handlers
        lg.propagate = propagate
        lg.setLevel(lib_level)


def json_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]


def redact(**event: Any) -> dict[str, Any]:
    return dict(redact_personal_data(None, "info", event))


def test_json_line_carries_bound_context_service_level_and_utc_timestamp(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("leads", json=True)
    structlog.contextvars.bind_contextvars(
        event_id="0b7e", correlation_id="c-1", topic="lead.received", partition=3, offset=12500
    )

    get_logger("leads.intake").info("lead accepted", lead_id="L-42")

    [line] = json_lines(capsys)
    assert line["event"] == "lead accepted"
    assert line["level"] == "info"
    assert line["service"] == "leads"
    assert line["logger"] == "leads.intake"
    assert line["lead_id"] == "L-42"
    assert (line["event_id"], line["correlation_id"]) == ("0b7e", "c-1")
    assert (line["topic"], line["partition"], line["offset"]) == ("lead.received", 3, 12500)
    assert line["timestamp"].endswith("Z")


def test_library_records_are_rendered_as_json_with_the_same_context(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("deals", json=True)
    structlog.contextvars.bind_contextvars(correlation_id="c-9")

    logging.getLogger("aiokafka.consumer").warning("rebalance for %s", "deals-group")

    [line] = json_lines(capsys)
    assert line["event"] == "rebalance for deals-group"
    assert line["level"] == "warning"
    assert line["logger"] == "aiokafka.consumer"
    assert line["service"] == "deals"
    assert line["correlation_id"] == "c-9"


def test_library_loggers_with_their_own_handlers_are_made_to_propagate(
    capsys: pytest.CaptureFixture[str],
) -> None:
    uvicorn_access = logging.getLogger("uvicorn.access")
    uvicorn_access.addHandler(logging.StreamHandler())
    uvicorn_access.propagate = False

    configure_logging("leads", json=True)
    uvicorn_access.info("GET /leads?email=ivan@example.com 200")

    [line] = json_lines(capsys)
    assert uvicorn_access.handlers == []
    assert line["event"] == "GET /leads?email=[email] 200"


def test_configuring_twice_leaves_a_single_handler(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("leads", json=False)
    configure_logging("leads", json=True)

    get_logger().info("once")

    assert len(json_lines(capsys)) == 1


def test_level_filters_debug_lines(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("leads", level="warning", json=True)

    get_logger().info("hidden")
    get_logger().warning("shown")

    assert [line["event"] for line in json_lines(capsys)] == ["shown"]


def test_an_unknown_level_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown log level"):
        configure_logging("leads", level="LOUD")


def test_console_output_is_redacted_too(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("leads", json=False)

    get_logger().info("call back on 8 912 345 67 89", client_name="Иван Петров")

    out = capsys.readouterr().out
    assert "[phone]" in out
    assert REDACTED in out
    assert "Иван" not in out
    # Not a bare "912": the console line starts with a timestamp whose digits may hold it.
    assert "912 345" not in out
    assert "67 89" not in out


def test_personal_keys_are_redacted_at_any_depth() -> None:
    event = redact(
        event="lead received",
        name="Иван",
        client_phone="+79123456789",
        contactEmail="ivan@example.com",
        EMAIL="IVAN@EXAMPLE.COM",
        lead={
            "id": "L-1",
            "contact": {"full_name": "Иван Петров", "phones": ["+7 912 345-67-89"]},
            "messenger_handle": "@ivan",
            "address": {"city": "Пермь"},
        },
        contacts=[{"first_name": "Анна", "birthday": "1990-01-01"}],
        passport_number="1234 567890",
    )

    assert event == {
        "event": "lead received",
        "name": REDACTED,
        "client_phone": REDACTED,
        "contactEmail": REDACTED,
        "EMAIL": REDACTED,
        "lead": {
            "id": "L-1",
            "contact": {"full_name": REDACTED, "phones": REDACTED},
            "messenger_handle": REDACTED,
            "address": REDACTED,
        },
        "contacts": [{"first_name": REDACTED, "birthday": REDACTED}],
        "passport_number": REDACTED,
    }


def test_personal_keys_cover_the_documented_contact_fields() -> None:
    assert {"name", "phone", "email", "messenger_handle", "address", "birthday"} <= PERSONAL_KEYS


def test_keys_that_merely_contain_a_personal_word_are_kept() -> None:
    event = redact(hostname="leads-0", phone_count=2, email_sent=True, emailed=True)

    assert event == {"hostname": "leads-0", "phone_count": 2, "email_sent": True, "emailed": True}


def test_a_missing_personal_value_stays_visible_as_none() -> None:
    assert redact(phone=None) == {"phone": None}


def test_pydantic_models_and_dataclasses_are_redacted_by_field_name() -> None:
    class Contact(BaseModel):
        name: str
        phone: str
        source: str

    @dataclass
    class Lead:
        id: str
        email: str

    event = redact(
        contact=Contact(name="Иван", phone="89123456789", source="site"),
        lead=Lead(id="L-1", email="a@b.ru"),
    )

    assert event["contact"] == {"name": REDACTED, "phone": REDACTED, "source": "site"}
    assert event["lead"] == {"id": "L-1", "email": REDACTED}


def test_raw_payload_bytes_are_never_dumped() -> None:
    assert redact(payload=b'{"phone": "+79123456789"}') == {"payload": "[25 bytes]"}


@pytest.mark.parametrize(
    "phone",
    [
        "+7 (912) 345-67-89",
        "+7 912 345 67 89",
        "+7-912-345-67-89",
        "+79123456789",
        "8 (912) 345-67-89",
        "8(912)345-67-89",
        "8 912 345 67 89",
        "8-912-345-67-89",
        "89123456789",
        "7 912 345 67 89",
        "8 800 555-35-35",
        "(912) 345-67-89",
        "912 345-67-89",
        "+44 20 7946 0958",
        "+1 (555) 123-4567",
    ],
)
def test_phone_in_free_text_is_redacted(phone: str) -> None:
    event = redact(event=f"клиент просил перезвонить на {phone}, после обеда")

    assert event["event"] == "клиент просил перезвонить на [phone], после обеда"


@pytest.mark.parametrize(
    "email",
    ["ivan.petrov@example.com", "IVAN+crm@mail.ru", "i_petrov@sub.domain.co.uk", "иван@почта.рф"],
)
def test_email_in_free_text_is_redacted(email: str) -> None:
    assert redact(note=f"write to <{email}> today") == {"note": "write to <[email]> today"}


@pytest.mark.parametrize(
    "text",
    [
        "amount 12500",
        "amount 12 500,00 RUB",
        "amount 1 250 000 RUB",
        "partition 7 offset 88",
        "offset=123456789",
        "offset 9123456789",
        "2024-02-29",
        "2024-02-29T23:59:59.123456Z",
        "2024-03-01T02:59:59+03:00",
        "123e4567-e89b-12d3-a456-426614174000",
        "81234567-8901-2345-6789-012345678901",
        "epoch ms 1714567890123",
        "kafka-0:9092 and 10.0.0.8:9093",
        "retry 3 of 5 in 2.5 s",
    ],
)
def test_numbers_dates_and_ids_are_not_taken_for_phones(text: str) -> None:
    assert scrub_text(text) == text


def test_non_string_values_keep_their_type() -> None:
    event_id = UUID("123e4567-e89b-12d3-a456-426614174000")

    event = redact(offset=89123456789, amount=12500.5, ok=True, event_id=event_id)

    assert event == {"offset": 89123456789, "amount": 12500.5, "ok": True, "event_id": event_id}


def test_exception_text_is_scrubbed(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("notifications", json=True)
    log = get_logger("notifications.sender")

    try:
        raise RuntimeError("provider refused +7 (912) 345-67-89 / ivan@example.com")
    except RuntimeError:
        log.exception("delivery failed")

    [line] = json_lines(capsys)
    assert "RuntimeError: provider refused [phone] / [email]" in line["exception"]
    # The phone's own fragments: "912" alone may sit in the timestamp's microseconds.
    assert "(912)" not in json.dumps(line) and "345-67-89" not in json.dumps(line)
    assert "ivan@" not in json.dumps(line)


def test_library_exception_text_is_scrubbed(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("deals", json=True)

    try:
        raise ValueError("bad contact 89123456789")
    except ValueError:
        logging.getLogger("faststream").exception("handler crashed")

    [line] = json_lines(capsys)
    assert "ValueError: bad contact [phone]" in line["exception"]
    assert "89123456789" not in json.dumps(line)


def test_an_exception_passed_as_a_value_is_scrubbed() -> None:
    event = redact(error=ValueError("no such client ivan@example.com"))

    assert event == {"error": "ValueError: no such client [email]"}
