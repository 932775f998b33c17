"""docker-compose.yml and deploy/Dockerfile stay in step with the code.

Nothing here runs Docker: the compose file is parsed and checked against shared.settings and the
services' modules, so a renamed variable, module or port fails here rather than at deploy time. It
is also read the way `docker compose up --scale registration=2 --scale notifications=3` and
`docker compose --env-file deploy/cluster.env up` would read it: one public entry, services that can
be replicated, and three brokers in the `cluster` profile. The entry's routes are tests/test_deploy.py's.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import os
import re
import shlex
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

import pytest
import yaml

from shared.settings import CONFIG_VARIABLES, Settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
CLUSTER_ENV = ROOT / "deploy" / "cluster.env"
ENTRY = "entry"
CLUSTER_BROKERS = ("kafka-1", "kafka-2", "kafka-3")
SERVICES = ("registration", "scheduling", "notifications")
ONE_SHOT = {"migrations"}  # jobs that exit; they have no healthcheck and are waited for to complete
REQUIRED_APP_VARIABLES = {
    "DATABASE_URL",
    "KAFKA_BOOTSTRAP_SERVERS",
    "SMTP_HOST",
    "SMTP_PORT",
    "MAIL_FROM",
    "PUBLIC_BASE_URL",
}
VERSION_IN_TAG = re.compile(r"\d+\.\d+")
PYTHON_MODULE = re.compile(r"python -m ([\w.]+)")
INTERPOLATION = re.compile(r"\$\{(\w+)(?:(:?-)([^}]*))?\}")


@pytest.fixture(scope="module")
def compose() -> dict:
    assert COMPOSE_FILE.is_file(), f"{COMPOSE_FILE} is missing"
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose: dict) -> dict[str, dict]:
    return compose["services"]


def app_services(services: dict[str, dict]) -> dict[str, dict]:
    """The containers running our image (the three services and the migrations job)."""
    return {name: spec for name, spec in services.items() if "build" in spec}


def interpolate(value: object, given: dict[str, str] | None = None) -> str:
    """`${VAR:-default}`, `${VAR-default}`, `${VAR}` as compose fills them from `given` (a .env or
    --env-file; none: every default). `${VAR:?message}` is left as it is."""
    given = given or {}

    def fill(match: re.Match[str]) -> str:
        name, operator, default = match[1], match[2], match[3] or ""
        if operator == ":-":
            return given.get(name) or default
        return given[name] if name in given else default

    return INTERPOLATION.sub(fill, str(value))


def environment(spec: dict, given: dict[str, str] | None = None) -> dict[str, str]:
    """The service's variables as compose would set them (with no .env: `${VAR:-default}` -> default)."""
    env = spec.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {name: interpolate(value, given) for name, value in env.items()}


