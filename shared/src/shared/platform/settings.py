"""Environment-driven settings: the shared Kafka and MongoDB blocks and each service's base."""

from __future__ import annotations

import logging
import re
from typing import Any, Final, Literal, TypeVar

from pydantic import AliasChoices, AliasPath, Field, SecretStr, ValidationError, field_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict
from pydantic_settings import SettingsError as SourceError

from shared.platform.auth import ApiKey, parse_keys
from shared.platform.identity import OidcSettings

__all__ = [
    "ApiSettings",
    "KafkaSettings",
    "MongoSettings",
    "ServiceSettings",
    "SettingsError",
    "load_settings",
]

_HOST_RE: Final = re.compile(
    r"^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.\-_]*[A-Za-z0-9])?)$"
)
_SCHEME_RE: Final = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")
_SOURCE_FIELD_RE: Final = re.compile(r'field "([^"]+)"')


def _bootstrap_problem(value: str) -> str | None:
    entries = [entry.strip() for entry in value.split(",")]
    for entry in entries:
        if not entry:
            return "an entry is empty"
        host, sep, port = entry.rpartition(":")
        if not sep:
            return f"{entry!r} has no port"
        if not _HOST_RE.match(host):
            return f"{entry!r} has no valid host"
        if not port.isdigit() or not 1 <= int(port) <= 65535:
            return f"{entry!r} has a port outside 1..65535"
    return None


class KafkaSettings(BaseSettings):
    """How to reach the Kafka cluster; read from `KAFKA_*` whichever service loads it."""

    model_config = SettingsConfigDict(env_prefix="KAFKA_")

    bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        description="Comma-separated host:port list of brokers used to discover the cluster.",
        examples=["127.0.0.1:9092", "kafka-0.kafka:9092,kafka-1.kafka:9092"],
    )
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        default="PLAINTEXT",
        description="Transport to the brokers: TLS and/or SASL authentication.",
    )
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = Field(
        default=None,
        description="SASL mechanism when security_protocol is SASL_*; PLAIN when unset.",
    )
    sasl_username: str | None = Field(default=None, description="SASL user name.")
    sasl_password: SecretStr | None = Field(
        default=None, description="SASL password; reference a Kubernetes secret, never inline it."
    )
    ssl_cafile: str | None = Field(
        default=None,
        description="CA bundle (PEM) that signed the brokers' certificates (system CAs if unset).",
    )
    client_id: str | None = Field(
        default=None,
        description="Client id shown in broker logs and quotas; the service name if unset.",
    )
    topic_prefix: str = Field(
        default="",
        pattern=r"^[A-Za-z0-9._\-]*$",
        description="Prepended to every physical topic name, so test runs sharing a cluster "
        "never read each other's events; empty in production.",
    )
    request_timeout_ms: int = Field(
        default=15000, gt=0, description="Upper bound on one request to a broker, in milliseconds."
    )

    @field_validator("bootstrap_servers")
    @classmethod
    def _check_bootstrap_servers(cls, value: str) -> str:
        problem = _bootstrap_problem(value)
        if problem is not None:
            raise PydanticCustomError(
                "bootstrap_servers",
                "expected host:port[,host:port...]; {problem}",
                {"problem": problem},
            )
        return ",".join(entry.strip() for entry in value.split(","))


class MongoSettings(BaseSettings):
    """How to reach MongoDB; read from `MONGODB_*` whichever service loads it."""

    model_config = SettingsConfigDict(env_prefix="MONGODB_")

    url: SecretStr = Field(
        default=SecretStr("mongodb://127.0.0.1:27017/"),
        description="mongodb:// or mongodb+srv:// URL; a secret, since it may hold a password.",
    )
    database: str | None = Field(
        default=None, description="Database name; each service defaults to its own name."
    )
    server_selection_timeout_ms: int = Field(
        default=5000,
        gt=0,
        description="How long an operation waits for a reachable server before failing, in ms.",
    )
    tls: bool = Field(default=False, description="Require TLS even if the URL does not ask for it.")
    operation_timeout_ms: int = Field(
        default=30000,
        gt=0,
        description="How long any one operation may take, waits for a stalled server included, "
        "before it fails (and is retried as an outage), in ms.",
    )

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: SecretStr) -> SecretStr:
        match = _SCHEME_RE.match(value.get_secret_value())
        if match is None or match.group(1).lower() not in ("mongodb", "mongodb+srv"):
            # Only the scheme is quoted back: the rest of a URL may carry a password.
            got = f", got {match.group(1)}://" if match else ""
            raise PydanticCustomError(
                "mongodb_url", "expected a mongodb:// or mongodb+srv:// URL{got}", {"got": got}
            )
        return value


