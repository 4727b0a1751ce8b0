"""Settings come from the environment and fail on one line per variable, never quoting secrets."""

from __future__ import annotations

import os
import traceback

import pytest
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.platform.settings import (
    KafkaSettings,
    MongoSettings,
    ServiceSettings,
    SettingsError,
    load_settings,
)

pytestmark = pytest.mark.unit


class LeadsLikeSettings(ServiceSettings):
    """A service's settings as a service would declare them."""

    model_config = SettingsConfigDict(env_prefix="LEADS_")

    http_port: int = Field(default=8001, ge=1, le=65535, description="HTTP port.")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith(("KAFKA_", "MONGODB_", "LEADS_")):
            monkeypatch.delenv(name)


def settings_error(cls: type[ServiceSettings] | type[KafkaSettings]) -> SettingsError:
    with pytest.raises(SettingsError) as caught:
        load_settings(cls)
    return caught.value


def test_defaults_point_at_local_kafka_and_mongodb() -> None:
    settings = load_settings(LeadsLikeSettings)

    assert settings.http_host == "127.0.0.1"
    assert settings.http_port == 8001
    assert settings.log_level == "INFO"
    assert settings.log_json is None
    assert settings.kafka.bootstrap_servers == "127.0.0.1:9092"
    assert settings.kafka.security_protocol == "PLAINTEXT"
    assert settings.kafka.request_timeout_ms == 15000
    assert settings.mongodb.url.get_secret_value() == "mongodb://127.0.0.1:27017/"
    assert settings.mongodb.database is None
    assert settings.mongodb.server_selection_timeout_ms == 5000
    assert settings.mongodb.tls is False


def test_service_fields_read_the_service_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADS_HTTP_HOST", "0.0.0.0")
    monkeypatch.setenv("LEADS_HTTP_PORT", "9100")
    monkeypatch.setenv("LEADS_LOG_LEVEL", "debug")
    monkeypatch.setenv("LEADS_LOG_JSON", "true")

    settings = load_settings(LeadsLikeSettings)

    assert (settings.http_host, settings.http_port) == ("0.0.0.0", 9100)
    assert settings.log_level == "DEBUG"
    assert settings.log_json is True


def test_nested_kafka_and_mongodb_read_their_own_prefixes_not_the_service_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka-0:9092, kafka-1:9093")
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "leads")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "kafka-pa55")
    monkeypatch.setenv("KAFKA_REQUEST_TIMEOUT_MS", "2000")
    monkeypatch.setenv("MONGODB_URL", "mongodb+srv://leads:mongo-pa55@db.example.ru/")
    monkeypatch.setenv("MONGODB_DATABASE", "leads_test")
    monkeypatch.setenv("MONGODB_TLS", "true")
    # Service-prefixed spellings of the shared blocks are not consulted.
    monkeypatch.setenv("LEADS_KAFKA_BOOTSTRAP_SERVERS", "wrong:1")
    monkeypatch.setenv("LEADS_MONGODB_URL", "mongodb://wrong/")

    settings = load_settings(LeadsLikeSettings)

    assert settings.kafka.bootstrap_servers == "kafka-0:9092,kafka-1:9093"
    assert settings.kafka.security_protocol == "SASL_SSL"
    assert settings.kafka.sasl_mechanism == "SCRAM-SHA-512"
    assert settings.kafka.sasl_username == "leads"
    assert settings.kafka.sasl_password is not None
    assert settings.kafka.sasl_password.get_secret_value() == "kafka-pa55"
    assert settings.kafka.request_timeout_ms == 2000
    assert (
        settings.mongodb.url.get_secret_value() == "mongodb+srv://leads:mongo-pa55@db.example.ru/"
    )
    assert settings.mongodb.database == "leads_test"
    assert settings.mongodb.tls is True
    assert "pa55" not in repr(settings)


