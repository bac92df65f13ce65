"""deploy/k8s: each overlay renders, every manifest is valid for the Kubernetes version below, and the
pieces fit: every setting each service's settings class reads is given by its ConfigMaps and Secrets (and
parses), every ConfigMap and Secret referred to exists, every Service selects a Deployment's pods, the probes
ask the health routes the services serve."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from pydantic import AliasChoices

from services.catalog import BACKEND_SERVICES, CATALOG
from shared.keys import generate_keypair
from shared.observability import health_router
from shared.settings import ServiceSettings
from tests.harness import patched_environment
from tests.kustomize import Manifest, kustomize_command, render, render_in_python

K8S = Path(__file__).resolve().parents[1] / "deploy" / "k8s"
KUBERNETES_VERSION = "1.32.0"
OPERATOR_KINDS = {"Cluster": "postgresql.cnpg.io/v1", "RabbitmqCluster": "rabbitmq.com/v1beta1"}
"""Custom resources kubernetes-validate has no schema for; checked by `_check_operator_resource`."""
SUITE_WIDE = {"database_url": "DATABASE_URL", "broker_url": "BROKER_URL", "jwt_public_key": "JWT_PUBLIC_KEY",
              "jwt_private_key": "JWT_PRIVATE_KEY"}
"""Settings read, when their prefixed name is unset, under a suite-wide name (shared/settings.py and
services/gateway/settings.py)."""
MIGRATE_READS = ("database_url", "broker_url")
"""What `python -m services.migrate` reads of each service's settings (services/catalog.py, migrate.py)."""
VARIABLE = re.compile(r"\$\((\w+)\)")