def env_file(path: Path) -> dict[str, str]:
    lines = [line.strip() for line in path.read_text().splitlines()]
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def published(spec: dict, given: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(host port, container port) of each `ports:` entry."""
    pairs = []
    for mapping in spec.get("ports", []):
        parts = interpolate(mapping, given).split("/")[0].rsplit(":", 2)
        pairs.append((parts[-2], parts[-1]) if len(parts) > 1 else ("", parts[-1]))
    return pairs


def settings_of(env: dict[str, str]) -> Settings:
    """The Settings a container would load from `env` (compose's `${SECRET_KEY:?}` filled in)."""
    env = {name: value for name, value in env.items() if "${" not in value}
    with mock.patch.dict(os.environ):  # only what compose gives the container, not this process's
        for name in CONFIG_VARIABLES:
            os.environ.pop(name, None)
        return Settings(**{name.lower(): value for name, value in env.items()}, secret_key="k" * 32)


def command_text(spec: dict) -> str:
    command = spec.get("command") or ""
    return command if isinstance(command, str) else " ".join(str(part) for part in command)


def image_tag(reference: str) -> str | None:
    name = reference.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return last.rsplit(":", 1)[1] if ":" in last else None


def assert_pinned(reference: str, where: str) -> None:
    tag = image_tag(reference)
    assert tag and tag != "latest" and VERSION_IN_TAG.search(tag), (
        f"{where}: image {reference!r} is not pinned; give it an explicit version tag "
        "(e.g. postgres:18.1-bookworm), never 'latest' or a bare major version"
    )


def runnable(module: str) -> bool:
    """Whether `python -m module` would find something to run (a package needs its __main__)."""
    try:
        spec = importlib.util.find_spec(module)
        if spec is not None and spec.submodule_search_locations is not None:
            spec = importlib.util.find_spec(f"{module}.__main__")
    except ModuleNotFoundError:
        return False
    return spec is not None


def probe_url(name: str, spec: dict) -> str:
    test = spec["healthcheck"]["test"]
    text = test if isinstance(test, str) else " ".join(str(part) for part in test)
    urls = re.findall(r"https?://[^\s'\"]+", text)
    assert len(urls) == 1, f"the healthcheck of {name} should probe exactly one URL"
    return urls[0]


def test_every_long_running_service_has_a_healthcheck(services: dict[str, dict]) -> None:
    for name, spec in services.items():
        if name in ONE_SHOT:
            assert spec.get("restart") == "no", f'{name} is a one-shot job: set restart: "no"'
        else:
            assert "healthcheck" in spec, (
                f"service {name} has no healthcheck: add one, or list it in ONE_SHOT if it is a job"
            )


def test_every_dependency_waits_on_a_condition(services: dict[str, dict]) -> None:
    for name, spec in services.items():
        depends_on = spec.get("depends_on") or {}
        assert isinstance(depends_on, dict), (
            f"{name}: write depends_on as a mapping with a condition per dependency, not a list"
        )
        for dependency, options in depends_on.items():
            assert dependency in services, f"{name} depends on {dependency}, which is not a service"
            expected = "service_completed_successfully" if dependency in ONE_SHOT else "service_healthy"
            condition = (options or {}).get("condition")
            assert condition == expected, f"{name} depends on {dependency} with condition {condition!r}: use {expected}"


def test_images_are_pinned(services: dict[str, dict]) -> None:
    for name, spec in services.items():
        if "image" in spec and "build" not in spec:
            assert_pinned(spec["image"], f"service {name}")


def test_app_image_is_built_from_a_pinned_non_root_dockerfile(services: dict[str, dict]) -> None:
    built = app_services(services)
    assert built, "no service builds the app image: give them build: {context: ., dockerfile: ...}"
    for name, spec in built.items():
        build = spec["build"] if isinstance(spec["build"], dict) else {"context": spec["build"]}
        dockerfile = ROOT / build.get("context", ".") / build.get("dockerfile", "Dockerfile")
        assert dockerfile.is_file(), f"service {name} builds from {dockerfile}, which does not exist"
        lines = [line.split() for line in dockerfile.read_text().splitlines()]
        froms = [[w for w in words[1:] if not w.startswith("--")] for words in lines if words[:1] == ["FROM"]]
        bases = [words[0] for words in froms]
        stages = {words[2] for words in froms if len(words) == 3 and words[1].upper() == "AS"}
        assert bases, f"{dockerfile} has no FROM line"
        for base in bases:
            if base not in stages:
                assert_pinned(base, str(dockerfile.relative_to(ROOT)))
        users = [words[1] for words in lines if words and words[0].upper() == "USER"]
        assert users and users[-1].split(":")[0] not in {"root", "0"}, (
            f"{dockerfile} must end by switching to a non-root USER"
        )


def test_app_environment_follows_the_config_contract(services: dict[str, dict]) -> None:
    for name, spec in app_services(services).items():
        unknown = set(environment(spec)) - set(CONFIG_VARIABLES)
        assert not unknown, (
            f"service {name} sets {sorted(unknown)}, which shared.settings does not read: "
            "rename them to contract variables or add fields to Settings"
        )
    for name in SERVICES:
        required = REQUIRED_APP_VARIABLES | {f"{name.upper()}_PORT"}
        missing = required - set(environment(services[name]))
        assert not missing, f"service {name} must set {sorted(missing)} in its environment"


def test_app_services_reach_the_compose_infrastructure(services: dict[str, dict]) -> None:
    postgres = environment(services["postgres"])
    for name in SERVICES:
        spec = services[name]
        env = environment(spec)
        database = urlsplit(env["DATABASE_URL"])
        hosts = [("DATABASE_URL", database.hostname), ("SMTP_HOST", env["SMTP_HOST"])]
        hosts += [("KAFKA_BOOTSTRAP_SERVERS", s.rsplit(":", 1)[0]) for s in env["KAFKA_BOOTSTRAP_SERVERS"].split(",")]
        for variable, host in hosts:
            assert host in services, f"{name}: {variable} points at {host!r}, which is not a compose service"
            assert host in (spec.get("depends_on") or {}), f"{name} talks to {host}: add it to depends_on"
        assert (database.username, database.path.lstrip("/")) == (
            postgres["POSTGRES_USER"],
            postgres["POSTGRES_DB"],
        ), f"{name}: DATABASE_URL must use the POSTGRES_USER and POSTGRES_DB of the postgres service"
        assert "migrations" in (spec.get("depends_on") or {}), f"{name} must wait for the migrations job"


def test_python_modules_in_commands_exist(services: dict[str, dict]) -> None:
    for name, spec in services.items():
        for module in PYTHON_MODULE.findall(command_text(spec)):
            assert runnable(module), (
                f"service {name} runs `python -m {module}`, which is not there (a package needs a "
                "__main__.py): fix the command or add the module"
            )


def test_each_service_runs_and_is_migrated(services: dict[str, dict]) -> None:
    for name in SERVICES:
        assert name in services, f"docker-compose.yml has no {name} service"
        assert shlex.split(command_text(services[name])) == ["python", "-m", f"services.{name}"], (
            f"service {name} must run `python -m services.{name}`"
        )
    jobs = " ".join(command_text(services.get(job, {})) for job in ONE_SHOT)
    for name in SERVICES:
        assert f"python -m services.{name} migrate" in jobs, (
            f"the migrations job must run `python -m services.{name} migrate`"
        )
    assert "python -m services.registration seed" in jobs, "the migrations job must seed the call"


def test_the_services_publish_no_port_and_listen_on_their_own(services: dict[str, dict]) -> None:
    for name in SERVICES:
        spec = services[name]
        port = Settings.model_fields[f"{name}_port"].default
        env = environment(spec)
        assert env[f"{name.upper()}_PORT"] == str(port), (
            f"{name}: {name.upper()}_PORT should be the Settings default {port}, or change both"
        )
        assert env.get("BIND_HOST") == "0.0.0.0", f"{name}: set BIND_HOST=0.0.0.0, or the entry cannot reach it"
        assert not spec.get("ports"), (
            f"{name} publishes {spec['ports']}: a host port allows one replica only (--scale fails); "
            f"the public entry routes to it"
        )
        assert not {"container_name", "hostname"} & set(spec), f"{name}: a fixed name allows one replica only"
        url = urlsplit(probe_url(name, spec))
        assert (url.port, url.path) == (port, "/health/ready"), (
            f"{name}: the healthcheck must probe http://127.0.0.1:{port}/health/ready"
        )
    for name, spec in app_services(services).items():
        assert not spec.get("ports"), f"{name} runs our image and publishes a port: go through the entry"


def test_one_public_entry_routes_to_the_services(services: dict[str, dict]) -> None:
    entry = services[ENTRY]
    assert entry["image"].startswith("caddy:"), "the entry is Caddy (deploy/Caddyfile)"
    [(host, container)] = published(entry)
    assert container == "80" and host.isdigit(), "the entry publishes one port, its HTTP site"
    mounts = [volume.split(":")[:2] for volume in entry["volumes"] if isinstance(volume, str)]
    assert ["./deploy/Caddyfile", "/etc/caddy/Caddyfile"] in mounts, "the entry reads deploy/Caddyfile"
    assert interpolate(entry["environment"]["ENTRY_SITE_ADDRESS"]) == ":80"
    assert "{$ENTRY_SITE_ADDRESS::80}" in (ROOT / "deploy" / "Caddyfile").read_text()
    for name in SERVICES:
        assert (entry.get("depends_on") or {}).get(name) == {"condition": "service_healthy"}, (
            f"the entry waits for {name}"
        )


def test_links_in_emails_and_every_page_point_at_the_entry(services: dict[str, dict]) -> None:
    [(host_port, _)] = published(services[ENTRY])
    for name in SERVICES:
        env = environment(services[name])
        public = urlsplit(env["PUBLIC_BASE_URL"])
        assert public.port == int(host_port), f"{name}: PUBLIC_BASE_URL must be the entry's published port"
        settings = settings_of(env)
        for service in SERVICES:
            assert settings.public_url_of(service) == env["PUBLIC_BASE_URL"].rstrip("/"), (
                f"{name} would send people to {settings.public_url_of(service)} for {service}: one origin "
                "for all three (PUBLIC_BASE_URL on another port than registration's, no *_PUBLIC_URL)"
            )


def test_forwarded_for_is_believed_from_the_entry_only(compose: dict, services: dict[str, dict]) -> None:
    address = ipaddress.ip_address(interpolate(services[ENTRY]["networks"]["default"]["ipv4_address"]))
    [subnet] = [interpolate(c["subnet"]) for c in compose["networks"]["default"]["ipam"]["config"]]
    assert address in ipaddress.ip_network(subnet), "the entry's fixed address lies in the network's subnet"
    for name in SERVICES:
        assert settings_of(environment(services[name])).trusted_proxies == (str(address),), (
            f"{name}: TRUSTED_PROXIES must be the entry's address (and nothing wider)"
        )


def test_every_long_running_container_restarts(services: dict[str, dict]) -> None:
    for name, spec in services.items():
        expected = {"no"} if name in ONE_SHOT else {"unless-stopped", "always"}
        assert spec.get("restart") in expected, f"{name}: restart should be one of {sorted(expected)}"
    for job in ONE_SHOT:
        assert services[job].get("healthcheck") == {"disable": True}, (
            f"{job}: the image's HEALTHCHECK probes a service; switch it off for a job"
        )


def test_the_cluster_profile_has_three_kraft_brokers(services: dict[str, dict]) -> None:
    brokers = {name: environment(services[name]) for name in CLUSTER_BROKERS}
    voters = {f"{env['KAFKA_NODE_ID']}@{name}:9093" for name, env in brokers.items()}
    assert len({env["KAFKA_NODE_ID"] for env in brokers.values()}) == 3, "each broker its own node id"
    for name, env in brokers.items():
        spec = services[name]
        assert spec.get("profiles") == ["cluster"], f"{name} starts with the `cluster` profile only"
        assert spec["image"] == services["kafka"]["image"], f"{name}: the same Kafka as the single broker"
        assert env["KAFKA_PROCESS_ROLES"] == "broker,controller", f"{name}: combined (a quorum of three)"
        assert set(env["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")) == voters, f"{name}: all three vote"
        assert env["KAFKA_ADVERTISED_LISTENERS"] == f"PLAINTEXT://{name}:9092", f"{name} advertises its own name"
        assert env["CLUSTER_ID"] == brokers["kafka-1"]["CLUSTER_ID"] != environment(services["kafka"])["CLUSTER_ID"]
        replicated = {
            "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR": "3",
            "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR": "3",
            "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR": "2",
            "KAFKA_DEFAULT_REPLICATION_FACTOR": "3",
            "KAFKA_AUTO_CREATE_TOPICS_ENABLE": "false",
        }
        assert {key: env.get(key) for key in replicated} == replicated, f"{name}: internal topics on 3, 2 in sync"
        assert "healthcheck" in spec and spec.get("restart") == "unless-stopped"
    mounts = [services[name]["volumes"][0].split(":")[0] for name in CLUSTER_BROKERS]
    assert len(set(mounts)) == 3 and "kafka-data" not in mounts, "each broker its own volume"
    for name in SERVICES:
        depends_on = services[name]["depends_on"]
        for broker in CLUSTER_BROKERS:
            assert depends_on.get(broker) == {"condition": "service_healthy", "required": False}, (
                f"{name} waits for {broker} when the profile is on, and not otherwise (required: false)"
            )


def test_the_cluster_env_points_the_services_at_the_three_brokers(services: dict[str, dict]) -> None:
    given = env_file(CLUSTER_ENV)
    assert "cluster" in given["COMPOSE_PROFILES"].split(",")
    assert interpolate(services["kafka"]["scale"], given) == "0", "the single broker does not start beside them"
    assert interpolate(services["kafka"]["scale"]) == "1"
    for name in SERVICES:
        settings = settings_of(environment(services[name], given))
        hosts = [server.rsplit(":", 1) for server in settings.kafka_bootstrap_servers.split(",")]
        assert sorted(host for host, _ in hosts) == list(CLUSTER_BROKERS) and {p for _, p in hosts} == {"9092"}
        assert (settings.kafka_replication_factor, settings.kafka_min_insync_replicas) == (3, 2), (
            "on three brokers: 3 replicas, 2 in sync (one broker may be down, nothing is on one disk only)"
        )
        default = settings_of(environment(services[name]))
        assert (default.kafka_replication_factor, default.kafka_min_insync_replicas) == (1, 1)


def test_named_volumes_are_declared(compose: dict, services: dict[str, dict]) -> None:
    declared = set(compose.get("volumes") or {})
    used = set()
    for spec in services.values():
        for volume in spec.get("volumes", []):
            source = volume.get("source", "") if isinstance(volume, dict) else volume.split(":", 1)[0]
            if source and not source.startswith((".", "/", "~", "$")):
                used.add(source)
    assert used <= declared, f"declare the volumes {sorted(used - declared)} under the top-level volumes:"
    assert declared <= used, f"the volumes {sorted(declared - used)} are declared but unused: remove them"
