"""What the public entries must route: every path of every service's app, read from the apps themselves
(built with placeholder settings; nothing connects), and sample paths around each route of
deploy/routes.py. Shared by tests/test_deploy.py (Caddy) and tests/test_kubernetes.py (Ingress)."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from functools import cache

from deploy.routes import DEFAULT, ROUTES

SERVICES = ("registration", "scheduling", "notifications")
PARAMETER = re.compile(r"\{[^}]+\}")


def _paths(routes, prefix: str = "") -> Iterator[str]:
    for route in routes:
        if hasattr(route, "original_router"):  # FastAPI's included routers
            yield from _paths(route.original_router.routes, prefix + route.include_context.prefix)
        elif hasattr(route, "include_context"):
            yield from _paths(route.routes, prefix + route.include_context.prefix)
        elif getattr(route, "path", None):
            yield prefix + route.path


@cache
def served_paths() -> dict[str, frozenset[str]]:
    """{service: the path templates its app answers}."""
    from shared.runtime import create_app
    from shared.settings import Settings

    settings = Settings(database_url="postgresql://u@db/p", kafka_bootstrap_servers="kafka:9092", secret_key="k" * 32)
    served = {}
    for name in SERVICES:
        service = importlib.import_module(f"services.{name}.__main__").SERVICE
        served[name] = frozenset(_paths(create_app(service, settings).router.routes))
    return served


def owners() -> dict[str, set[str]]:
    """{concrete sample path: the services that answer it} (each template's parameters filled in)."""
    found: dict[str, set[str]] = {}
    for service, templates in served_paths().items():
        for template in templates:
            found.setdefault(PARAMETER.sub("x1", template), set()).add(service)
    return found


def sample_paths() -> list[str]:
    """The apps' paths, each route's own path, one under it, and neighbours it must not catch."""
    paths = set(owners())
    for route in ROUTES:
        paths |= {route.path, route.path + "/x1", route.path + "-x1", route.path + "x"}
    paths |= {"/", "/unknown", "/staff", "/city", "/api/v1"}
    return sorted(paths)


def expected_service(path: str) -> str:
    """Where a path must go: the one service that serves it; a path several serve (health, metrics,
    docs, assets, the internal subject access) or none goes to DEFAULT."""
    serving = owners().get(path, set())
    return next(iter(serving)) if len(serving) == 1 else DEFAULT