@pytest.mark.parametrize(
    "servers",
    ["kafka:9092", "kafka-0.kafka:9092,kafka-1.kafka:9092", "10.0.0.8:1", "[::1]:65535"],
)
def test_well_formed_bootstrap_servers_are_accepted(
    monkeypatch: pytest.MonkeyPatch, servers: str
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", servers)

    assert load_settings(KafkaSettings).bootstrap_servers == servers


@pytest.mark.parametrize(
    ("servers", "problem"),
    [
        ("kafka", "'kafka' has no port"),
        ("kafka:0", "'kafka:0' has a port outside 1..65535"),
        ("kafka:70000", "'kafka:70000' has a port outside 1..65535"),
        ("kafka:abc", "'kafka:abc' has a port outside 1..65535"),
        (":9092", "':9092' has no valid host"),
        ("kafka:9092,", "an entry is empty"),
        ("kafka:9092;kafka2:9092", "'kafka:9092;kafka2:9092' has no valid host"),
    ],
)
def test_bad_bootstrap_servers_give_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, servers: str, problem: str
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", servers)

    error = settings_error(LeadsLikeSettings)

    assert "\n" not in str(error)
    assert str(error).startswith("KAFKA_BOOTSTRAP_SERVERS: expected host:port[,host:port...]; ")
    assert problem in str(error)


def test_every_wrong_variable_gets_its_own_line_across_service_and_shared_blocks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka")
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "TLS")
    monkeypatch.setenv("MONGODB_SERVER_SELECTION_TIMEOUT_MS", "soon")
    monkeypatch.setenv("LEADS_HTTP_PORT", "99999")
    monkeypatch.setenv("LEADS_LOG_LEVEL", "loud")

    error = settings_error(LeadsLikeSettings)

    lines = str(error).splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "KAFKA_BOOTSTRAP_SERVERS",
        "KAFKA_SECURITY_PROTOCOL",
        "MONGODB_SERVER_SELECTION_TIMEOUT_MS",
        "LEADS_HTTP_PORT",
        "LEADS_LOG_LEVEL",
    ]
    assert error.problems == tuple(lines)
    assert lines[2] == (
        "MONGODB_SERVER_SELECTION_TIMEOUT_MS: "
        "Input should be a valid integer, unable to parse string as an integer"
    )


def test_secrets_never_appear_in_the_error_or_its_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MONGODB_URL", "http://admin:mongo-s3cret@db:27017/")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "kafka-s3cret")
    monkeypatch.setenv("KAFKA_SASL_MECHANISM", "KERBEROS")

    error = settings_error(LeadsLikeSettings)
    shown = str(error) + repr(error) + "".join(traceback.format_exception(error))

    assert "s3cret" not in shown
    assert "MONGODB_URL: expected a mongodb:// or mongodb+srv:// URL, got http://" in str(error)
    assert "KAFKA_SASL_MECHANISM: Input should be" in str(error)
    assert error.__cause__ is None
    assert error.__context__ is None


def test_a_url_without_a_scheme_is_not_quoted_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONGODB_URL", "admin:s3cret@db:27017")

    error = settings_error(LeadsLikeSettings)

    assert str(error) == "MONGODB_URL: expected a mongodb:// or mongodb+srv:// URL"


def test_a_required_port_without_default_is_named_by_its_variable() -> None:
    class PortlessSettings(ServiceSettings):
        """A service that forgot its default port."""

        model_config = SettingsConfigDict(env_prefix="LEADS_")

    error = settings_error(PortlessSettings)

    assert str(error) == "LEADS_HTTP_PORT: Field required"


def test_a_nested_block_given_as_json_is_named_by_the_service_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LEADS_KAFKA", '{"bootstrap_servers": "kafka"}')

    error = settings_error(LeadsLikeSettings)

    assert str(error).startswith("LEADS_KAFKA (bootstrap_servers): expected host:port")


def test_undecodable_json_for_a_nested_block_is_a_settings_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LEADS_MONGODB", "{not json, password=s3cret")

    error = settings_error(LeadsLikeSettings)

    assert str(error) == "LEADS_MONGODB: expected a JSON object"
    assert "s3cret" not in str(error) + "".join(traceback.format_exception(error))


@pytest.mark.parametrize("cls", [KafkaSettings, MongoSettings, ServiceSettings, LeadsLikeSettings])
def test_every_setting_has_a_description(cls: type[ServiceSettings]) -> None:
    assert all(field.description for field in cls.model_fields.values())


def test_a_service_redeclaring_a_field_without_description_is_refused() -> None:
    with pytest.raises(TypeError, match="every setting needs a description: http_port"):

        class CarelessSettings(ServiceSettings):
            """Overrides the port and drops its description."""

            http_port: int = 8009
