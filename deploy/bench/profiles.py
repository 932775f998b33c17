"""Where each service spends its CPU during the burst: py-spy samples every process of its tree.

`py-spy record --format raw` writes collapsed stacks ("frame;frame;frame count" per line), the format
flamegraph.pl, inferno and speedscope read; the bench keeps one file per service under `.local/bench/`
and prints, per service, the functions with the most samples on top of the stack (self) and anywhere
in it (inclusive). `--nonblocking` samples without pausing the process, so the profile costs the
services almost nothing; py-spy's own CPU is counted with the load generator's (a waited child).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

SAMPLES_PER_SECOND = 47
"""Not a round number, so that sampling does not beat with the services' own periodic loops."""
TOP = 12
NOISE = ("threading.py", "selectors.py", "base_events.py:_run_once", "<module>")
OURS = ("notifications/", "registration/", "scheduling/", "shared/")
RUNTIME = "shared/runtime.py"
"""serve() and main(): on every stack of a service, so left out like the server's frames."""
"""Inclusive shares are given for our own code only: the frames of the server and the event loop under
it are on every stack and would fill the list."""


class ProfilerMissing(RuntimeError):
    """py-spy is not installed; the message says how to get it."""


def py_spy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not os.access(found, os.X_OK):
        raise ProfilerMissing("py-spy not found: `pip install py-spy` (a dev dependency), or run with --no-profile")
    return found


@dataclass(frozen=True)
class Profile:
    samples: int
    self_top: list[tuple[str, float]]
    """(function, share of samples), the function running when sampled."""
    inclusive_top: list[tuple[str, float]]
    """(function of our code, share of samples), the function anywhere on the stack."""


def frame_name(frame: str) -> str:
    """`render (services/notifications/mail/rendering.py:85)` -> `notifications/mail/rendering.py:render`."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "services/", "python3.11/", "python3.12/", "python3.13/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{path}:{name}" if path else name


def summarise(collapsed: str, top: int = TOP) -> Profile:
    """Self and inclusive sample shares from collapsed stacks (idle event-loop waits excluded)."""
    own: Counter[str] = Counter()
    anywhere: Counter[str] = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [frame_name(f) for f in stack.split(";")]
        if frames and frames[0].startswith("process "):
            frames = frames[1:]  # --subprocesses prefixes each stack with the process
        if not frames:
            continue
        n = int(count)
        total += n
        own[frames[-1]] += n
        for name in set(frames):
            if name.startswith(OURS) and not name.startswith(RUNTIME):
                anywhere[name] += n
    if total == 0:
        return Profile(0, [], [])

    def shares(counter: Counter[str]) -> list[tuple[str, float]]:
        ranked = [(name, n / total) for name, n in counter.most_common() if not any(x in name for x in NOISE)]
        return ranked[:top]

    return Profile(total, shares(own), shares(anywhere))


class Profiler:
    """One `py-spy record` per named process tree, from `start()` until `stop()`."""

    def __init__(self, roots: Mapping[str, int], out_dir: Path) -> None:
        self.roots = dict(roots)
        self.out_dir = out_dir
        self._running: dict[str, subprocess.Popen[bytes]] = {}

    def path(self, name: str) -> Path:
        return self.out_dir / f"profile-{name}.collapsed.txt"

    def start(self) -> None:
        binary = py_spy()
        self.out_dir.mkdir(parents=True, exist_ok=True)
        for name, pid in self.roots.items():
            command = [binary, "record", "--pid", str(pid), "--subprocesses", "--nonblocking", "--format", "raw"]
            command += ["--rate", str(SAMPLES_PER_SECOND), "--output", str(self.path(name))]
            self._running[name] = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def stop(self) -> dict[str, Profile]:
        """Stop sampling (py-spy writes its file on SIGINT) and summarise each file."""
        for process in self._running.values():
            process.send_signal(signal.SIGINT)
        profiles = {}
        for name, process in self._running.items():
            _, errors = process.communicate(timeout=60)
            written = self.path(name)
            if not written.exists():
                raise RuntimeError(f"py-spy wrote no profile of {name}: {errors.decode(errors='replace')[-500:]}")
            profiles[name] = summarise(written.read_text())
        self._running.clear()
        return profiles
