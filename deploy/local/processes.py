"""Child processes of the local infrastructure (Kafka, PostgreSQL): start, stop, wait for their port.

Every child is started in its own session (process group) so that stopping it can also reach the
processes it forked (PostgreSQL backends), and so that Ctrl-C in a terminal reaches only the Python
parent, which then stops its children in the right order.
"""

from __future__ import annotations

import ctypes
import os
import pwd
import random
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

_PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None, use_errno=True)


class ChildExitedError(RuntimeError):
    """A child process ended while we were waiting for it to become ready."""


def proc_stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (state first, then ppid...); None if gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # the command name may contain spaces and parentheses


def parent_pids() -> dict[int, int]:
    """{pid: parent pid} of every process now."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := proc_stat(int(entry.name))) is not None:
            parents[int(entry.name)] = int(fields[1])
    return parents


def child_pids(pid: int, parents: dict[int, int] | None = None) -> list[int]:
    return [child for child, parent in (parents if parents is not None else parent_pids()).items() if parent == pid]


def is_running(pid: int) -> bool:
    """There and not a zombie (an orphan's exit status waits for init to collect it)."""
    fields = proc_stat(pid)
    return fields is not None and fields[0] != "Z"


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free right now, below the kernel's range for outgoing connections.

    A port from bind(0) lies in that ephemeral range: between choosing it and the server binding it,
    or while a server restarts on it (PostgreSQL in the fault tests), the local end of some outgoing
    connection could take it, and the server then fails with "address in use". Ports below the range
    are never used that way. A port is handed out once per process.
    """
    low = _ephemeral_range_start()
    candidates = range(max(10000, low - 15000), low)
    for _ in range(100):
        port = _port_choice.choice(candidates) if candidates else 0
        if port in _handed_out:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
            port = sock.getsockname()[1]
        _handed_out.add(port)
        return port
    raise OSError(f"no free TCP port found on {host}")


_handed_out: set[int] = set()
_port_choice = random.Random()


def _ephemeral_range_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def start_child(
    args: Sequence[str],
    *,
    log_path: Path,
    death_signal: signal.Signals = signal.SIGTERM,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    user: str | None = None,
) -> subprocess.Popen[bytes]:
    """Start `args` with stdout and stderr appended to `log_path`; the child gets `death_signal` if we die.

    The parent-death signal (Linux `prctl(PR_SET_PDEATHSIG)`) is tied to the *thread* that forked
    the child, not to the process: a child started from a worker thread (a thread pool,
    `asyncio.to_thread`) would be signalled as soon as that thread ends. So children must be started
    from the main thread, whose end is the end of the process; anything else raises RuntimeError.
    """
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("start_child must be called from the main thread (see its docstring)")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        return subprocess.Popen(
            list(args),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            user=user,
            group=_primary_group(user),
            extra_groups=[] if user is not None else None,
            start_new_session=True,
            preexec_fn=_die_with_parent(death_signal),
        )


def _primary_group(user: str | None) -> int | None:
    return None if user is None else pwd.getpwnam(user).pw_gid


def _die_with_parent(death_signal: signal.Signals):
    """Build the preexec_fn; it runs in the forked child, after the switch of user, just before exec.

    Setting it after the user switch matters: the kernel clears the parent-death signal when the
    credentials change. The check of getppid() closes the race where the parent died before prctl.
    """
    parent_pid = os.getpid()
    prctl = _LIBC.prctl

    def set_parent_death_signal() -> None:
        prctl(_PR_SET_PDEATHSIG, int(death_signal), 0, 0, 0)
        if os.getppid() != parent_pid:
            os.kill(os.getpid(), death_signal)

    return set_parent_death_signal


def stop_child(
    process: subprocess.Popen[bytes], *, stop_signal: signal.Signals = signal.SIGTERM, timeout: float = 20
) -> int:
    """Ask the child to stop with `stop_signal`; after `timeout` seconds kill its whole process group."""
    if process.poll() is not None:
        return process.returncode
    process.send_signal(stop_signal)
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        return kill_child(process)


def kill_child(process: subprocess.Popen[bytes]) -> int:
    """SIGKILL the child and everything in its process group (no graceful shutdown), then reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    return process.wait()


def wait_for_port(host: str, port: int, *, timeout: float, process: subprocess.Popen[bytes] | None = None) -> None:
    """Wait until `host:port` accepts TCP connections; stop early if `process` ends meanwhile."""
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            raise ChildExitedError(f"process {process.pid} exited with code {process.returncode}")
        if port_accepts(host, port):
            return
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{host}:{port} did not accept connections within {timeout:.0f} s")
        time.sleep(0.1)


def port_accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def read_log_tail(path: Path, lines: int = 40) -> str:
    """The last `lines` lines of a log file, for error messages ("" when the file does not exist)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


class LocalServer:
    """What every local server process (Kafka, PostgreSQL) does the same way: state, stop, kill, restart.

    Subclasses start `self._process` in `start(timeout)` and say how they like to be stopped.
    """

    stop_signal: signal.Signals = signal.SIGTERM
    _process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float) -> None:
        raise NotImplementedError

    @property
    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def pids(self) -> list[int]:
        """The server's process ids (one; a cluster of servers has several)."""
        return [self.pid] if self.pid is not None else []

    def ask_to_stop(self) -> None:
        """Send `stop_signal` and return at once, so that several servers stop together."""
        if self.is_running:
            self._process.send_signal(self.stop_signal)

    def stop(self, timeout: float = 20) -> None:
        """Ask the server to stop with `stop_signal`; SIGKILL if it is still there after `timeout` seconds."""
        if self._process is not None:
            stop_child(self._process, stop_signal=self.stop_signal, timeout=timeout)

    def kill(self) -> None:
        """SIGKILL the server and its children, as a crash would; the data stays for the next start."""
        if self._process is not None:
            kill_child(self._process)

    def restart(self, timeout: float = 90) -> None:
        self.stop()
        self.start(timeout)