class ApiSettings(BaseSettings):
    """Who may call the HTTP API; read from `API_*` whichever service loads it."""

    model_config = SettingsConfigDict(env_prefix="API_")

    keys: SecretStr | None = Field(
        default=None,
        description=(
            'API keys as a JSON list of {"id", "sha256", "scopes"} (see `python -m '
            "shared.platform.auth new`); unset, the API is open: for local development only."
        ),
    )

    rate_per_second: float = Field(
        default=50.0,
        ge=0,
        description="Requests a second each API key (or client address) may make; 0: no limit.",
    )
    burst: int = Field(default=200, ge=1, description="Requests a caller may make at once.")

    @field_validator("keys")
    @classmethod
    def _check_keys(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        try:
            parse_keys(value.get_secret_value())
        except ValidationError as exc:
            # Field paths and messages only: the input holds key hashes.
            problems = "; ".join(
                f"{'.'.join(map(str, err['loc'])) or 'value'}: {err['msg']}" for err in exc.errors()
            )
            raise PydanticCustomError(
                "api_keys", "expected a JSON list of API keys ({problems})", {"problems": problems}
            ) from None
        return value

    def parsed(self) -> list[ApiKey] | None:
        """The configured keys, or None when the API is open."""
        return parse_keys(self.keys.get_secret_value()) if self.keys is not None else None


class ServiceSettings(BaseSettings):
    """Base of each service's settings; subclasses set `env_prefix` and an `http_port` default.

    `kafka` and `mongodb` are built by their default factories, so they read their own
    `KAFKA_*` / `MONGODB_*` variables rather than the service prefix. A subclass that
    redeclares a field replaces it whole: repeat its `description`, or the class is refused.
    """

    http_host: str = Field(default="127.0.0.1", description="Address the HTTP API listens on.")
    http_port: int = Field(ge=1, le=65535, description="Port the HTTP API listens on.")
    log_level: str = Field(
        default="INFO", description="Lowest level logged: DEBUG, INFO, WARNING or ERROR."
    )
    log_json: bool | None = Field(
        default=None,
        description="JSON log lines (true), console lines (false), or JSON unless stdout is a TTY.",
    )
    kafka: KafkaSettings = Field(
        default_factory=KafkaSettings, description="Kafka connection, from KAFKA_* variables."
    )
    mongodb: MongoSettings = Field(
        default_factory=MongoSettings, description="MongoDB connection, from MONGODB_* variables."
    )
    api: ApiSettings = Field(
        default_factory=ApiSettings, description="Who may call the HTTP API, from API_* variables."
    )
    oidc: OidcSettings = Field(
        default_factory=OidcSettings,
        description="Where people's sign-in tokens come from, from OIDC_* variables.",
    )

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        missing = sorted(name for name, field in cls.model_fields.items() if not field.description)
        if missing:
            raise TypeError(
                f"{cls.__name__}: every setting needs a description: {', '.join(missing)}"
            )

    @field_validator("log_level")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in logging.getLevelNamesMapping() or level == "NOTSET":
            raise PydanticCustomError(
                "log_level", "expected DEBUG, INFO, WARNING, ERROR or CRITICAL", {}
            )
        return level


S = TypeVar("S", bound=BaseSettings)


class SettingsError(Exception):
    """The environment does not describe a runnable service; one line per wrong variable.

    Raised without the underlying ValidationError attached, because pydantic's text quotes
    every input value, secrets included.
    """

    def __init__(self, *problems: str) -> None:
        super().__init__("\n".join(problems))
        self.problems: tuple[str, ...] = problems


def _env_name(cls: type[BaseSettings], loc: tuple[int | str, ...]) -> str:
    if not loc:
        return cls.__name__
    field_name, rest = str(loc[0]), loc[1:]
    field = cls.model_fields.get(field_name)
    alias = field.validation_alias if field is not None else None
    if isinstance(alias, str):
        name = alias
    elif isinstance(alias, AliasChoices) and isinstance(alias.choices[0], str):
        name = alias.choices[0]
    elif isinstance(alias, AliasPath | AliasChoices):
        name = field_name
    else:
        name = f"{cls.model_config.get('env_prefix', '')}{field_name}"
    if not cls.model_config.get("case_sensitive", False):
        name = name.upper()
    if rest:
        # A nested block given whole as JSON in one variable, e.g. LEADS_KAFKA='{...}'.
        name += f" ({'.'.join(str(part) for part in rest)})"
    return name


def _nested_settings(cls: type[BaseSettings]) -> dict[str, type[BaseSettings]]:
    """Fields built by a settings class as default factory, such as `ServiceSettings.kafka`."""
    return {
        name: field.default_factory
        for name, field in cls.model_fields.items()
        if isinstance(field.default_factory, type)
        and issubclass(field.default_factory, BaseSettings)
    }


def _describe(cls: type[BaseSettings], exc: ValidationError) -> list[str]:
    return [
        f"{_env_name(cls, error['loc'])}: {' '.join(error['msg'].split())}"
        for error in exc.errors(include_url=False, include_input=False, include_context=False)
    ]


def _problems(cls: type[BaseSettings]) -> list[str]:
    # A nested block's default factory raises its own ValidationError (titled with its class,
    # locations relative to it) and aborts the outer validation, hiding the service's own
    # errors. So each nested block is checked alone first, then the outer class is checked
    # with unvalidated stand-ins for the broken blocks: every wrong variable is reported.
    problems: list[str] = []
    stand_ins: dict[str, Any] = {}
    nested = _nested_settings(cls)
    for name, nested_cls in nested.items():
        nested_problems = _problems(nested_cls)
        if nested_problems:
            problems += nested_problems
            stand_ins[name] = nested_cls.model_construct()
    try:
        cls(**stand_ins)
    except ValidationError as exc:
        owners = {c.__name__: c for c in nested.values()}
        problems += _describe(owners.get(exc.title, cls), exc)
    except SourceError as exc:
        # pydantic-settings could not even decode a variable (invalid JSON for a nested block);
        # its message names the field, and the value stays out of ours.
        match = _SOURCE_FIELD_RE.search(str(exc))
        if match is None:
            problems.append(" ".join(str(exc).split()))
        else:
            problems.append(f"{_env_name(cls, (match.group(1),))}: expected a JSON object")
    return problems


def load_settings(cls: type[S]) -> S:
    """Build settings from the environment, or fail with `SettingsError` naming each variable.

    The message never repeats a value: it states which variable is wrong and what was expected.
    """
    try:
        return cls()
    except (ValidationError, SourceError):
        pass
    # Outside the `except` block, so the ValidationError (which quotes inputs) is not chained.
    raise SettingsError(*(_problems(cls) or [f"{cls.__name__}: invalid settings"]))