@pytest.fixture(scope="module")
def deployable(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of deploy/k8s with the files the overlays keep out of git made from their examples."""
    copy = tmp_path_factory.mktemp("k8s") / "k8s"
    shutil.copytree(K8S, copy)
    for example in copy.glob("overlays/*/*.env.example"):
        example.with_suffix("").write_text(re.sub(r"(?m)^(\w+)=$", r"\1=0123456789abcdef", example.read_text()))
    keys = copy / "overlays" / "production" / "keys"
    keys.mkdir()
    pair = generate_keypair()
    (keys / "jwt_private.pem").write_text(pair.private_pem)
    (keys / "jwt_public.pem").write_text(pair.public_pem)
    return copy


@pytest.fixture(scope="module", params=["dev", "production", "managed"])
def overlay(request: pytest.FixtureRequest, deployable: Path) -> Path:
    return deployable / "overlays" / request.param


@pytest.fixture(scope="module")
def manifests(overlay: Path) -> list[Manifest]:
    return render(overlay)


def _of_kind(manifests: list[Manifest], kind: str) -> dict[str, Manifest]:
    return {manifest["metadata"]["name"]: manifest for manifest in manifests if manifest["kind"] == kind}


def _workloads(manifests: list[Manifest]) -> list[Manifest]:
    return [manifest for manifest in manifests if manifest["kind"] in {"Deployment", "Job"}]


def _container(workload: Manifest) -> dict[str, Any]:
    containers: list[dict[str, Any]] = workload["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, workload["metadata"]["name"]
    return containers[0]


def _secrets(manifests: list[Manifest]) -> dict[str, dict[str, str]]:
    """Each Secret's values: the overlays' own and those the operators make (the RabbitmqCluster's
    default user), which hold placeholders here."""
    secrets = {name: {**{key: base64.b64decode(value).decode() for key, value in secret.get("data", {}).items()},
                      **secret.get("stringData", {})}
               for name, secret in _of_kind(manifests, "Secret").items()}
    for name in _of_kind(manifests, "RabbitmqCluster"):
        secrets[f"{name}-default-user"] = {"username": "operator-made", "password": "operator-made"}
    return secrets


def _environment(workload: Manifest, manifests: list[Manifest]) -> dict[str, str]:
    """The container's environment as the kubelet makes it: envFrom first, then env, `$(VAR)` expanded."""
    config_maps, secrets = _of_kind(manifests, "ConfigMap"), _secrets(manifests)
    container, environment = _container(workload), {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            environment.update(config_maps[source["configMapRef"]["name"]]["data"])
        else:
            environment.update(secrets[source["secretRef"]["name"]])
    for variable in container.get("env", []):
        if "value" in variable:
            environment[variable["name"]] = VARIABLE.sub(lambda match: environment[match[1]], variable["value"])
        elif "secretKeyRef" in variable["valueFrom"]:
            reference = variable["valueFrom"]["secretKeyRef"]
            environment[variable["name"]] = secrets[reference["name"]][reference["key"]]
        else:
            reference = variable["valueFrom"]["configMapKeyRef"]
            environment[variable["name"]] = config_maps[reference["name"]]["data"][reference["key"]]
    return environment


def _names(settings_type: type[ServiceSettings], field: str) -> set[str]:
    """The environment variables any of which gives a setting."""
    alias = settings_type.model_fields[field].validation_alias
    if isinstance(alias, AliasChoices):
        names = {str(choice) for choice in alias.choices}
    else:
        names = {settings_type.model_config.get("env_prefix", "") + field.upper()}
    return names | ({SUITE_WIDE[field]} if field in SUITE_WIDE else set())


def _deployment_of(service: str, manifests: list[Manifest]) -> Manifest:
    deployments = [deployment for deployment in _of_kind(manifests, "Deployment").values()
                   if {"name": "SERVICE", "value": service} in _container(deployment).get("env", [])]
    assert len(deployments) == 1, service
    return deployments[0]


def _check_operator_resource(manifest: Manifest) -> None:
    assert manifest["apiVersion"] == OPERATOR_KINDS[manifest["kind"]]
    spec = manifest["spec"]
    if manifest["kind"] == "Cluster":
        assert spec["instances"] >= 1
        assert spec["bootstrap"]["initdb"]["database"]
        assert spec["bootstrap"]["initdb"]["owner"]
    else:
        assert spec["replicas"] >= 1


def test_every_manifest_is_valid_for_the_kubernetes_version(manifests: list[Manifest]) -> None:
    for manifest in manifests:
        if manifest["kind"] in OPERATOR_KINDS:
            _check_operator_resource(manifest)
        else:
            kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
    assert {manifest["kind"] for manifest in manifests} >= {
        "Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy", "Job",
        "ConfigMap", "Secret"}


def test_every_setting_a_service_reads_is_given_and_parses(manifests: list[Manifest]) -> None:
    for name, entry in CATALOG.items():
        environment = _environment(_deployment_of(name, manifests), manifests)
        missing = [field for field in entry.settings_type.model_fields
                   if not _names(entry.settings_type, field) & set(environment)]
        assert missing == [], name
        with patched_environment(environment):
            settings = entry.settings_type()
        assert settings.resolved_database_url().startswith("postgresql+asyncpg://")
        assert (settings.resolved_broker_url() or "").startswith("amqp://")


def test_the_migrate_job_runs_the_migrations_with_every_service_database(manifests: list[Manifest]) -> None:
    job = _of_kind(manifests, "Job")["migrate"]
    assert _container(job)["command"] == ["python", "-m", "services.migrate"]
    environment = _environment(job, manifests)
    for entry in CATALOG.values():
        assert all(_names(entry.settings_type, field) & set(environment) for field in MIGRATE_READS)


def test_every_config_map_and_secret_referred_to_exists(manifests: list[Manifest]) -> None:
    config_maps, secrets = _of_kind(manifests, "ConfigMap"), _secrets(manifests)
    for workload in _workloads(manifests):
        container = _container(workload)
        for source in container.get("envFrom", []):
            existing = config_maps if "configMapRef" in source else secrets
            assert (source.get("configMapRef") or source["secretRef"])["name"] in existing
        for variable in container.get("env", []):
            reference = variable.get("valueFrom", {}).get("secretKeyRef")
            if reference and not reference.get("optional"):
                assert reference["key"] in secrets[reference["name"]], (workload["metadata"]["name"], reference)
    for cluster in _of_kind(manifests, "Cluster").values():
        assert {"username", "password"} <= set(secrets[cluster["spec"]["bootstrap"]["initdb"]["secret"]["name"]])


def test_every_service_selects_a_deployment_and_its_port(manifests: list[Manifest]) -> None:
    deployments = _of_kind(manifests, "Deployment").values()
    for name, service in _of_kind(manifests, "Service").items():
        selector = service["spec"]["selector"].items()
        selected = [deployment for deployment in deployments
                    if selector <= deployment["spec"]["template"]["metadata"]["labels"].items()]
        assert len(selected) == 1, name
        ports = {port["name"] for port in _container(selected[0])["ports"]}
        assert {port["targetPort"] for port in service["spec"]["ports"]} <= ports


def test_every_deployment_is_a_service_with_probes_on_the_health_routes(manifests: list[Manifest]) -> None:
    routes = {route.path for route in health_router(lambda request: {}).routes}  # type: ignore[attr-defined]
    for name in CATALOG:
        container = _container(_deployment_of(name, manifests))
        assert container["livenessProbe"]["httpGet"]["path"] == "/health/live" in routes
        assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready" in routes
        assert container["resources"]["requests"]
        assert container["resources"]["limits"]
    assert len(_of_kind(manifests, "Deployment")) == len(CATALOG)


def test_the_gateway_and_brokerage_scale_and_every_service_has_a_disruption_budget(
        manifests: list[Manifest]) -> None:
    deployments = _of_kind(manifests, "Deployment")
    targets = {hpa["spec"]["scaleTargetRef"]["name"] for hpa in _of_kind(manifests, "HorizontalPodAutoscaler").values()}
    assert targets == {"gateway", "brokerage"}
    budgets = _of_kind(manifests, "PodDisruptionBudget").values()
    for deployment in deployments.values():
        labels = deployment["spec"]["template"]["metadata"]["labels"].items()
        assert any(budget["spec"]["selector"]["matchLabels"].items() <= labels for budget in budgets)


def test_the_services_are_reachable_from_the_gateway_only(manifests: list[Manifest]) -> None:
    policies = _of_kind(manifests, "NetworkPolicy")
    assert policies["default-deny-ingress"]["spec"] == {"podSelector": {}, "policyTypes": ["Ingress"]}
    gateway_labels = _deployment_of("gateway", manifests)["spec"]["template"]["metadata"]["labels"].items()
    for name in BACKEND_SERVICES:
        labels = _deployment_of(name, manifests)["spec"]["template"]["metadata"]["labels"].items()
        admitting = [policy for policy in policies.values() if policy["spec"]["podSelector"].get(
            "matchLabels", {"": ""}).items() <= labels]
        peers = [peer for policy in admitting for rule in policy["spec"]["ingress"] for peer in rule["from"]]
        pod_peers = [peer["podSelector"]["matchLabels"].items() for peer in peers if "podSelector" in peer]
        assert pod_peers, name
        assert all(selector <= gateway_labels for selector in pod_peers), name
        assert all("monitoring" in str(peer["namespaceSelector"]) for peer in peers if "namespaceSelector" in peer)


def test_no_secret_value_is_committed() -> None:
    example = yaml.safe_load_all((K8S / "overlays" / "dev" / "secrets.example.yaml").read_text())
    values = [value for secret in example for key, value in secret["stringData"].items() if key != "username"]
    assert all(value == "" or value.startswith("REPLACE-") for value in values)
    ignored = (K8S.parents[1] / ".gitignore").read_text().splitlines()
    kept_out = [str(example.with_suffix("").relative_to(K8S.parents[1]))
                for example in K8S.glob("overlays/*/*.env.example")]
    assert kept_out
    assert {*kept_out, "deploy/k8s/overlays/production/keys/"} <= set(ignored)


@pytest.mark.skipif(kustomize_command() is None and not os.environ.get("CI"),
                    reason="no kubectl or kustomize to compare with (.ci/run installs kubectl)")
def test_the_python_rendering_matches_kustomize(overlay: Path, manifests: list[Manifest]) -> None:
    """The Python rendering stands in where kubectl is missing: it must give what kubectl gives, but for
    the hash suffix Kustomize puts on generated names."""
    ours = render_in_python(overlay)
    generated = {manifest["metadata"]["name"] for manifest in ours if manifest["kind"] in {"ConfigMap", "Secret"}}
    hashed = re.compile(r"\b(" + "|".join(map(re.escape, generated)) + r")-[a-z0-9]{10}\b")
    theirs = list(yaml.safe_load_all(hashed.sub(r"\1", yaml.safe_dump_all(manifests, width=1 << 16))))
    assert sorted(map(_comparable, theirs)) == sorted(map(_comparable, ours))


def _comparable(manifest: Manifest) -> tuple[str, str, str]:
    """A manifest whose Secret values are decoded: Kustomize wraps their base64 text in lines."""
    if manifest["kind"] == "Secret":
        manifest = {**manifest, "data": {key: base64.b64decode(value).decode()
                                         for key, value in manifest.get("data", {}).items()}}
    return manifest["kind"], manifest["metadata"]["name"], json.dumps(manifest, sort_keys=True)
