"""Structured logging for every service: one JSON line per event, with context, without PII."""

from __future__ import annotations

import dataclasses
import enum
import logging
import re
import sys
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any, Final, TextIO
from uuid import UUID

import structlog
from pydantic import BaseModel
from structlog.typing import EventDict, Processor, WrappedLogger

__all__ = [
    "PERSONAL_KEYS",
    "REDACTED",
    "configure_logging",
    "get_logger",
    "redact_personal_data",
    "redacted_field",
    "scrub_text",
]

PERSONAL_KEYS: Final[frozenset[str]] = frozenset(
    {
        "name",
        "first_name",
        "last_name",
        "middle_name",
        "patronymic",
        "full_name",
        "contact_name",
        "phone",
        "phones",
        "phone_number",
        "mobile",
        "email",
        "emails",
        "e_mail",
        "messenger",
        "messenger_handle",
        "telegram",
        "address",
        "birthday",
        "birth_date",
        "date_of_birth",
        "passport",
        "snils",
        "inn",
    }
)
"""Keys whose values are personal data (152-FZ) and are never logged.

Matched case-insensitively after camelCase and dashes are folded to snake_case, both exactly
and as a `_`-separated suffix: `client_phone`, `contactEmail` and `Manager-Name` all match, as
do the same followed by a qualifier (`passport_number`, `phone_raw`, `email_normalized`);
`phone_count` or `email_sent` do not, they describe rather than hold personal data.
The suffix rule deliberately catches every `*_name` key, so `topic_name` is redacted too:
log non-personal identifiers under other keys (`topic`, `template`). `inn` is listed although
a company's INN is public, because a sole trader's INN identifies a person.
"""

REDACTED: Final = "[redacted]"
"""What a personal key's value becomes in the log."""

_EMAIL_MARK: Final = "[email]"
_PHONE_MARK: Final = "[phone]"
_MAX_DEPTH: Final = 12

_EMAIL_RE: Final = re.compile(r"[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[^\W\d_]{2,}")

# Separators allowed inside a phone number: spaces, NBSP, dashes and parentheses, at most two
# in a row. Dots are excluded so decimals never look like phones.
_SEP: Final = r"[ \u00a0\-()]{0,2}"
_PHONE_RE: Final = re.compile(
    # `+` and 7..15 digits (E.164): `+7 (912) 345-67-89`, `+44 20 7946 0958`.
    rf"(?<![\w+])\+{_SEP}\d(?:{_SEP}\d){{6,14}}(?!\d)"
    # Russian trunk or country prefix without `+`: `8 912 345 67 89`, `89123456789`,
    # `7(912)3456789`. Exactly 11 digits, not glued to letters, digits or a dash, so
    # UUIDs, ISO dates and longer numbers stay intact; a bare 11-digit string starting with
    # 7 or 8 is taken for a phone, which is the trade-off for catching `89123456789`.
    rf"|(?<![\w+\-])[78](?:{_SEP}\d){{10}}(?![\w]|-\d)"
    # Ten-digit Russian mobile written with separators: `(912) 345-67-89`, `912 345 67 89`.
    # A bare `9123456789` is not matched: it is indistinguishable from an offset or an id.
    r"|(?<![\w+\-])\(?9\d\d\)?[ \u00a0\-]?\d{3}[ \u00a0\-]\d{2}[ \u00a0\-]\d{2}(?![\w]|-\d)"
)


def scrub_text(s: str) -> str:
    """Mask e-mail addresses and phone numbers inside free text.

    A second net behind key-based redaction: messages, exception texts and library log lines
    may quote a client's contact details that no key name announces.
    """
    return _PHONE_RE.sub(_PHONE_MARK, _EMAIL_RE.sub(_EMAIL_MARK, s))


_CAMEL_RE: Final = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_KEY_QUALIFIERS: Final = ("number", "no", "num", "raw", "normalized", "value", "text")
_PERSONAL_KEY_RE: Final = re.compile(
    r"(?:^|_)(?:"
    + "|".join(sorted(PERSONAL_KEYS, key=len, reverse=True))
    + r")(?:_(?:"
    + "|".join(_KEY_QUALIFIERS)
    + r"))?$"
)


@lru_cache(maxsize=4096)
def _is_personal_key(key: str) -> bool:
    normalized = _CAMEL_RE.sub("_", key).replace("-", "_").lower()
    return _PERSONAL_KEY_RE.search(normalized) is not None


# Values rendered as they are: they carry no free text, and the JSON renderer formats them.
_PLAIN_TYPES: Final = (bool, int, float, UUID, datetime, date, time, timedelta, Decimal)


