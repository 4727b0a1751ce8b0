"""Records the query shapes a MongoDB client sends, through PyMongo's command monitoring."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pymongo
from pymongo.monitoring import (
    CommandFailedEvent,
    CommandListener,
    CommandStartedEvent,
    CommandSucceededEvent,
)

from shared.testing.query_shapes import QueryShape, filter_shape

Command = Mapping[str, Any]

_DRIVER = str(Path(pymongo.__file__).parent)


def command_shapes(app: str, name: str, command: Command) -> list[QueryShape]:
    """The query shapes of one command (an update or delete command may hold several)."""
    collection = command.get(name)
    if not isinstance(collection, str) or collection.startswith("system."):
        return []

    def shape(raw: Command | None, sort: Any = None, *, limited: bool = False) -> QueryShape:
        return QueryShape(
            app, collection, name, filter_shape(raw or {}), _sort_shape(sort), limited
        )

    if name == "find":
        return [shape(command.get("filter"), command.get("sort"), limited=_limited(command))]
    if name == "findAndModify":
        return [shape(command.get("query"), command.get("sort"), limited=True)]
    if name == "update":
        return [shape(u.get("q"), limited=not u.get("multi")) for u in command["updates"]]
    if name == "delete":
        return [shape(d.get("q"), limited=d.get("limit") == 1) for d in command["deletes"]]
    if name in ("count", "distinct"):
        return [shape(command.get("query"))]
    if name == "aggregate":
        return [_pipeline_shape(app, collection, command.get("pipeline") or [])]
    return []


def _pipeline_shape(app: str, collection: str, pipeline: list[Command]) -> QueryShape:
    """The leading `$match`, the `$sort` after it and whether a `$limit` follows."""
    stages = list(pipeline)
    match = stages.pop(0)["$match"] if stages and "$match" in stages[0] else {}
    sort = stages.pop(0)["$sort"] if stages and "$sort" in stages[0] else None
    limited = bool(stages) and "$limit" in stages[0]
    return QueryShape(app, collection, "aggregate", filter_shape(match), _sort_shape(sort), limited)


def _limited(command: Command) -> bool:
    return bool(command.get("limit")) or bool(command.get("singleBatch"))


def _sort_shape(sort: Any) -> tuple[tuple[str, int], ...]:
    if not sort:
        return ()
    return tuple(
        (str(name), direction if isinstance(direction, int) else 1)
        for name, direction in dict(sort).items()
    )


class QueryLog:
    """The distinct query shapes recorded since the last `take`, from every attached client."""

    def __init__(self) -> None:
        self._shapes: dict[QueryShape, None] = {}
        self.errors: list[str] = []

    def listener(self, app: str) -> CommandListener:
        """A listener for a client of application `app` that records into this log."""
        return _Recorder(self, app)

    def record(self, app: str, name: str, command: Command) -> None:
        """Record the shapes of one command; a command that cannot be read is an error."""
        try:
            for shape in command_shapes(app, name, command):
                self._shapes.setdefault(shape)
        except Exception as exc:  # PyMongo swallows listener errors: keep them to report
            self.errors.append(f"{app}: {name} not understood ({type(exc).__name__})")

    def take(self) -> tuple[list[QueryShape], list[str]]:
        """The shapes and errors recorded so far, forgetting them."""
        shapes, errors = list(self._shapes), list(self.errors)
        self._shapes.clear()
        self.errors.clear()
        return shapes, errors


class _Recorder(CommandListener):
    def __init__(self, log: QueryLog, app: str) -> None:
        self._log = log
        self._app = app

    def started(self, event: CommandStartedEvent) -> None:
        if not _sent_by_test_code():
            self._log.record(self._app, event.command_name, event.command)

    def succeeded(self, event: CommandSucceededEvent) -> None:
        """Nothing to record: the shape was taken when the command started."""

    def failed(self, event: CommandFailedEvent) -> None:
        """Nothing to record: the shape was taken when the command started."""


def _sent_by_test_code() -> bool:
    """Whether the code that called the driver lives under a `tests` folder.

    PyMongo's async client sends a command in the task that awaits it, so the caller's frames
    are on the stack: a test reading a service's collections to assert on them is not the
    service's query.
    """
    frame = sys._getframe(2)
    while frame is not None and (
        frame.f_code.co_filename.startswith(_DRIVER) or frame.f_code.co_filename == __file__
    ):
        frame = frame.f_back  # type: ignore[assignment]
    return frame is not None and "tests" in Path(frame.f_code.co_filename).parts
