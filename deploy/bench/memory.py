"""Peak resident memory of every process of the services during the burst, sampled from /proc."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path

from deploy.local.processes import child_pids, parent_pids

SAMPLE_EVERY_S = 0.25


def rss_bytes(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return None


def tree(root: int) -> list[int]:
    parents = parent_pids()
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo += child_pids(pid, parents)
    return pids


class MemoryPeaks:
    """Samples the RSS of each process of the named trees in a thread; `stop()` gives, per name, the
    largest RSS one process of that tree reached (a service's processes are separate Python
    interpreters, each with its own peak)."""

    def __init__(self, roots: Mapping[str, int]) -> None:
        self.roots = dict(roots)
        self.peaks: dict[str, int] = dict.fromkeys(self.roots, 0)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="rss-sampler", daemon=True)

    def _sample(self) -> None:
        while not self._stopping.wait(SAMPLE_EVERY_S):
            for name, root in self.roots.items():
                sizes = [size for pid in tree(root) if (size := rss_bytes(pid)) is not None]
                self.peaks[name] = max([self.peaks[name], *sizes])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> dict[str, float]:
        """Peak RSS per process, in MB, of each tree."""
        self._stopping.set()
        self._thread.join()
        return {name: peak / 2**20 for name, peak in self.peaks.items()}
