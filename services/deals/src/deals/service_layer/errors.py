"""Refusals of the deals service; messages are safe to show (no personal data)."""

from __future__ import annotations

from deals.domain.refusal import Refused

__all__ = ["Invalid", "NotFound", "Refused"]


class NotFound(Exception):
    """No such object."""

    def __init__(self, what: str) -> None:
        super().__init__(f"no {what} with this id")


class Invalid(Exception):
    """Input that is well-formed JSON but wrong for the domain; `problems` carry field paths."""

    def __init__(self, problems: tuple[str, ...]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems
