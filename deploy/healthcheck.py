"""The image's HEALTHCHECK: `python -m deploy.healthcheck` asks the container's own service for
`/health/live` and exits 0 on a 2xx answer, else 1 (Docker then marks the container unhealthy).

One image runs any of the three services, so the port is not fixed: the service is the one named on
the container's command line (`python -m services.<name>`, as PID 1 or under an init such as tini),
its port `<NAME>_PORT` as shared.settings reads it, else the Settings default (tests/test_deploy.py
keeps these in step). A container running something else (the migrations job) probes all three and
fails, which is right: it serves nothing. Standard library only: it runs every 30 s, and the slim
image has no curl. Liveness only: compose and Kubernetes ask `/health/ready` themselves.
"""

from __future__ import annotations

import os
import re
import sys
import urllib.request
from pathlib import Path

DEFAULT_PORTS = {"registration": 8001, "scheduling": 8002, "notifications": 8003}
SERVICE_MODULE = re.compile(rb"\bservices\.(registration|scheduling|notifications)\b")
TIMEOUT = 5.0


def service_of(proc: Path = Path("/proc")) -> str | None:
    """The service the container runs: PID 1's command line, else any process's (under an init)."""
    candidates = [proc / "1" / "cmdline", *sorted(proc.glob("[0-9]*/cmdline"))]
    for cmdline in candidates:
        try:
            found = SERVICE_MODULE.search(cmdline.read_bytes())
        except OSError:
            continue
        if found:
            return found[1].decode()
    return None


def setting(name: str, environ: dict[str, str]) -> str | None:
    """An environment variable read the way pydantic-settings reads them here (case-insensitive)."""
    return next((value for key, value in environ.items() if key.upper() == name), None)


def probe_urls(service: str | None, environ: dict[str, str]) -> list[str]:
    host = setting("BIND_HOST", environ) or "127.0.0.1"
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    services = [service] if service else list(DEFAULT_PORTS)
    ports = [setting(f"{name.upper()}_PORT", environ) or str(DEFAULT_PORTS[name]) for name in services]
    return [f"http://{host}:{port}/health/live" for port in ports]


def alive(url: str) -> bool:
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through an HTTP(S)_PROXY
    try:
        with direct.open(url, timeout=TIMEOUT) as answer:
            return 200 <= answer.status < 300
    except OSError:
        return False


def main() -> int:
    urls = probe_urls(service_of(), dict(os.environ))
    if any(alive(url) for url in urls):
        return 0
    print(f"not live: {', '.join(urls)}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
