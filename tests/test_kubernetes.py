"""deploy/kubernetes/ checked without a cluster: every manifest against the schemas kubernetes-validate
bundles (strict: an unknown or misspelt field fails), then against the code: the probes and ports the
services have, the settings contract, the migrations job compose runs, the Dockerfile's user, the
partitions the consumers share, and the Ingress's routes matched the way an Ingress matches them,
against deploy/routes.py and the paths the apps serve (tests/routing.py)."""

from __future__ import annotations

import copy
import importlib
import os
import re
import shlex
import tomllib
from functools import cache
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
import yaml

from deploy.routes import DEFAULT, ROUTES, route_of
from shared.settings import CONFIG_VARIABLES, Settings
from tests.routing import SERVICES, sample_paths

ROOT = Path(__file__).resolve().parent.parent
MANIFESTS = ROOT / "deploy" / "kubernetes"
KUBERNETES_VERSION = "1.33"
"""A version kubernetes-validate bundles the schemas of, and the oldest the manifests are meant for."""
SECRET_VARIABLES = {"DATABASE_URL", "SECRET_KEY", "STAFF_TOKENS", "SMTP_PASSWORD", "PERSONAL_DATA_KEY"}
REQUESTS = {"cpu": "100m", "memory": "128Mi"}
LIMITS = {"cpu": "1", "memory": "256Mi"}


