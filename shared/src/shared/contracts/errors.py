"""Errors raised when a message on the wire does not match its contract, and their PII-free text."""

from collections.abc import Mapping

from pydantic import ValidationError

# Error types whose pydantic message quotes part of the input (a discriminator tag): for these
# only the type name is reported, so no caller-supplied value can reach a log or a DLQ header.
_TYPES_WHOSE_MESSAGE_QUOTES_INPUT = frozenset({"union_tag_invalid"})


class ContractError(ValueError):
    """A message breaks the wire contract; its text names fields, never their values.

    Raised outside the ``except`` block that caught the pydantic error, so that error (whose
    text includes the input, i.e. personal data) is not chained into tracebacks and logs.
    """


class InvalidEnvelopeError(ContractError):
    """CloudEvents headers are present but incomplete or invalid."""


class MalformedPayloadError(ContractError):
    """The payload is not a JSON document."""


class InvalidEventError(ContractError):
    """The payload is JSON but does not have the shape its event version requires."""

    def __init__(self, message: str, field_paths: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.field_paths = field_paths


class UnknownEventError(ContractError):
    """No model is registered for an event type and version."""


class TopicMismatchError(ContractError):
    """An event arrived on a topic that does not carry its type (one topic, one event type)."""


class DuplicateEventError(ContractError):
    """A second model was registered for an already registered (type, version) pair."""


def _path(loc: tuple[int | str, ...], field_names: Mapping[str, str]) -> str:
    if not loc:
        return "<root>"
    parts: list[str] = []
    for index, item in enumerate(loc):
        if isinstance(item, int):
            parts.append(f"[{item}]")
            continue
        name = field_names.get(item, item) if index == 0 else item
        parts.append(name if not parts else f".{name}")
    return "".join(parts)


def error_paths(
    err: ValidationError, *, field_names: Mapping[str, str] | None = None
) -> tuple[str, ...]:
    """Return the dotted field paths (``contact.phone``, ``items[0].price``) that failed."""
    names = field_names or {}
    return tuple(_path(tuple(e["loc"]), names) for e in err.errors(include_input=False))


def describe_validation_error(
    err: ValidationError, *, field_names: Mapping[str, str] | None = None
) -> str:
    """Describe a pydantic error by field path, message and error type, never by input value.

    ``str(err)`` must not be used for anything that leaves the process: pydantic appends the
    offending input (a phone number, a name) to it. ``field_names`` renames top-level fields,
    e.g. to report CloudEvents header names instead of envelope attribute names.
    """
    names = field_names or {}
    described: list[str] = []
    for e in err.errors(include_input=False, include_url=False, include_context=False):
        kind = e["type"]
        path = _path(tuple(e["loc"]), names)
        if kind in _TYPES_WHOSE_MESSAGE_QUOTES_INPUT:
            described.append(f"{path}: [{kind}]")
        else:
            described.append(f"{path}: {e['msg']} [{kind}]")
    return "; ".join(described)
