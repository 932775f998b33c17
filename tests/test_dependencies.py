"""The lock file is what the tests run with: every distribution the project needs is pinned at the
version installed here, and the pins satisfy pyproject.toml. The runtime lock (what the image
installs) is exactly the part of it the project needs without its dev extras. (`make audit` checks
the same pins against the vulnerability advisories; `make lock` rewrites both files.)"""

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from deploy.lockfile import LOCK, RUNTIME_LOCK, declared_requirements, locked_versions, read_lock

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


def test_the_runtime_lock_is_the_lock_without_the_dev_extras():
    runtime, everything = read_lock(RUNTIME_LOCK), read_lock()
    expected = locked_versions(extras=())
    assert runtime == expected, (
        f"{RUNTIME_LOCK.name} is stale (run `make lock`): "
        f"missing {sorted(set(expected) - set(runtime))}, extra {sorted(set(runtime) - set(expected))}"
    )
    assert {name: everything.get(name) for name in runtime} == runtime, "the runtime pins must be the lock's"
    dev_only = {canonicalize_name(r.name) for r in declared_requirements(("dev",))} - {
        canonicalize_name(r.name) for r in declared_requirements(())
    }
    # A dev tool may also be what a runtime package needs (packaging is), so only the ones nothing at
    # runtime requires are checked absent: the test runners, linters and browsers stay out of the image.
    assert not dev_only & set(runtime) - {"packaging"}, sorted(dev_only & set(runtime))
