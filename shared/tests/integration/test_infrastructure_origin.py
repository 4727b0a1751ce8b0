"""The session runs on the infrastructure asked for: containers under make test-containers."""

from __future__ import annotations

import os

import pytest

from shared.testing.infrastructure import Endpoints

pytestmark = pytest.mark.integration


def test_the_session_infrastructure_is_the_one_asked_for(infrastructure: Endpoints) -> None:
    wanted = os.environ.get("VORONKA_INFRA", "auto")
    if wanted == "containers":
        import docker

        published = {
            int(binding["HostPort"])
            for container in docker.from_env().containers.list(
                filters={"label": "org.testcontainers=true"}
            )
            for bindings in container.ports.values()
            for binding in bindings or []
        }
        kafka_port = int(infrastructure.kafka_bootstrap_servers.rsplit(":", 1)[1])
        mongo_port = int(infrastructure.mongodb_url.rstrip("/").rsplit(":", 1)[1])
        assert infrastructure.origin.startswith("containers")
        assert {kafka_port, mongo_port} <= published
    elif os.environ.get("KAFKA_BOOTSTRAP_SERVERS") and os.environ.get("MONGODB_URL"):
        assert infrastructure.origin == "environment"
    else:
        assert infrastructure.origin == "local processes" or infrastructure.origin.startswith(
            "containers"
        )
