"""The two lock files, both written from this environment's installed metadata:

- requirements.lock: the exact versions of every distribution the project and its dev extras need
  (the set the tests ran with, and the set `make audit` checks);
- requirements-runtime.lock: the part of it the services need to run, without the dev extras: what
  deploy/Dockerfile installs, with --no-deps, so the image holds exactly these pins and nothing else.

The roots are the requirements pyproject.toml declares (this checkout's, not the copy of the project
pip installed last), then every distribution they require, transitively, with the extras asked for.
Markers are evaluated for this interpreter and platform (CPython 3.11 on Linux, as in the image).

`python -m deploy.lockfile` (`make lock`) rewrites both; tools installed by hand beside the project
(profilers, say) are left out because nothing requires them. tests/test_dependencies.py keeps both
current.
"""

from __future__ import annotations

import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"
EXTRAS = ("dev",)
LOCK = ROOT / "requirements.lock"
RUNTIME_LOCK = ROOT / "requirements-runtime.lock"
RUNTIME_HEADER = (
    "# The runtime part of requirements.lock (no dev extras), for deploy/Dockerfile (pip install --no-deps).\n"
    "# Written by `python -m deploy.lockfile` (`make lock`); tests/test_dependencies.py keeps it current.\n"
)
INSTALLERS = {"pip", "setuptools", "wheel"}
"""Required by some tools, but the installer's own business: `make install` upgrades pip itself."""


def _applies(requirement: Requirement, extras: tuple[str, ...]) -> bool:
    if requirement.marker is None:
        return True
    return any(requirement.marker.evaluate(default_environment() | {"extra": extra}) for extra in ("", *extras))


def declared_requirements(extras: tuple[str, ...] = EXTRAS, pyproject: Path = PYPROJECT) -> list[Requirement]:
    """What pyproject.toml asks for: [project] dependencies, plus those of each extra in `extras`."""
    project = tomllib.loads(pyproject.read_text())["project"]
    optional = project.get("optional-dependencies", {})
    texts = [*project["dependencies"], *(text for extra in extras for text in optional[extra])]
    return [requirement for requirement in map(Requirement, texts) if _applies(requirement, ())]


def locked_versions(extras: tuple[str, ...] = EXTRAS) -> dict[str, str]:
    """{canonical name: installed version} of everything the project (with `extras`) requires, transitively."""
    found: dict[str, str] = {}
    followed: set[tuple[str, frozenset[str]]] = set()
    todo = [(requirement.name, tuple(requirement.extras)) for requirement in declared_requirements(extras)]
    while todo:
        name, wanted_extras = todo.pop()
        key = canonicalize_name(name)
        if key in INSTALLERS or (key, frozenset(wanted_extras)) in followed:
            continue
        followed.add((key, frozenset(wanted_extras)))
        found[key] = metadata.version(name)
        for text in metadata.distribution(name).requires or ():
            requirement = Requirement(text)
            if _applies(requirement, wanted_extras):
                todo.append((requirement.name, tuple(requirement.extras)))
    return dict(sorted(found.items()))


def lock_text(versions: dict[str, str], header: str = "") -> str:
    return header + "".join(f"{name}=={version}\n" for name, version in versions.items())


def read_lock(path: Path = LOCK) -> dict[str, str]:
    pins = (line.split("==") for line in path.read_text().splitlines() if line and not line.startswith("#"))
    return {canonicalize_name(name): version for name, version in pins}


def main() -> None:
    LOCK.write_text(lock_text(locked_versions()))
    RUNTIME_LOCK.write_text(lock_text(locked_versions(extras=()), RUNTIME_HEADER))
    for path in (LOCK, RUNTIME_LOCK):
        print(f"{path}: {len(read_lock(path))} pinned distributions", file=sys.stderr)


if __name__ == "__main__":
    main()
