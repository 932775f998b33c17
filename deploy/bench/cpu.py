"""CPU seconds spent by process trees, read from /proc (Linux): where a benchmark's CPU went.

On a machine with few cores every component competes for the same CPU, so the end-to-end rate is
bounded by the CPU cost of one application summed over all components. The benchmark measures that
cost per component during the burst and prints it next to the rates.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Mapping
from pathlib import Path

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # the command name may contain spaces and parentheses


def _children(pid: int, parents: Mapping[int, int]) -> list[int]:
    return [child for child, parent in parents.items() if parent == pid]


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU of `root` and every living descendant (and of the children they waited for)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat_fields(int(entry.name))) is not None:
            parents[int(entry.name)] = int(fields[1])
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        fields = _stat_fields(pid)
        if fields is not None:
            total += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
        todo += _children(pid, parents)
    return total / TICKS_PER_SECOND


def own_cpu_seconds() -> float:
    """This process (the benchmark itself, with the SMTP sink's thread)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def waited_children_cpu_seconds() -> float:
    """Children this process started and waited for (the load generator)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class CpuMeter:
    """CPU seconds of named process trees between `start()` and `stop()`."""

    def __init__(self, roots: Mapping[str, int]) -> None:
        self.roots = dict(roots)
        self._before: dict[str, float] = {}
        self.spent: dict[str, float] = {}

    def _now(self) -> dict[str, float]:
        now = {name: tree_cpu_seconds(pid) for name, pid in self.roots.items()}
        now["load generator"] = waited_children_cpu_seconds()
        now["benchmark + SMTP sink"] = own_cpu_seconds()
        return now

    def start(self) -> None:
        self._before = self._now()

    def stop(self) -> dict[str, float]:
        after = self._now()
        self.spent = {name: after[name] - self._before[name] for name in after}
        return self.spent
