"""What the read use cases hand to the HTTP API: an aggregate as stored, shown as it is."""

from __future__ import annotations

from typing import Any

Record = dict[str, Any]
"""An aggregate's stored fields (with `_id`), for the HTTP API to show."""