def _scrub_value(value: Any, depth: int) -> Any:
    if value is None or isinstance(value, _PLAIN_TYPES):
        return value
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, enum.Enum):
        return _scrub_value(value.value, depth)
    if depth >= _MAX_DEPTH:
        return "[truncated]"
    if isinstance(value, Mapping):
        return {k: _redact_item(str(k), v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_scrub_value(v, depth + 1) for v in value]
    if isinstance(value, BaseModel):
        return _scrub_value(value.model_dump(mode="json"), depth)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _scrub_value(dataclasses.asdict(value), depth)
    if isinstance(value, bytes | bytearray | memoryview):
        # Raw payloads (a Kafka message body) are where contact details live; never dump them.
        return f"[{len(value)} bytes]"
    if isinstance(value, BaseException):
        return f"{type(value).__name__}: {scrub_text(str(value))}"
    return scrub_text(str(value))


def _redact_item(key: str, value: Any, depth: int) -> Any:
    # None stays None: "the phone was missing" is useful and reveals nothing.
    if value is not None and _is_personal_key(key):
        return REDACTED
    return _scrub_value(value, depth)


def redacted_field(key: str, value: Any) -> Any:
    """A field's value as it may be shown: `[redacted]` under a personal key, else scrubbed."""
    return _redact_item(key, value, 0)


def redact_personal_data(
    logger: WrappedLogger, method_name: str, event_dict: EventDict
) -> EventDict:
    """Remove personal data from an event right before it is rendered.

    Values under personal keys (see `PERSONAL_KEYS`), at any depth, become `[redacted]`; every
    other string, including the message and the formatted exception, goes through
    `scrub_text`. Objects are flattened first (pydantic models, dataclasses) so their personal
    fields are caught by name rather than leaking through `repr()`.
    """
    return {key: _redact_item(key, value, 0) for key, value in event_dict.items()}


class _AddService:
    """Stamp the service name on every line, structlog's and the libraries' alike."""

    def __init__(self, service: str) -> None:
        self._service = service

    def __call__(self, logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
        event_dict.setdefault("service", self._service)
        return event_dict


class _VoronkaHandler(logging.StreamHandler[TextIO]):
    """The one root handler `configure_logging` owns; found again by type to stay idempotent."""


def _json_default(obj: Any) -> Any:
    if isinstance(obj, datetime | date | time):
        return obj.isoformat()
    if isinstance(obj, UUID | Decimal):
        return str(obj)
    if isinstance(obj, timedelta):
        return obj.total_seconds()
    return repr(obj)


# Libraries that install their own handlers (FastStream at import, uvicorn's default
# log_config) and would bypass the JSON renderer; they are made to propagate to root instead.
# FastStream's per-broker `faststream.access.*` logger is created later, when a broker starts:
# give the broker `logger=logging.getLogger("faststream.access.kafka")` so it propagates too,
# and run uvicorn with `log_config=None`.
_CHATTY_LOGGERS: Final = ("pymorphy3",)
"""Libraries whose INFO lines say nothing an operator needs (pymorphy3 names its dictionary
files at start, and a service that fails its configuration must say one line only)."""

_LIBRARY_LOGGERS: Final = (
    "aiokafka",
    "faststream",
    "faststream.access",
    "faststream.access.kafka",
    "uvicorn",
    "uvicorn.error",
    "uvicorn.access",
)

_STRUCTLOG_PROCESSORS: Final[list[Processor]] = [
    structlog.stdlib.filter_by_level,
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.stdlib.PositionalArgumentsFormatter(),
    structlog.processors.StackInfoRenderer(),
    # Formats the exception while still inside the `except` block that logged it.
    structlog.processors.format_exc_info,
    structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
]

# Runs on stdlib records only (aiokafka, uvicorn, FastStream), at the moment they are logged,
# so the per-message contextvars of the task that logged them are merged in too.
_FOREIGN_PRE_CHAIN: Final[list[Processor]] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def configure_logging(service: str, *, level: str = "INFO", json: bool | None = None) -> None:
    """Send structlog and stdlib logging to stdout through one renderer.

    JSON lines when stdout is not a terminal (or `json=True`), a readable console format
    otherwise. Replaces the root handler installed by an earlier call rather than adding a
    second one, and makes the known library loggers propagate to root. Personal data is
    redacted on every line, whichever logger produced it.
    """
    levels = logging.getLevelNamesMapping()
    level_no = levels.get(level.upper())
    if level_no is None:
        raise ValueError(
            f"unknown log level {level!r}; expected one of DEBUG, INFO, WARNING, ERROR"
        )
    stream = sys.stdout
    use_json = not stream.isatty() if json is None else json
    renderer: Processor
    if use_json:
        renderer = structlog.processors.JSONRenderer(default=_json_default, ensure_ascii=False)
    else:
        renderer = structlog.dev.ConsoleRenderer(
            colors=stream.isatty(),
            # Exceptions arrive already formatted and scrubbed; rich tracebacks would print
            # the frames' local variables, which is where personal data sits.
            exception_formatter=structlog.dev.plain_traceback,
        )

    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_FOREIGN_PRE_CHAIN,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            _AddService(service),
            structlog.processors.format_exc_info,
            redact_personal_data,
            renderer,
        ],
    )
    handler = _VoronkaHandler(stream)
    handler.setFormatter(formatter)

    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _VoronkaHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level_no)
    for name in _LIBRARY_LOGGERS:
        library_logger = logging.getLogger(name)
        library_logger.handlers.clear()
        library_logger.propagate = True
    for name in _CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(max(level_no, logging.WARNING))

    # The structlog chain does not depend on the arguments (the renderer lives in the
    # handler), so caching bound loggers stays correct across repeated calls.
    structlog.configure(
        processors=_STRUCTLOG_PROCESSORS,
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        context_class=dict,
        cache_logger_on_first_use=True,
    )


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    """Return a logger that renders through `configure_logging`'s pipeline once it has run."""
    if name is None:
        return structlog.stdlib.get_logger()
    return structlog.stdlib.get_logger(name)
