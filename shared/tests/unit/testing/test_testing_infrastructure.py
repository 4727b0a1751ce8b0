"""The test harness's choice of infrastructure, and a container broker set like the local one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shared.testing.infrastructure import kafka_environment, repo_root, resolve_endpoints

pytestmark = pytest.mark.unit

ROOT = repo_root(Path(__file__).resolve())
# Addresses differ by design: the container listens on all its interfaces, the local one on
# loopback; log.dirs is the image's volume.
PER_PLACE = {"listeners", "advertised.listeners", "controller.quorum.voters", "log.dirs"}


def local_broker_settings() -> dict[str, str]:
    """The server.properties `make infra-up` writes, as key → value."""
    script = (ROOT / "deploy" / "local" / "infra.sh").read_text()
    block = re.search(r"server\.properties\" <<PROPS\n(.*?)\nPROPS", script, re.S)
    assert block is not None
    return dict(line.split("=", 1) for line in block.group(1).splitlines())


def test_the_container_broker_is_set_as_the_local_one_but_for_its_addresses() -> None:
    local = {key: value for key, value in local_broker_settings().items() if key not in PER_PLACE}
    container = {
        name.removeprefix("KAFKA_").lower().replace("_", "."): value
        for name, value in kafka_environment(23456).items()
    }

    assert {key: container.get(key) for key in local} == local
    assert container["advertised.listeners"] == "PLAINTEXT://127.0.0.1:23456"
    assert container["listeners"] == "PLAINTEXT://0.0.0.0:23456,CONTROLLER://localhost:9093"


def test_addresses_in_the_environment_are_used_as_they_are(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
    monkeypatch.setenv("MONGODB_URL", "mongodb://127.0.0.1:2/")
    monkeypatch.delenv("VORONKA_INFRA", raising=False)

    with resolve_endpoints(ROOT) as endpoints:
        assert (endpoints.kafka_bootstrap_servers, endpoints.mongodb_url, endpoints.origin) == (
            "127.0.0.1:1",
            "mongodb://127.0.0.1:2/",
            "environment",
        )


def test_containers_asked_for_without_an_engine_name_the_command_instead_of_falling_back(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
    monkeypatch.setenv("MONGODB_URL", "mongodb://127.0.0.1:2/")
    monkeypatch.setenv("VORONKA_INFRA", "containers")
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")

    with (
        pytest.raises(RuntimeError, match=r"no-engine\.sock; run: make test-containers"),
        resolve_endpoints(ROOT),
    ):
        pass
