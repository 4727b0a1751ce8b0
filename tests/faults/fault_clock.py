"""The run's clock: real time plus an offset in a file every replica reads; one may be skewed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo


@dataclass
class RunClock:
    """Starts at the next 10:00 in Moscow (office hours, nobody's quiet hours)."""

    path: Path
    offset: float = 0.0
    skewed: dict[Path, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        moscow = datetime.now(ZoneInfo("Europe/Moscow"))
        target = (moscow + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
        self._write((target - moscow).total_seconds())

    def skew(self, path: Path, seconds: float) -> Path:
        """A clock file that runs `seconds` ahead (or behind) of the shared one."""
        self.skewed[path] = seconds
        path.write_text(str(self.offset + seconds))
        return path

    def advance(self, delta: timedelta) -> None:
        self._write(self.offset + delta.total_seconds())

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.offset)

    def _write(self, offset: float) -> None:
        self.offset = offset
        self.path.write_text(str(offset))
        for path, seconds in self.skewed.items():
            path.write_text(str(offset + seconds))
