"""The lock file is what the tests run with: every distribution the project needs is pinned at the
version installed here, and the pins satisfy pyproject.toml. (`make audit` checks the same pins
against the vulnerability advisories; `make lock` rewrites them.)"""

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from deploy.lockfile import LOCK, locked_versions, read_lock

ROOT = Path(__file__).resolve().parents[1]


def test_the_lock_pins_exactly_what_is_installed():
    installed, locked = locked_versions(), read_lock()
    missing = {name: version for name, version in installed.items() if name not in locked}
    different = {name: (locked[name], version) for name, version in installed.items() if locked.get(name) != version}
    unused = sorted(set(locked) - set(installed))
    assert not missing and not different and not unused, (
        f"{LOCK.name} is stale (run `make lock`): missing {missing}, locked vs installed {different}, unused {unused}"
    )


def test_the_pins_satisfy_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    locked = read_lock()
    for text in declared:
        requirement = Requirement(text)
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        version = locked.get(canonicalize_name(requirement.name))
        assert version is not None and requirement.specifier.contains(version, prereleases=True), (text, version)