@cache
def documents() -> list[tuple[str, dict]]:
    """Every document of deploy/kubernetes/ (read once: do not change them, copy)."""
    found = []
    for path in sorted(MANIFESTS.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            found += [(path.name, doc) for doc in yaml.safe_load_all(path.read_text()) if doc]
    return found


def resource(kind: str, name: str) -> dict:
    matching = [doc for _, doc in documents() if doc["kind"] == kind and doc["metadata"]["name"] == name]
    assert len(matching) == 1, f"deploy/kubernetes/ should hold one {kind} {name}, holds {len(matching)}"
    return matching[0]


def container(deployment: dict) -> dict:
    [only] = deployment["spec"]["template"]["spec"]["containers"]
    return only


@pytest.mark.parametrize(("file", "document"), documents(), ids=lambda v: v if isinstance(v, str) else v["kind"])
def test_every_manifest_is_valid_for_kubernetes(file, document):
    kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
    assert document["metadata"].get("namespace", "pactesur") == "pactesur" or document["kind"] == "Namespace"


def test_the_validation_would_catch_a_misspelt_field():
    deployment = copy.deepcopy(resource("Deployment", "registration"))
    deployment["spec"]["replica"] = 2
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_the_kustomization_applies_every_manifest_with_the_one_image():
    kustomization = yaml.safe_load((MANIFESTS / "kustomization.yaml").read_text())
    files = {path.name for path in MANIFESTS.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files, "list every manifest in kustomization.yaml, and only those"
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    [image] = kustomization["images"]
    workloads = [resource("Deployment", name) for name in SERVICES] + [resource("Job", "pactesur-migrations")]
    for workload in workloads:
        for spec in workload["spec"]["template"]["spec"]["containers"]:
            assert spec["image"] == f"{image['name']}:{version}", "one image, tagged with the project's version"
    assert image["newTag"] == version


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_is_deployed_with_its_probes_port_and_resources(name):
    deployment = resource("Deployment", name)
    pod = deployment["spec"]["template"]["spec"]
    spec = container(deployment)
    port = Settings.model_fields[f"{name}_port"].default
    assert spec["command"] == ["python", "-m", f"services.{name}"]
    assert spec["ports"] == [{"name": "http", "containerPort": port}]
    probes = {kind: spec[kind]["httpGet"] for kind in ("readinessProbe", "livenessProbe", "startupProbe")}
    assert probes["readinessProbe"] == {"path": "/health/ready", "port": "http"}
    assert probes["livenessProbe"] == probes["startupProbe"] == {"path": "/health/live", "port": "http"}
    assert spec["resources"] == {"requests": REQUESTS, "limits": LIMITS}, "the bench's figures (see the comment)"
    assert pod["enableServiceLinks"] is False, (
        f"Kubernetes would set {name.upper()}_PORT=tcp://… for the Service {name}, over the setting"
    )
    assert "replicas" not in deployment["spec"], "the autoscaler owns the replica count"
    assert (
        deployment["spec"]["selector"]["matchLabels"].items()
        <= deployment["spec"]["template"]["metadata"]["labels"].items()
    )


@pytest.mark.parametrize("kind", ["Deployment", "Job"])
def test_the_pods_run_as_the_images_user_without_privileges(kind):
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    uid, _, gid = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)[-1].partition(":")
    names = SERVICES if kind == "Deployment" else ("pactesur-migrations",)
    for name in names:
        pod = resource(kind, name)["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert (str(pod["securityContext"]["runAsUser"]), str(pod["securityContext"]["runAsGroup"])) == (uid, gid)
        for spec in pod["containers"]:
            context = spec["securityContext"]
            assert context["allowPrivilegeEscalation"] is False and context["readOnlyRootFilesystem"] is True
            assert context["capabilities"] == {"drop": ["ALL"]}
        assert resource("Namespace", "pactesur")["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == (
            "restricted"
        )


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_has_a_service_a_disruption_budget_and_an_autoscaler(name):
    labels = resource("Deployment", name)["spec"]["template"]["metadata"]["labels"]
    service = resource("Service", name)
    assert service["spec"]["selector"].items() <= labels.items()
    assert service["spec"]["ports"] == [
        {"name": "http", "port": Settings.model_fields[f"{name}_port"].default, "targetPort": "http"}
    ], "the Service keeps the service's port, so the internal URLs are http://<name>:<port>"
    budget = resource("PodDisruptionBudget", name)
    assert budget["spec"]["selector"]["matchLabels"].items() <= labels.items()
    autoscaler = resource("HorizontalPodAutoscaler", name)["spec"]
    assert autoscaler["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
    assert budget["spec"]["minAvailable"] < autoscaler["minReplicas"], "a drain must be able to proceed"
    [metric] = autoscaler["metrics"]
    assert metric["type"] == "Resource" and metric["resource"]["name"] == "cpu"
    consumes = importlib.import_module(f"services.{name}.__main__").SERVICE.consumes
    if consumes is not None:
        partitions = max(topic.partitions for topic in consumes.topics)
        assert autoscaler["maxReplicas"] <= partitions, (
            f"{name}: more replicas than the {partitions} partitions it reads would sit idle as consumers"
        )


def settings_in_the_cluster() -> Settings:
    config = resource("ConfigMap", "pactesur-settings")["data"]
    secret = resource("Secret", "pactesur-secrets")["stringData"]
    secret = {**secret, "DATABASE_URL": "postgresql://u@db/p", "SECRET_KEY": "k" * 32}
    with mock.patch.dict(os.environ):
        for name in CONFIG_VARIABLES:
            os.environ.pop(name, None)
        return Settings(**{name.lower(): value for name, value in {**config, **secret}.items()})


def test_the_settings_follow_the_contract_and_the_secrets_stay_secret():
    config = resource("ConfigMap", "pactesur-settings")["data"]
    secret = resource("Secret", "pactesur-secrets")["stringData"]
    unknown = (set(config) | set(secret)) - set(CONFIG_VARIABLES)
    assert not unknown, f"{sorted(unknown)}: not read by shared.settings"
    assert not SECRET_VARIABLES & set(config), "secrets go in the Secret, not the ConfigMap"
    assert {"DATABASE_URL", "SECRET_KEY"} <= set(secret)
    assert not any(secret.values()), "no placeholder secret: empty values stop the services until filled in"
    settings = settings_in_the_cluster()
    assert (settings.kafka_replication_factor, settings.kafka_min_insync_replicas) == (3, 2)
    assert settings.service_processes == 1 and settings.bind_host == "0.0.0.0"
    for name in ("scheduling", "notifications"):
        url = urlsplit(settings.internal_url_of(name))
        assert (url.hostname, url.port) == (name, Settings.model_fields[f"{name}_port"].default), (
            f"registration calls {name} through its Service"
        )


def test_the_migrations_job_runs_what_the_compose_job_runs():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    job = resource("Job", "pactesur-migrations")["spec"]
    assert job["template"]["spec"]["restartPolicy"] in {"OnFailure", "Never"}
    [spec] = job["template"]["spec"]["containers"]
    assert shlex.split(" ".join(spec["command"])) == shlex.split(" ".join(compose["services"]["migrations"]["command"]))
    for name in SERVICES:
        assert f"python -m services.{name} migrate" in spec["command"][-1]
    assert spec["envFrom"] == container(resource("Deployment", "registration"))["envFrom"]


# ---- the Ingress ----


@cache
def ingress_paths() -> list[tuple[str, str, str]]:
    """(path, pathType, service) of every rule of the Ingress."""
    ingress = resource("Ingress", "pactesur")
    [rule] = ingress["spec"]["rules"]
    found = []
    for entry in rule["http"]["paths"]:
        backend = entry["backend"]["service"]
        assert backend["port"] == {"name": "http"}, "to the Service's named port"
        found.append((entry["path"], entry["pathType"], backend["name"]))
    return found


def ingress_route_of(path: str) -> str | None:
    """Kubernetes' matching: Exact equals; Prefix by whole path elements; the longest wins, Exact first."""

    def matches(rule_path: str, kind: str) -> bool:
        if kind == "Exact":
            return path == rule_path
        elements, wanted = path.strip("/").split("/"), [e for e in rule_path.strip("/").split("/") if e]
        return elements[: len(wanted)] == wanted

    matching = [(len(p), kind == "Exact", service) for p, kind, service in ingress_paths() if matches(p, kind)]
    return max(matching)[2] if matching else None


def test_the_ingress_routes_every_path_as_the_route_table_does():
    wrong = {path: (ingress_route_of(path), route_of(path)) for path in sample_paths()}
    wrong = {path: pair for path, pair in wrong.items() if pair[0] != pair[1]}
    assert not wrong, f"deploy/kubernetes/ingress.yaml and deploy/routes.py disagree (Ingress, table): {wrong}"


def test_the_ingress_lists_the_route_table_and_the_default():
    wanted = [(r.path, "Exact" if r.exact else "Prefix", r.service) for r in ROUTES] + [("/", "Prefix", DEFAULT)]
    assert sorted(ingress_paths()) == sorted(wanted)
    for _, _, service in ingress_paths():
        resource("Service", service)


def test_the_ingress_host_is_where_the_links_point():
    ingress = resource("Ingress", "pactesur")["spec"]
    public = urlsplit(str(settings_in_the_cluster().public_base_url))
    [rule] = ingress["rules"]
    assert rule["host"] == public.hostname and public.scheme == "https"
    assert any(public.hostname in tls["hosts"] for tls in ingress["tls"])
    for name in SERVICES:
        assert settings_in_the_cluster().public_url_of(name) == str(public.geturl()).rstrip("/"), (
            f"{name}'s pages and links are under the Ingress's host too"
        )
