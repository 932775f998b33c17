"""docker-compose.yml and deploy/Dockerfile stay in step with the code.

Nothing here runs Docker: the compose file is parsed and checked against shared.settings and the
services' modules, so a renamed variable, module or port fails here rather than at deploy time.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from shared.settings import CONFIG_VARIABLES, Settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
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
INTERPOLATION = re.compile(r"\$\{\w+(?::?-([^}]*))?\}")


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


def environment(spec: dict) -> dict[str, str]:
    """The service's variables as compose would set them with no .env: `${VAR:-default}` -> default."""
    env = spec.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {name: INTERPOLATION.sub(lambda m: m[1] or "", str(value)) for name, value in env.items()}


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


def test_ports_match_the_settings(services: dict[str, dict]) -> None:
    for name in SERVICES:
        spec = services[name]
        port = Settings.model_fields[f"{name}_port"].default
        env = environment(spec)
        assert env[f"{name.upper()}_PORT"] == str(port), (
            f"{name}: {name.upper()}_PORT should be the Settings default {port}, or change both"
        )
        assert env.get("BIND_HOST") == "0.0.0.0", (
            f"{name}: set BIND_HOST=0.0.0.0, or the published port cannot reach the service"
        )
        published = [str(mapping).rsplit(":", 2)[-2:] for mapping in spec.get("ports", [])]
        assert [str(port), str(port)] in published, f'{name} must publish "{port}:{port}"'
        url = urlsplit(probe_url(name, spec))
        assert (url.port, url.path) == (port, "/health/ready"), (
            f"{name}: the healthcheck must probe http://127.0.0.1:{port}/health/ready"
        )
    public = urlsplit(environment(services["registration"])["PUBLIC_BASE_URL"])
    assert public.port == Settings.model_fields["registration_port"].default, (
        "PUBLIC_BASE_URL must point at the port registration publishes"
    )


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
