"""A command the current state does not allow, with the fields and reasons that say why."""

from __future__ import annotations


class Refused(Exception):
    """A command the current state does not allow; `problems` name fields and reasons."""

    def __init__(
        self, message: str, *, problems: tuple[str, ...] = (), missing: tuple[str, ...] = ()
    ) -> None:
        super().__init__(message)
        self.problems = problems
        self.missing = missing
