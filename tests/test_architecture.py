"""The one inner shape, checked on the source: who may import what, and no import cycles.

- `services/*/{domain,storage,workflows}` never reach the web or Kafka runtime (shared.runtime,
  shared.web, FastAPI, Starlette, FastStream, uvicorn), not even through another module of ours;
- a service never imports another service;
- `shared/` has no import cycle (a module-level import graph without cycles).
Read from the AST, so nothing is imported to check it.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("registration", "scheduling", "notifications")
INNER_LAYERS = ("domain", "storage", "workflows")
FORBIDDEN_IN_INNER_LAYERS = ("shared.runtime", "shared.web", "fastapi", "starlette", "faststream", "uvicorn")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def project_modules() -> dict[str, Path]:
    files = [*ROOT.glob("shared/**/*.py"), *ROOT.glob("services/**/*.py")]
    return {module_name(path): path for path in files}


@cache
def imports_of(module: str) -> frozenset[str]:
    """What `module` imports at module level or in functions (not under TYPE_CHECKING), as module names."""
    path = project_modules()[module]
    tree = ast.parse(path.read_text(), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for inner in ast.walk(node)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in project_modules() else base)
    return frozenset(found)


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
    return ".".join([*parts, node.module] if node.module else parts)


def reachable_from(module: str) -> set[str]:
    """Every module `module` imports, directly or through modules of ours."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        for imported in imports_of(todo.pop()):
            if imported not in seen:
                seen.add(imported)
                if imported in project_modules():
                    todo.append(imported)
    return seen


def inner_modules() -> list[str]:
    return sorted(
        name
        for name in project_modules()
        if name.startswith("services.") and len(name.split(".")) > 2 and name.split(".")[2] in INNER_LAYERS
    )


def test_every_service_has_the_same_slots():
    for service in SERVICES:
        folder = ROOT / "services" / service
        for slot in ("domain", "storage", "workflows", "api", "web", "migrations"):
            assert (folder / slot).is_dir(), f"services/{service}/{slot}/ is missing"
        for module in ("consumers.py", "workers.py", "__main__.py"):
            assert (folder / module).is_file(), f"services/{service}/{module} is missing"


@pytest.mark.parametrize("module", inner_modules())
def test_inner_layers_do_not_reach_the_runtime(module):
    bad = sorted(m for m in reachable_from(module) if m.startswith(FORBIDDEN_IN_INNER_LAYERS))
    assert not bad, f"{module} reaches {bad}: domain, storage and workflows take Dependencies, not the runtime"


def test_no_service_imports_another():
    for name in project_modules():
        if name.startswith("services."):
            own = name.split(".")[1]
            others = {m for m in imports_of(name) if m.startswith("services.") and m.split(".")[1] != own}
            assert not others, f"{name} imports {sorted(others)}: services talk through Kafka events only"


def test_shared_has_no_import_cycle():
    graph = {name: {m for m in imports_of(name) if m in project_modules()} for name in project_modules()}
    shared = {name for name in graph if name == "shared" or name.startswith("shared.")}
    for start in sorted(shared):
        path = _cycle_through(start, graph)
        assert path is None, "import cycle: " + " -> ".join(path)


def test_shared_does_not_import_services():
    for name in project_modules():
        if name.startswith("shared"):
            bad = {m for m in imports_of(name) if m.startswith("services")}
            assert not bad, f"{name} imports {sorted(bad)}"


def _cycle_through(start: str, graph: dict[str, set[str]]) -> list[str] | None:
    stack = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for nxt in graph.get(node, ()):
            if nxt == start:
                return [*path, start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None
