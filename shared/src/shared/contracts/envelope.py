"""The CloudEvents 1.0 envelope and its Kafka binary-mode headers."""

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Literal
from uuid import uuid4

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from shared.contracts.errors import InvalidEnvelopeError, describe_validation_error
from shared.contracts.values import EntityId, UtcDatetime

HeaderValue = str | bytes
Headers = Mapping[str, HeaderValue] | Iterable[tuple[str, HeaderValue]]
"""Kafka headers as a mapping or as the (name, value) pairs a Kafka client hands over."""

CONTENT_TYPE_HEADER = "content-type"
JSON_CONTENT_TYPE: Literal["application/json"] = "application/json"

# Envelope attribute -> Kafka header, in the order headers are written.
_FIELD_TO_HEADER: dict[str, str] = {
    "id": "ce_id",
    "source": "ce_source",
    "type": "ce_type",
    "specversion": "ce_specversion",
    "time": "ce_time",
    "subject": "ce_subject",
    "datacontenttype": CONTENT_TYPE_HEADER,
    "dataversion": "ce_dataversion",
    "correlationid": "ce_correlationid",
    "causationid": "ce_causationid",
}
_HEADER_TO_FIELD = {header: name for name, header in _FIELD_TO_HEADER.items()}
_REQUIRED_HEADERS = ("ce_id", "ce_source", "ce_type", "ce_specversion")
_OPTIONAL_FIELDS = frozenset({"subject", "causationid", "correlationid"})


def _new_id() -> str:
    return str(uuid4())


def _now() -> datetime:
    return datetime.now(UTC)


def _rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class Envelope(BaseModel):
    """CloudEvents 1.0 context attributes plus Voronka's extensions, carried in Kafka headers.

    The payload itself never repeats these: consumers deduplicate by ``id``, follow a
    business flow by ``correlationid`` and pick the payload model by (``type``,
    ``dataversion``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: EntityId = Field(
        default_factory=_new_id,
        description="Unique event id; consumers deduplicate redeliveries by it.",
        examples=["9b2f5c1e-4d7a-4f2b-9c1e-2a5b7d3e8f10"],
    )
    source: str = Field(
        min_length=1,
        max_length=256,
        description="URI-reference of the producing service or system.",
        examples=["/voronka/leads", "urn:voronka:bare:lead.received"],
    )
    type: str = Field(
        min_length=1,
        max_length=128,
        description="Event type; equals the name of the topic that carries it.",
        examples=["lead.received"],
    )
    specversion: Literal["1.0"] = Field(
        default="1.0",
        description="CloudEvents specification version.",
        examples=["1.0"],
    )
    time: UtcDatetime = Field(
        default_factory=_now,
        description="When the fact happened, as an aware timestamp normalised to UTC.",
        examples=["2025-03-14T09:30:00Z"],
    )
    subject: str | None = Field(
        default=None,
        min_length=1,
        max_length=256,
        description="Id of the aggregate the event is about (also the Kafka key).",
        examples=["deal-7f3a", "lead-01HZX3"],
    )
    datacontenttype: Literal["application/json"] = Field(
        default=JSON_CONTENT_TYPE,
        description="Media type of the payload; Voronka speaks JSON only.",
        examples=[JSON_CONTENT_TYPE],
    )
    dataversion: int = Field(
        default=1,
        ge=1,
        description="Version of the payload model for this type; absent means 1.",
        examples=[1],
    )
    correlationid: EntityId = Field(
        # The validator below sets it to ``id`` when absent (a flow starts at its first event);
        # the factory only makes the argument optional and is never what ends up here.
        default_factory=_new_id,
        description="Id shared by every event of one business flow; defaults to the event id.",
        examples=["9b2f5c1e-4d7a-4f2b-9c1e-2a5b7d3e8f10"],
    )
    causationid: EntityId | None = Field(
        default=None,
        description="Id of the event that directly caused this one, if any.",
        examples=["0c8e6a4b-1f2d-4e3c-8b7a-6d5c4b3a2f19"],
    )

    @model_validator(mode="before")
    @classmethod
    def _correlate_with_own_id_by_default(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        filled = dict(data)
        if filled.get("id") is None:
            filled["id"] = _new_id()
        if filled.get("correlationid") is None:
            filled["correlationid"] = filled["id"]
        return filled

    def to_headers(self) -> list[tuple[str, bytes]]:
        """Render the envelope as CloudEvents Kafka binary-mode headers (UTF-8 values)."""
        values: dict[str, str | None] = {
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "specversion": self.specversion,
            "time": _rfc3339(self.time),
            "subject": self.subject,
            "datacontenttype": self.datacontenttype,
            "dataversion": str(self.dataversion),
            "correlationid": self.correlationid,
            "causationid": self.causationid,
        }
        return [
            (_FIELD_TO_HEADER[name], value.encode("utf-8"))
            for name, value in values.items()
            if value is not None
        ]

    @classmethod
    def from_headers(cls, headers: Headers) -> "Envelope | None":
        """Read an envelope from Kafka headers; ``None`` when there is none (a bare payload).

        A message counts as a CloudEvent when it has a ``ce_id`` or a ``ce_type`` header;
        then every required attribute must be present and valid, otherwise
        ``InvalidEnvelopeError`` names the offending headers (never their values). Unknown
        ``ce_*`` headers (extensions of other producers) are ignored; a missing ``ce_time``
        becomes the time of reading.
        """
        found = _collect(headers)
        if "ce_id" not in found and "ce_type" not in found:
            return None
        missing = [name for name in _REQUIRED_HEADERS if name not in found]
        if missing:
            raise InvalidEnvelopeError(f"missing CloudEvents headers: {', '.join(missing)}")
        data: dict[str, str] = {}
        for header, value in found.items():
            name = _HEADER_TO_FIELD[header]
            if name in _OPTIONAL_FIELDS and value == "":
                continue
            if name == "datacontenttype":
                value = _media_type(value)
            data[name] = value
        try:
            return cls.model_validate(data)
        except ValidationError as err:
            detail = describe_validation_error(err, field_names=_FIELD_TO_HEADER)
        # Raised outside the handler: the ValidationError quotes header values.
        raise InvalidEnvelopeError(f"invalid CloudEvents headers: {detail}")


def _pairs(headers: Headers) -> Iterable[tuple[str, HeaderValue]]:
    if isinstance(headers, Mapping):
        return headers.items()
    return headers


def _collect(headers: Headers) -> dict[str, str]:
    """Pick the headers the envelope knows, decoded; conflicting duplicates are refused.

    Kafka allows a header name twice; taking either copy silently would let a producer
    smuggle a second identity past whoever read the other one.
    """
    found: dict[str, str] = {}
    for raw_name, raw_value in _pairs(headers):
        name = raw_name.lower()
        if name not in _HEADER_TO_FIELD or raw_value is None:
            continue
        value = _text(raw_value)
        if value is None:
            raise InvalidEnvelopeError(f"header {name} is not valid UTF-8")
        if name in found and found[name] != value:
            raise InvalidEnvelopeError(f"header {name} appears twice with different values")
        found[name] = value
    return found


def _text(raw: HeaderValue) -> str | None:
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _media_type(content_type: str) -> str:
    # "application/json; charset=utf-8" is the same media type; parameters are dropped.
    return content_type.split(";", 1)[0].strip().lower()
