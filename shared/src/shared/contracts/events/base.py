"""Base classes of every wire model: frozen, tolerant of unknown fields, versioned."""

from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class ContractModel(BaseModel):
    """A value that travels on the wire: immutable, and a tolerant reader.

    ``extra="ignore"`` lets a producer add optional fields within a version (the only change
    allowed without a new version) while older consumers keep reading the fields they know.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")


class EventModel(ContractModel):
    """Payload of one version of one event type; the envelope is kept apart, in headers.

    Subclasses are named ``<Fact>V<n>`` and set ``event_type`` (equal to the topic name) and
    ``event_version``. Within a version only optional fields may be added; anything else is a
    new class with a higher version, registered next to the old one.
    """

    event_type: ClassVar[str]
    event_version: ClassVar[int]
