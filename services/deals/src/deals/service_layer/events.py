"""The name the deals service publishes its events under (its CloudEvents `source`)."""

from __future__ import annotations

from deals.domain.source import SOURCE

__all__ = ["SOURCE"]
