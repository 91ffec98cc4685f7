"""The Kubernetes manifests: valid against the Kubernetes schemas (offline), complete, and
true to the service (probes, settings, writable paths, shutdown grace)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from service.config import Settings
from tests.repository import REPO_ROOT
from tests.tools import unavailable

FOLDER = REPO_ROOT / "deploy" / "kubernetes"
KUBERNETES_VERSION = "1.30.0"  # the oldest release these manifests support (preStop sleep)
MANIFESTS = sorted(p for p in FOLDER.glob("*.yaml") if p.name != "kustomization.yaml")


def documents() -> list[dict[str, Any]]:
    return [doc for path in MANIFESTS for doc in yaml.safe_load_all(path.read_text()) if doc]


def by_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in documents() if doc["kind"] == kind}


def pod_specs() -> dict[str, dict[str, Any]]:
    workloads = {**by_kind("Deployment"), **by_kind("Job")}
    return {name: doc["spec"]["template"]["spec"] for name, doc in workloads.items()}


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda path: path.name)
def test_every_manifest_validates_against_the_kubernetes_schema(path: Path) -> None:
    for document in yaml.safe_load_all(path.read_text()):
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_the_kustomization_lists_exactly_the_manifests() -> None:
    kustomization = yaml.safe_load((FOLDER / "kustomization.yaml").read_text())
    listed = kustomization["resources"]
    assert sorted(listed) == sorted(path.name for path in MANIFESTS)
    assert len(set(listed)) == len(listed)


def test_kustomize_renders_the_base_with_the_image_tag() -> None:
    """With kubectl at hand (its built-in kustomize), the base renders and still validates."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        # not required in CI: Debian's kubectl (1.20) is too old to read the kustomization
        message = "kubectl is not installed; the kustomization's file list is checked above"
        unavailable(message, "STACKVET_REQUIRE_KUBECTL", "the render")
    rendered = subprocess.run(
        [kubectl, "kustomize", str(FOLDER)], capture_output=True, text=True, check=False
    )
    assert rendered.returncode == 0, rendered.stderr
    docs = [doc for doc in yaml.safe_load_all(rendered.stdout) if doc]
    assert len(docs) == len(documents())
    for doc in docs:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        assert doc["metadata"]["labels"]["app.kubernetes.io/part-of"] == "stackvet"
    workloads = [doc for doc in docs if doc["kind"] in {"Deployment", "Job"}]
    images = {container["image"] for doc in workloads for container in _containers(doc)}
    assert images == {"stackvet:0.1.0"}


def _containers(doc: dict[str, Any]) -> list[dict[str, Any]]:
    containers: list[dict[str, Any]] = doc["spec"]["template"]["spec"]["containers"]
    return containers


def test_the_pieces_are_all_there() -> None:
    assert set(by_kind("Deployment")) == {"stackvet-api", "stackvet-worker"}
    assert set(by_kind("Job")) == {"stackvet-migrate"}
    assert set(by_kind("Service")) == {"stackvet-api"}
    assert set(by_kind("PodDisruptionBudget")) == {"stackvet-api", "stackvet-worker"}
    hpa = by_kind("HorizontalPodAutoscaler")["stackvet-api"]
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"]["name"] == "stackvet-api"
    commands = {name: spec["containers"][0]["command"] for name, spec in pod_specs().items()}
    assert commands["stackvet-migrate"] == ["stackvet", "migrate"]
    assert commands["stackvet-worker"] == ["stackvet", "worker"]
    assert commands["stackvet-api"][:2] == ["stackvet", "serve"]


def test_the_api_is_probed_on_the_service_health_endpoints() -> None:
    (api,) = pod_specs()["stackvet-api"]["containers"]
    assert api["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert api["livenessProbe"]["httpGet"]["path"] == "/healthz"


@pytest.mark.parametrize("name", ["stackvet-api", "stackvet-worker", "stackvet-migrate"])
def test_pods_run_as_non_root_on_a_read_only_root_with_only_tmp_writable(name: str) -> None:
    spec = pod_specs()[name]
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] != 0
    volumes = {volume["name"]: volume for volume in spec["volumes"]}
    for container in spec["containers"]:
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert {"requests", "limits"} <= set(container["resources"])
        writable = {
            mount["mountPath"]
            for mount in container["volumeMounts"]
            if not mount.get("readOnly") and "emptyDir" in volumes[mount["name"]]
        }
        assert writable == {"/tmp"}
        secret_mounts = [m for m in container["volumeMounts"] if "secret" in volumes[m["name"]]]
        assert [(m["mountPath"], m.get("readOnly")) for m in secret_mounts] == [
            ("/var/run/secrets/stackvet", True)
        ]


def config() -> dict[str, str]:
    data: dict[str, str] = by_kind("ConfigMap")["stackvet-config"]["data"]
    return data


def test_every_setting_named_is_one_the_service_reads() -> None:
    settings = set(Settings.model_fields)
    named = set(config())
    for spec in pod_specs().values():
        named |= {env["name"] for c in spec["containers"] for env in c.get("env", [])}
    for variable in (name for name in named if name.startswith("STACKVET_")):
        field = variable.removeprefix("STACKVET_").lower()
        assert field in settings or field.removesuffix("_file") in settings, variable
    assert config()["STACKVET_DATABASE_URL_FILE"] == "/var/run/secrets/stackvet/database-url"
    assert config()["STACKVET_LOG_FORMAT"] == "json"


def test_pods_may_take_longer_to_stop_than_the_shutdown_grace() -> None:
    grace = int(config()["STACKVET_SHUTDOWN_GRACE_SECONDS"])
    for name in ("stackvet-api", "stackvet-worker"):
        spec = pod_specs()[name]
        assert spec["terminationGracePeriodSeconds"] > grace + 5, name


def test_prometheus_scrapes_each_deployment_where_it_serves_metrics() -> None:
    for name, deployment in by_kind("Deployment").items():
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/scrape"] == "true"
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        ports = {port["containerPort"] for port in container["ports"]}
        assert int(annotations["prometheus.io/port"]) in ports, name
    worker_env = {
        env["name"]: env["value"] for env in pod_specs()["stackvet-worker"]["containers"][0]["env"]
    }
    assert worker_env["STACKVET_METRICS_PORT"] == "9100"
