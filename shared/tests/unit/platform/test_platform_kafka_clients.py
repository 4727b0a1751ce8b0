"""Every plain Kafka client carries the broker's SASL and TLS settings, the lag monitor's too."""

from __future__ import annotations

import ssl

import pytest
from pydantic import SecretStr

from shared.platform import metrics
from shared.platform.kafka import client_options, offsets_reader
from shared.platform.settings import KafkaSettings

pytestmark = pytest.mark.unit

SECURED = KafkaSettings(
    bootstrap_servers="kafka-0:9093",
    security_protocol="SASL_SSL",
    sasl_mechanism="SCRAM-SHA-512",
    sasl_username="reporting",
    sasl_password=SecretStr("kafka-pa55"),
)


def test_client_options_carry_sasl_and_tls() -> None:
    options = client_options(SECURED, client_id="lag")
    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (options["sasl_plain_username"], options["sasl_plain_password"]) == (
        "reporting",
        "kafka-pa55",
    )
    assert isinstance(options["ssl_context"], ssl.SSLContext)


def test_plaintext_clients_have_no_security_options() -> None:
    options = client_options(KafkaSettings(bootstrap_servers="kafka:9092"), client_id="lag")
    assert options["security_protocol"] == "PLAINTEXT"
    assert "sasl_mechanism" not in options and "ssl_context" not in options


async def test_the_lag_monitor_builds_its_clients_from_the_broker_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: list[KafkaSettings] = []

    def refuse(settings: KafkaSettings, *, client_id: str) -> object:
        built.append(settings)
        raise RuntimeError("stop here")

    monkeypatch.setattr(metrics, "admin_client", refuse)
    monkeypatch.setattr(metrics, "_watched", {("g", "t")})
    with pytest.raises(RuntimeError, match="stop here"):
        await metrics.measure_lag(SECURED)
    assert built == [SECURED]


async def test_the_offsets_reader_is_built_secured_without_connecting() -> None:
    reader = offsets_reader(SECURED, client_id="lag")
    assert reader._client._security_protocol == "SASL_SSL"  # aiokafka keeps it here
