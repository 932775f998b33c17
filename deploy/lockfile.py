"""requirements.lock: the exact versions of every distribution the project and its dev extras need,
as installed in this environment (the set the tests ran with, and the set `make audit` checks).

`python -m deploy.lockfile` rewrites it from the installed metadata; tools installed by hand beside
the project (profilers, say) are left out because nothing requires them.
"""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PROJECT = "pactesur-platform"
EXTRAS = ("dev",)
LOCK = Path(__file__).resolve().parents[1] / "requirements.lock"
INSTALLERS = {"pip", "setuptools", "wheel"}
"""Required by some tools, but the installer's own business: `make install` upgrades pip itself."""


def _applies(requirement: Requirement, extras: tuple[str, ...]) -> bool:
    if requirement.marker is None:
        return True
    return any(requirement.marker.evaluate(default_environment() | {"extra": extra}) for extra in ("", *extras))


def locked_versions(project: str = PROJECT, extras: tuple[str, ...] = EXTRAS) -> dict[str, str]:
    """{canonical name: installed version} of everything `project[extras]` requires, transitively."""
    found: dict[str, str] = {}
    todo = [(project, extras)]
    while todo:
        name, wanted_extras = todo.pop()
        distribution = metadata.distribution(name)
        for text in distribution.requires or ():
            requirement = Requirement(text)
            if not _applies(requirement, wanted_extras):
                continue
            key = canonicalize_name(requirement.name)
            if key in found or key in INSTALLERS:
                continue
            found[key] = metadata.version(requirement.name)
            todo.append((requirement.name, tuple(requirement.extras)))
    return dict(sorted(found.items()))


def lock_text(versions: dict[str, str]) -> str:
    return "".join(f"{name}=={version}\n" for name, version in versions.items())


def read_lock(path: Path = LOCK) -> dict[str, str]:
    pins = (line.split("==") for line in path.read_text().splitlines() if line and not line.startswith("#"))
    return {canonicalize_name(name): version for name, version in pins}


def main() -> None:
    LOCK.write_text(lock_text(locked_versions()))
    print(f"{LOCK}: {len(read_lock())} pinned distributions", file=sys.stderr)


if __name__ == "__main__":
    main()
