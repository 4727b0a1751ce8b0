"""CI's share of `make faults`: kill -9 of each service, a Kafka restart, a database stall."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fault_scenarios import SCENARIOS
from fault_suite import suite

pytestmark = [pytest.mark.e2e, pytest.mark.faults, pytest.mark.timeout(1200)]


async def test_the_seeded_ci_faults_lose_and_double_nothing(tmp_path: Path) -> None:
    """Seed 1 of every scenario marked for CI; a failure prints its seed and findings."""
    chosen = [scenario for scenario in SCENARIOS if scenario.in_ci]
    report = tmp_path / "faults.json"
    failed = await suite(chosen, [1], report)
    table = json.loads(report.read_text())["table"]
    assert [row["scenario"] for row in table] == [scenario.name for scenario in chosen]
    assert failed == 0, json.dumps(table, indent=1)
