"""The name every event of the deals service is published under."""

from __future__ import annotations

SOURCE = "urn:voronka:deals"
"""CloudEvents `source` of everything the deals service publishes."""
