"""Deployment artefacts: the Dockerfile, the compose stack and the kustomize tree.

Every overlay is rendered with the real `kustomize` (built once by deploy/tools/kustomize.sh
into .cache/bin; the first build needs Go and the Go module proxy, later runs are offline)
and each object is validated against the Kubernetes JSON schemas that the
`kubernetes-validate` package ships, so nothing here talks to a cluster. The services'
settings classes are the reference for what a manifest must set.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from pydantic import SecretStr
from pydantic_settings import BaseSettings

from deals.settings import DealsSettings
from leads.settings import LeadsSettings
from notifications.settings import NotificationsSettings
from reporting.settings import ReportingSettings
from shared.contracts.topics import BUSINESS_PARTITIONS, TOPIC_SPECS
from shared.platform.settings import ServiceSettings, load_settings

# Offline once kustomize is built; the first build (about 40 s on two cores) counts against
# the first test that renders, hence the generous per-test limit.
# Integration: the tests build and run the real kustomize binary (Go module proxy on first run).
pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
DOCKERFILE = DEPLOY / "docker" / "Dockerfile"
KUSTOMIZE_SCRIPT = DEPLOY / "tools" / "kustomize.sh"
STRIMZI_TOPICS = K8S / "components" / "strimzi-topics" / "topics.yaml"
SECRET_EXAMPLE = K8S / "secret.example.yaml"

SERVICES: dict[str, type[ServiceSettings]] = {
    "leads": LeadsSettings,
    "deals": DealsSettings,
    "notifications": NotificationsSettings,
    "reporting": ReportingSettings,
}
OVERLAYS = ("dev", "prod")
RENDERED = ("base", *OVERLAYS)
# The oldest Kubernetes minor still commonly run, and the newest the schema package knows.
K8S_VERSIONS = ("1.30.0", "1.37.0")
# Custom resources: no schema in the package, their fields are checked by their own test.
CUSTOM_KINDS = {("kafka.strimzi.io/v1beta2", "KafkaTopic")}
NESTED_BLOCKS: dict[str, type[BaseSettings]] = {
    name: field.default_factory
    for name, field in ServiceSettings.model_fields.items()
    if isinstance(field.default_factory, type) and issubclass(field.default_factory, BaseSettings)
}


# --- settings as the reference ------------------------------------------------------------


def _prefix(cls: type[BaseSettings]) -> str:
    return str(cls.model_config.get("env_prefix", "")).upper()


def _own_fields(cls: type[BaseSettings]) -> dict[str, Any]:
    return {name: f for name, f in cls.model_fields.items() if name not in NESTED_BLOCKS}


def _is_secret(annotation: Any) -> bool:
    return annotation is SecretStr or SecretStr in typing.get_args(annotation)


@cache
def known_env(cls: type[ServiceSettings]) -> frozenset[str]:
    """Every variable the service reads: its own prefix, plus the KAFKA_/MONGODB_ blocks."""
    names = {f"{_prefix(cls)}{name.upper()}" for name in _own_fields(cls)}
    for block in NESTED_BLOCKS.values():
        names |= {f"{_prefix(block)}{name.upper()}" for name in block.model_fields}
    return frozenset(names)


@cache
def required_env(cls: type[ServiceSettings]) -> frozenset[str]:
    """Variables that must be set in a deployment.

    Fields without a default (none today, but a new one must reach the manifests), plus
    those whose defaults only suit a developer's machine: the listen address and port
    (127.0.0.1 is unreachable in a pod, and the port must match the probes), and where
    Kafka and MongoDB are (loopback by default).
    """
    names = {f"{_prefix(cls)}{n.upper()}" for n, f in _own_fields(cls).items() if f.is_required()}
    for block in NESTED_BLOCKS.values():
        names |= {
            f"{_prefix(block)}{n.upper()}" for n, f in block.model_fields.items() if f.is_required()
        }
    names |= {f"{_prefix(cls)}HTTP_HOST", f"{_prefix(cls)}HTTP_PORT"}
    names |= {"KAFKA_BOOTSTRAP_SERVERS", "MONGODB_URL"}
    return frozenset(names)


@cache
def secret_env(cls: type[ServiceSettings]) -> frozenset[str]:
    """Variables typed SecretStr: credentials that may only come from a Secret."""
    names = {
        f"{_prefix(cls)}{n.upper()}"
        for n, f in _own_fields(cls).items()
        if _is_secret(f.annotation)
    }
    for block in NESTED_BLOCKS.values():
        names |= {
            f"{_prefix(block)}{n.upper()}"
            for n, f in block.model_fields.items()
            if _is_secret(f.annotation)
        }
    return frozenset(names)


def test_the_reference_sets_are_what_the_settings_say() -> None:
    assert set(NESTED_BLOCKS) == {"kafka", "mongodb", "api", "oidc"}
    assert "OIDC_ISSUER" in known_env(LeadsSettings)
    assert "LEADS_HTTP_PORT" in known_env(LeadsSettings)
    assert "API_KEYS" in secret_env(LeadsSettings)
    assert "KAFKA_SASL_PASSWORD" in known_env(DealsSettings)
    assert secret_env(NotificationsSettings) >= {
        "MONGODB_URL",
        "KAFKA_SASL_PASSWORD",
        "NOTIFICATIONS_SMTP_PASSWORD",
        "NOTIFICATIONS_SMS_TOKEN",
        "NOTIFICATIONS_BOT_TOKEN",
    }
    assert {"MONGODB_URL", "KAFKA_BOOTSTRAP_SERVERS"} <= required_env(ReportingSettings)


def load_with_env(
    monkeypatch: pytest.MonkeyPatch, cls: type[ServiceSettings], env: dict[str, str]
) -> ServiceSettings:
    """Build the settings from exactly `env`: nothing of the test runner's own leaks in."""
    prefixes = tuple({_prefix(c) for c in (cls, *NESTED_BLOCKS.values())})
    for name in list(os.environ):
        if name.upper().startswith(prefixes):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return load_settings(cls)


