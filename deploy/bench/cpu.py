"""CPU seconds spent by process trees, read from /proc (Linux): where a benchmark's CPU went.

On a machine with few cores every component competes for the same CPU, so the end-to-end rate is
bounded by the CPU cost of one application summed over all components. The benchmark measures that
cost per component during the burst and prints it next to the rates.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Mapping, Sequence

from deploy.local.processes import child_pids, parent_pids, proc_stat

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU of `root` and every living descendant (and of the children they waited for)."""
    parents = parent_pids()
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        fields = proc_stat(pid)
        if fields is not None:
            total += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
        todo += child_pids(pid, parents)
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
    """CPU seconds of named process trees between `start()` and `stop()`; a name may stand for several
    trees (the nodes of a Kafka cluster), whose CPU is added up."""

    def __init__(self, roots: Mapping[str, int | Sequence[int]]) -> None:
        self.roots = {name: (pids,) if isinstance(pids, int) else tuple(pids) for name, pids in roots.items()}
        self._before: dict[str, float] = {}
        self.spent: dict[str, float] = {}

    def _now(self) -> dict[str, float]:
        now = {name: sum(tree_cpu_seconds(pid) for pid in pids) for name, pids in self.roots.items()}
        now["load generator"] = waited_children_cpu_seconds()
        now["benchmark + SMTP sink"] = own_cpu_seconds()
        return now

    def start(self) -> None:
        self._before = self._now()

    def stop(self) -> dict[str, float]:
        after = self._now()
        self.spent = {name: after[name] - self._before[name] for name in after}
        return self.spent