# --- rendering ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def kustomize() -> Path:
    """The kustomize binary, built from the Go module proxy on first use; never skipped."""
    try:
        result = subprocess.run(
            ["bash", str(KUSTOMIZE_SCRIPT)],
            capture_output=True,
            text=True,
            timeout=840,
            check=False,
            cwd=ROOT,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("deploy/tools/kustomize.sh did not build kustomize within 14 minutes")
    if result.returncode != 0 or not result.stdout.strip():
        pytest.fail(
            "deploy/tools/kustomize.sh could not provide kustomize (it needs Go >= 1.24 and, "
            f"the first time, the Go module proxy); exit {result.returncode}:\n"
            f"{result.stderr[-4000:]}"
        )
    binary = Path(result.stdout.strip().splitlines()[-1])
    assert binary.is_file() and os.access(binary, os.X_OK), binary
    return binary


@pytest.fixture(scope="session")
def rendered(kustomize: Path) -> dict[str, list[dict[str, Any]]]:
    """Every kustomization rendered: base, dev and prod, as lists of objects."""
    out: dict[str, list[dict[str, Any]]] = {}
    for name in RENDERED:
        path = K8S / "base" if name == "base" else K8S / "overlays" / name
        result = subprocess.run(
            [str(kustomize), "build", str(path)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            pytest.fail(f"kustomize build {path.relative_to(ROOT)} failed:\n{result.stderr}")
        out[name] = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    return out


@pytest.fixture(scope="session")
def k8s_validate() -> ModuleType:
    """The offline schema validator; missing means the dev environment lacks the package."""
    try:
        import kubernetes_validate as module
    except ImportError:
        pytest.fail(
            "the `kubernetes-validate` package (Kubernetes JSON schemas, offline) is not "
            "installed in this environment"
        )
    validator: ModuleType = module
    return validator


def objects(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    """Objects of one kind by name."""
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def config_map_named(docs: list[dict[str, Any]], name: str) -> dict[str, Any]:
    """A ConfigMap by the name a reference uses (generated ones carry a hash suffix already)."""
    found = objects(docs, "ConfigMap").get(name)
    assert found is not None, f"no ConfigMap {name!r} in the render"
    return found


def container(deployment: dict[str, Any]) -> dict[str, Any]:
    """The one container of a service pod."""
    containers: list[dict[str, Any]] = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, deployment["metadata"]["name"]
    return containers[0]


@dataclass
class EnvSource:
    """Where a variable of a container comes from."""

    kind: str  # "value", "configmap" or "secret"
    value: str | None = None
    ref: tuple[str, str] | None = None  # (object name, key) for configmap/secret
    optional: bool = False


@dataclass
class ContainerEnv:
    """A container's environment as Kubernetes will build it (later sources win)."""

    sources: dict[str, EnvSource] = field(default_factory=dict)

    def values(self, secrets: dict[str, str]) -> dict[str, str]:
        """Concrete values; Secret-backed ones from `secrets` (absent optional ones dropped)."""
        out: dict[str, str] = {}
        for name, src in self.sources.items():
            if src.kind == "secret":
                if name in secrets:
                    out[name] = secrets[name]
            elif src.value is not None:
                out[name] = src.value
        return out


def container_env(docs: list[dict[str, Any]], deployment: dict[str, Any]) -> ContainerEnv:
    """Resolve envFrom (ConfigMaps, Secrets) and env (values, key references) of a container."""
    env = ContainerEnv()
    spec = container(deployment)
    for source in spec.get("envFrom", []):
        if "configMapRef" in source:
            cm = config_map_named(docs, source["configMapRef"]["name"])
            for key, value in cm.get("data", {}).items():
                env.sources[key] = EnvSource("configmap", value, (cm["metadata"]["name"], key))
        else:
            pytest.fail(f"{deployment['metadata']['name']}: whole-Secret envFrom hides the keys")
    for var in spec.get("env", []):
        name = var["name"]
        if "value" in var:
            env.sources[name] = EnvSource("value", var["value"])
            continue
        ref = var["valueFrom"]
        if "configMapKeyRef" in ref:
            r = ref["configMapKeyRef"]
            cm = config_map_named(docs, r["name"])
            env.sources[name] = EnvSource(
                "configmap",
                cm["data"].get(r["key"]),
                (r["name"], r["key"]),
                r.get("optional", False),
            )
        elif "secretKeyRef" in ref:
            r = ref["secretKeyRef"]
            env.sources[name] = EnvSource(
                "secret", None, (r["name"], r["key"]), r.get("optional", False)
            )
        else:
            env.sources[name] = EnvSource("value", None)
    return env


DUMMY_SECRETS = {
    "MONGODB_URL": "mongodb://voronka:not-a-password@mongodb.example:27017/?replicaSet=rs0",
    "KAFKA_SASL_PASSWORD": "not-a-password",
    "NOTIFICATIONS_SMTP_PASSWORD": "not-a-password",
    "NOTIFICATIONS_SMS_TOKEN": "not-a-token",
    "NOTIFICATIONS_BOT_TOKEN": "not-a-token",
    "API_KEYS": '[{"id": "ci", "sha256": "' + "0" * 64 + '", "scopes": ["*"]}]',
}


# --- Kubernetes: schemas ------------------------------------------------------------------


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("name", RENDERED)
def test_every_rendered_object_matches_the_kubernetes_schema(
    rendered: dict[str, list[dict[str, Any]]], k8s_validate: ModuleType, name: str, version: str
) -> None:
    problems = []
    checked = 0
    for doc in rendered[name]:
        if (doc["apiVersion"], doc["kind"]) in CUSTOM_KINDS:
            continue
        label = f"{doc['kind']}/{doc['metadata']['name']}"
        try:
            # strict: an unknown or misspelt field is an error, not silently dropped.
            k8s_validate.validate(doc, version, strict=True)
        except k8s_validate.ValidationError as exc:
            problems.append(f"{label}: {'.'.join(map(str, exc.path))}: {exc.message}")
        except k8s_validate.SchemaNotFoundError as exc:
            problems.append(f"{label}: {exc.message}")
        checked += 1
    assert not problems, "\n".join(problems)
    assert checked >= 6 * len(SERVICES)


def test_only_known_custom_resources_are_rendered(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    for name, docs in rendered.items():
        kinds = {(d["apiVersion"], d["kind"]) for d in docs}
        custom = {k for k in kinds if "." in k[0].split("/")[0]}
        assert custom <= CUSTOM_KINDS, (name, custom)


# --- Kubernetes: shape of each service ------------------------------------------------------


@pytest.mark.parametrize("name", RENDERED)
def test_each_service_has_its_full_set_of_objects(
    rendered: dict[str, list[dict[str, Any]]], name: str
) -> None:
    docs = rendered[name]
    for service in SERVICES:
        for kind in (
            "Deployment",
            "Service",
            "ServiceAccount",
            "PodDisruptionBudget",
            "HorizontalPodAutoscaler",
        ):
            assert service in objects(docs, kind), f"{name}: no {kind} {service}"
        assert f"{service}-config" in objects(docs, "ConfigMap"), f"{name}: no {service}-config"
    assert not objects(docs, "Secret"), f"{name}: a Secret is inlined; reference it instead"


def test_the_base_keeps_one_file_per_service() -> None:
    kustomization = yaml.safe_load((K8S / "base" / "kustomization.yaml").read_text())
    assert sorted(kustomization["resources"]) == sorted(f"{s}.yaml" for s in SERVICES)
    for service in SERVICES:
        docs = [d for d in yaml.safe_load_all((K8S / "base" / f"{service}.yaml").read_text()) if d]
        assert {d["kind"] for d in docs} == {
            "ServiceAccount",
            "ConfigMap",
            "Deployment",
            "Service",
            "PodDisruptionBudget",
            "HorizontalPodAutoscaler",
        }
        for doc in docs:
            assert doc["metadata"]["labels"]["app.kubernetes.io/name"] == service, doc["kind"]


@pytest.mark.parametrize("name", RENDERED)
@pytest.mark.parametrize("service", SERVICES)
def test_pods_run_hardened_with_probes_and_resources(
    rendered: dict[str, list[dict[str, Any]]], name: str, service: str
) -> None:
    docs = rendered[name]
    deployment = objects(docs, "Deployment")[service]
    pod = deployment["spec"]["template"]["spec"]
    ctr = container(deployment)

    assert pod["securityContext"] == pod["securityContext"] | {
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert ctr["securityContext"] == ctr["securityContext"] | {
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "readOnlyRootFilesystem": True,
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert not ctr["securityContext"].get("privileged", False)
    assert "add" not in ctr["securityContext"]["capabilities"]
    assert pod["serviceAccountName"] == service
    assert pod["automountServiceAccountToken"] is False

    # /tmp is the only writable path, and it is an emptyDir.
    volumes = {v["name"]: v for v in pod["volumes"]}
    tmp = [m for m in ctr["volumeMounts"] if m["mountPath"] == "/tmp"]
    assert len(tmp) == 1 and "emptyDir" in volumes[tmp[0]["name"]]
    for mount in ctr["volumeMounts"]:
        if mount["mountPath"] != "/tmp":
            assert mount.get("readOnly") is True, mount

    for kind in ("requests", "limits"):
        assert set(ctr["resources"][kind]) >= {"cpu", "memory"}, kind

    ports = {p["name"]: p["containerPort"] for p in ctr["ports"]}
    assert ctr["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert ctr["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert ctr["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}

    # The port the process listens on is the port the probes and the Service use.
    env = container_env(docs, deployment).values(DUMMY_SECRETS)
    prefix = _prefix(SERVICES[service])
    assert env[f"{prefix}HTTP_HOST"] == "0.0.0.0"
    assert int(env[f"{prefix}HTTP_PORT"]) == ports["http"]
    svc = objects(docs, "Service")[service]
    assert svc["spec"]["selector"].items() <= pod_labels(deployment).items()
    assert [p["targetPort"] for p in svc["spec"]["ports"]] == ["http"]


def pod_labels(deployment: dict[str, Any]) -> dict[str, str]:
    """Labels of the pods a Deployment creates."""
    return dict(deployment["spec"]["template"]["metadata"]["labels"])


@pytest.mark.parametrize("name", RENDERED)
@pytest.mark.parametrize("service", SERVICES)
def test_disruption_budget_and_autoscaler_fit_the_topics(
    rendered: dict[str, list[dict[str, Any]]], name: str, service: str
) -> None:
    docs = rendered[name]
    deployment = objects(docs, "Deployment")[service]
    labels = pod_labels(deployment)
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()

    pdb = objects(docs, "PodDisruptionBudget")[service]
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert pdb["spec"].get("maxUnavailable") == 1, "minAvailable could block every drain"

    hpa = objects(docs, "HorizontalPodAutoscaler")[service]
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": service,
    }
    # More consumers than partitions would idle: the partition count is the ceiling.
    assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"] <= BUSINESS_PARTITIONS
    assert hpa["spec"]["maxReplicas"] <= 6
    if name != "base":
        # An apply that sets another count than the autoscaler's minimum fights it.
        assert deployment["spec"]["replicas"] == hpa["spec"]["minReplicas"]


# --- Kubernetes: environment ----------------------------------------------------------------


@pytest.mark.parametrize("name", RENDERED)
@pytest.mark.parametrize("service", SERVICES)
def test_every_required_setting_is_set_in_the_deployment(
    rendered: dict[str, list[dict[str, Any]]], name: str, service: str
) -> None:
    docs = rendered[name]
    cls = SERVICES[service]
    env = container_env(docs, objects(docs, "Deployment")[service])
    missing = sorted(required_env(cls) - env.sources.keys())
    assert not missing, f"{name}/{service} does not set {missing}"
    for var in required_env(cls):
        assert not env.sources[var].optional, f"{var} is required but referenced as optional"
        if env.sources[var].kind != "secret":
            assert env.sources[var].value, f"{var} is empty"


@pytest.mark.parametrize("name", RENDERED)
@pytest.mark.parametrize("service", SERVICES)
def test_every_variable_set_is_a_setting_the_service_reads(
    rendered: dict[str, list[dict[str, Any]]], name: str, service: str
) -> None:
    # The settings ignore unknown variables (extra="ignore"): a misspelt name would be
    # silently dropped, so it is caught here.
    docs = rendered[name]
    env = container_env(docs, objects(docs, "Deployment")[service])
    unknown = sorted(set(env.sources) - known_env(SERVICES[service]))
    assert not unknown, f"{name}/{service} sets variables no setting reads: {unknown}"


@pytest.mark.parametrize("name", RENDERED)
@pytest.mark.parametrize("service", SERVICES)
def test_secrets_come_from_secret_references_only(
    rendered: dict[str, list[dict[str, Any]]], name: str, service: str
) -> None:
    docs = rendered[name]
    cls = SERVICES[service]
    deployment = objects(docs, "Deployment")[service]
    env = container_env(docs, deployment)
    for var in sorted(secret_env(cls)):
        source = env.sources.get(var)
        assert source is not None, f"{name}/{service}: secret setting {var} is not referenced"
        assert source.kind == "secret", f"{name}/{service}: {var} comes from a {source.kind}"
        assert source.ref == (f"{service}-secrets", var)
    # No credential-looking value in any ConfigMap either.
    for cm in objects(docs, "ConfigMap").values():
        for key in cm.get("data", {}):
            assert not re.search(r"PASSWORD|TOKEN|SECRET|MONGODB_URL", key), (cm["metadata"], key)


@pytest.mark.parametrize("name", RENDERED)
@pytest.mark.parametrize("service", SERVICES)
def test_the_settings_load_from_the_manifest_environment(
    rendered: dict[str, list[dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    service: str,
) -> None:
    docs = rendered[name]
    cls = SERVICES[service]
    deployment = objects(docs, "Deployment")[service]
    settings = load_with_env(
        monkeypatch, cls, container_env(docs, deployment).values(DUMMY_SECRETS)
    )
    assert settings.http_host == "0.0.0.0"
    assert settings.http_port == container(deployment)["ports"][0]["containerPort"]
    if name == "prod":
        assert settings.kafka.security_protocol == "SASL_SSL"
        assert settings.kafka.sasl_mechanism == "SCRAM-SHA-512"
        assert settings.kafka.sasl_username == f"voronka-{service}"
        assert settings.kafka.sasl_password is not None
        assert settings.mongodb.tls is True
    else:
        assert settings.kafka.security_protocol == "PLAINTEXT"


def test_prod_mounts_the_ca_bundles_and_requires_the_kafka_password_and_api_keys(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    docs = rendered["prod"]
    for service in SERVICES:
        deployment = objects(docs, "Deployment")[service]
        env = container_env(docs, deployment)
        cafile = env.sources["KAFKA_SSL_CAFILE"].value
        assert cafile is not None
        mounts = [m["mountPath"] for m in container(deployment)["volumeMounts"]]
        assert any(cafile.startswith(m + "/") for m in mounts), (service, cafile, mounts)
        assert "/etc/voronka/mongodb-ca" in mounts
        assert env.sources["KAFKA_SASL_PASSWORD"].optional is False
        assert env.sources["API_KEYS"].optional is False
        assert env.sources["API_KEYS"].kind == "secret"


@pytest.mark.parametrize("name", OVERLAYS)
def test_every_secret_reference_is_documented_in_the_example(
    rendered: dict[str, list[dict[str, Any]]], name: str
) -> None:
    example = {
        d["metadata"]["name"]: set(d.get("stringData", {})) | set(d.get("data", {}))
        for d in yaml.safe_load_all(SECRET_EXAMPLE.read_text())
        if d
    }
    referenced: set[tuple[str, str]] = set()
    for deployment in objects(rendered[name], "Deployment").values():
        for var in container(deployment).get("env", []):
            ref = var.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                referenced.add((ref["name"], ref["key"]))
        for volume in deployment["spec"]["template"]["spec"]["volumes"]:
            if "secret" in volume:
                for item in volume["secret"].get("items", []):
                    referenced.add((volume["secret"]["secretName"], item["key"]))
    undocumented = sorted(ref for ref in referenced if ref[1] not in example.get(ref[0], set()))
    assert not undocumented, f"not in {SECRET_EXAMPLE.relative_to(ROOT)}: {undocumented}"


def test_the_secret_example_is_no_part_of_any_kustomization() -> None:
    for kustomization in K8S.rglob("kustomization.yaml"):
        spec = yaml.safe_load(kustomization.read_text())
        entries = [*spec.get("resources", []), *spec.get("components", [])]
        entries += [p["path"] for p in spec.get("patches", []) if "path" in p]
        entries += [g for gen in spec.get("secretGenerator", []) for g in gen.get("files", [])]
        assert not any("secret.example" in entry for entry in entries), kustomization
        assert "secretGenerator" not in spec, f"{kustomization}: Secrets are never generated"


@pytest.mark.parametrize("name", OVERLAYS)
def test_overlays_pin_image_tags(rendered: dict[str, list[dict[str, Any]]], name: str) -> None:
    images = []
    for doc in rendered[name]:
        if doc["kind"] in ("Deployment", "Job"):
            images += [c["image"] for c in doc["spec"]["template"]["spec"]["containers"]]
    assert images
    for image in images:
        repository, _, tag = image.rpartition(":")
        assert repository and "/" not in tag and tag not in ("", "latest"), image
    if name == "prod":
        assert all(image.startswith("registry.example.com/voronka/") for image in images)


# --- Strimzi topics -----------------------------------------------------------------------

DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
STRIMZI_TOPIC_SPEC_FIELDS = {"topicName", "partitions", "replicas", "config"}


def _check_kafka_topics(docs: list[dict[str, Any]]) -> None:
    topics = [d for d in docs if d["kind"] == "KafkaTopic"]
    by_topic = {d["spec"]["topicName"]: d for d in topics}
    assert len(by_topic) == len(topics), "a topic is declared twice"
    expected = {spec.name: spec for spec in TOPIC_SPECS}
    assert set(by_topic) == set(expected), {
        "missing": sorted(set(expected) - set(by_topic)),
        "extra": sorted(set(by_topic) - set(expected)),
    }
    names = [d["metadata"]["name"] for d in topics]
    assert len(set(names)) == len(names)
    for topic_name, doc in by_topic.items():
        spec = expected[topic_name]
        assert doc["apiVersion"] == "kafka.strimzi.io/v1beta2"
        name = doc["metadata"]["name"]
        assert DNS_SUBDOMAIN.match(name) and len(name) <= 253, name
        assert doc["metadata"]["labels"]["strimzi.io/cluster"]
        assert set(doc["spec"]) <= STRIMZI_TOPIC_SPEC_FIELDS, doc["spec"].keys()
        assert doc["spec"]["partitions"] == spec.partitions, topic_name
        assert int(doc["spec"]["config"]["retention.ms"]) == spec.retention_ms, topic_name
        assert doc["spec"]["config"]["cleanup.policy"] == spec.cleanup_policy, topic_name
        assert isinstance(doc["spec"]["replicas"], int) and doc["spec"]["replicas"] >= 1
        isr = int(doc["spec"]["config"].get("min.insync.replicas", 1))
        assert isr <= doc["spec"]["replicas"], topic_name


def test_strimzi_topics_match_topic_specs_exactly() -> None:
    _check_kafka_topics([d for d in yaml.safe_load_all(STRIMZI_TOPICS.read_text()) if d])


def test_prod_renders_the_strimzi_topics(rendered: dict[str, list[dict[str, Any]]]) -> None:
    _check_kafka_topics(rendered["prod"])
    namespaces = {d["metadata"].get("namespace") for d in rendered["prod"]} - {None}
    assert namespaces == {"voronka"}


def test_strimzi_topics_file_is_what_the_generator_prints() -> None:
    result = subprocess.run(
        [sys.executable, str(DEPLOY / "tools" / "strimzi_topics.py")],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout == STRIMZI_TOPICS.read_text(), (
        "regenerate: uv run python deploy/tools/strimzi_topics.py > "
        f"{STRIMZI_TOPICS.relative_to(ROOT)}"
    )


# --- Dockerfile ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction with its continuation lines joined."""

    keyword: str
    args: str


def dockerfile_instructions(text: str) -> list[Instruction]:
    """Split a Dockerfile into instructions (comments dropped, `\\` continuations joined)."""
    out: list[Instruction] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = pending + line
        pending = ""
        keyword, _, args = full.partition(" ")
        out.append(Instruction(keyword.upper(), args.strip()))
    return out


def stages(instructions: list[Instruction]) -> list[list[Instruction]]:
    """Instructions grouped by build stage (each starts with FROM)."""
    out: list[list[Instruction]] = []
    for ins in instructions:
        if ins.keyword == "FROM":
            out.append([])
        if out:
            out[-1].append(ins)
    return out


@pytest.fixture(scope="module")
def dockerfile() -> list[Instruction]:
    """The one Dockerfile of every service image."""
    return dockerfile_instructions(DOCKERFILE.read_text())


def test_the_dockerfile_is_multi_stage_on_slim_python_311(dockerfile: list[Instruction]) -> None:
    parts = stages(dockerfile)
    assert len(parts) >= 2
    base_arg = next(
        i for i in dockerfile if i.keyword == "ARG" and i.args.startswith("PYTHON_IMAGE=")
    )
    image = base_arg.args.split("=", 1)[1]
    assert re.fullmatch(r"python:3\.11(\.\d+)?-slim(-\w+)?", image), image
    assert all(stage[0].args.startswith("${PYTHON_IMAGE}") for stage in parts)


def test_the_image_builds_one_service_from_the_workspace_lock(
    dockerfile: list[Instruction],
) -> None:
    build = " ".join(i.args for i in stages(dockerfile)[0])
    assert any(i.keyword == "ARG" and i.args == "SERVICE" for i in stages(dockerfile)[0])
    syncs = [i.args for i in stages(dockerfile)[0] if i.keyword == "RUN" and "uv sync" in i.args]
    assert syncs, "no `uv sync` in the build stage"
    for sync in syncs:
        assert "--frozen" in sync and "--no-dev" in sync, sync
        assert '--package "voronka-${SERVICE}"' in sync, sync
    assert "uv.lock" in build


def test_the_runtime_image_is_non_root_with_a_healthcheck(dockerfile: list[Instruction]) -> None:
    runtime = stages(dockerfile)[-1]
    users = [i.args for i in runtime if i.keyword == "USER"]
    assert users, "the runtime stage has no USER"
    user = users[-1].split(":")[0]
    assert user == "10001", "run as the numeric uid the manifests pin (runAsUser: 10001)"
    healthchecks = [i.args for i in runtime if i.keyword == "HEALTHCHECK"]
    assert len(healthchecks) == 1
    assert "python" in healthchecks[0] and "healthcheck.py" in healthchecks[0]
    probe = (DEPLOY / "docker" / "healthcheck.py").read_text()
    assert "urllib.request" in probe and "/healthz" in probe
    assert "curl" not in healthchecks[0] and "wget" not in healthchecks[0]
    env = " ".join(i.args for i in runtime if i.keyword == "ENV")
    assert "SERVICE=${SERVICE}" in env and "PYTHONDONTWRITEBYTECODE=1" in env
    entrypoint = [i.args for i in runtime if i.keyword == "ENTRYPOINT"]
    cmd = [i.args for i in runtime if i.keyword == "CMD"]
    assert entrypoint and json.loads(entrypoint[-1]) == ["/usr/local/bin/voronka-entrypoint"]
    assert cmd and json.loads(cmd[-1]) == ["serve"]


def _dockerignore_rules() -> list[tuple[bool, re.Pattern[str]]]:
    rules = []
    for raw in (ROOT / ".dockerignore").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        include = line.startswith("!")
        pattern = line.lstrip("!").strip("/")
        regex = ""
        i = 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                regex += "(?:.*/)?"
                i += 3
            elif pattern.startswith("**", i):
                regex += ".*"
                i += 2
            elif pattern[i] == "*":
                regex += "[^/]*"
                i += 1
            elif pattern[i] == "?":
                regex += "[^/]"
                i += 1
            else:
                regex += re.escape(pattern[i])
                i += 1
        # A pattern that names a directory also covers everything below it.
        rules.append((include, re.compile(f"^{regex}(?:/.*)?$")))
    return rules


def in_build_context(path: str) -> bool:
    """Whether .dockerignore lets `path` (relative to the root) into the build context."""
    included = True
    for include, regex in _dockerignore_rules():
        if regex.match(path):
            included = include
    return included


def test_every_copied_file_is_in_the_build_context(dockerfile: list[Instruction]) -> None:
    copies = [i.args for i in dockerfile if i.keyword == "COPY" and "--from=" not in i.args]
    assert copies
    for args in copies:
        sources = [a for a in args.split() if not a.startswith("--")][:-1]
        for service in SERVICES:
            for source in sources:
                path = ROOT / source.replace("${SERVICE}", service)
                assert path.exists(), source
                files = [path] if path.is_file() else [p for p in path.rglob("*.py")]
                assert files, source
                for file in files:
                    rel = file.relative_to(ROOT).as_posix()
                    assert in_build_context(rel), f"{rel} is excluded by .dockerignore"
    for excluded in ("tests/deploy/test_deploy_manifests.py", ".venv/x", ".cache/bin/kustomize"):
        assert not in_build_context(excluded), excluded
    assert not in_build_context("services/leads/tests/unit/test_x.py")


def _run_entrypoint(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    fake = tmp_path / "bin"
    fake.mkdir(exist_ok=True)
    python = fake / "python"
    python.write_text('#!/bin/sh\necho "argv=$*" "host=${LEADS_HTTP_HOST:-}"\n')
    python.chmod(0o755)
    return subprocess.run(
        ["sh", str(DEPLOY / "docker" / "entrypoint.sh"), *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        env={"PATH": f"{fake}:/usr/bin:/bin", **env},
    )


def test_the_entrypoint_runs_the_service_the_image_was_built_for(tmp_path: Path) -> None:
    served = _run_entrypoint(tmp_path, "serve", SERVICE="leads")
    assert served.returncode == 0, served.stderr
    assert served.stdout.strip() == "argv=-m leads host=0.0.0.0"
    job = _run_entrypoint(
        tmp_path, "python", "-m", "shared.platform.topics", SERVICE="leads", LEADS_HTTP_HOST="::"
    )
    assert job.stdout.strip() == "argv=-m shared.platform.topics host=::"
    wrong = _run_entrypoint(tmp_path, "serve", SERVICE="billing")
    assert wrong.returncode == 2 and "SERVICE must be" in wrong.stderr


@pytest.fixture
def healthz_server() -> Iterator[int]:
    """A loopback HTTP server answering GET /healthz with 200 (everything else 404)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/healthz" else 404)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_the_healthcheck_probes_the_service_port(healthz_server: int) -> None:
    probe = str(DEPLOY / "docker" / "healthcheck.py")

    def run(**env: str) -> int:
        return subprocess.run(
            [sys.executable, probe], env=env, capture_output=True, timeout=30, check=False
        ).returncode

    assert run(SERVICE="deals", DEALS_HTTP_PORT=str(healthz_server), DEALS_HTTP_HOST="0.0.0.0") == 0
    with HTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler) as closed:
        free_port = closed.server_address[1]
    assert run(SERVICE="deals", DEALS_HTTP_PORT=str(free_port)) == 1


# --- compose stack ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stack() -> dict[str, Any]:
    """deploy/compose/stack.yml, anchors and merge keys resolved."""
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose" / "stack.yml").read_text())
    return loaded


def test_the_stack_runs_kafka_kraft_and_a_mongodb_replica_set(stack: dict[str, Any]) -> None:
    services = stack["services"]
    kafka = services["kafka"]
    assert kafka["image"] == "apache/kafka:4.0.0"
    assert kafka["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "healthcheck" in kafka
    mongodb = services["mongodb"]
    assert mongodb["image"] == "mongo:7"
    assert "--replSet" in mongodb["command"]
    assert "rs.initiate" in " ".join(mongodb["healthcheck"]["test"])


def test_the_stack_creates_topics_from_the_leads_image(stack: dict[str, Any]) -> None:
    job = stack["services"]["topic-init"]
    assert job["build"]["args"] == {"SERVICE": "leads"}
    assert job["command"][:3] == ["python", "-m", "shared.platform.topics"]
    assert job["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert job["restart"] == "no"


@pytest.mark.parametrize("service", SERVICES)
def test_the_stack_builds_and_wires_each_service(
    stack: dict[str, Any], monkeypatch: pytest.MonkeyPatch, service: str
) -> None:
    spec = stack["services"][service]
    compose_dir = DEPLOY / "compose"
    assert (compose_dir / spec["build"]["context"]).resolve() == ROOT
    assert (ROOT / spec["build"]["dockerfile"]).resolve() == DOCKERFILE
    assert spec["build"]["args"] == {"SERVICE": service}
    assert spec["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert spec["depends_on"]["mongodb"]["condition"] == "service_healthy"
    assert spec["depends_on"]["topic-init"]["condition"] == "service_completed_successfully"
    assert spec["read_only"] is True and spec["cap_drop"] == ["ALL"]

    cls = SERVICES[service]
    env = {k: str(v) for k, v in spec["environment"].items()}
    assert not sorted(required_env(cls) - env.keys())
    assert not sorted(set(env) - known_env(cls)), "variables no setting reads"
    settings = load_with_env(monkeypatch, cls, env)
    assert settings.http_host == "0.0.0.0"
    assert f"127.0.0.1:{settings.http_port}:{settings.http_port}" in spec["ports"]
