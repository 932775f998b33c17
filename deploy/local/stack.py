"""The three services as real processes, pointed at given infrastructure.

Used by `make run` and by the tests (end-to-end, outbox, and later fault injection), so that both
start the system the same way: `python -m services.<name>` with the config contract in its env.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from deploy.local.processes import kill_child, read_log_tail, start_child, stop_child
from shared.settings import CONFIG_VARIABLES

SERVICES = ("registration", "scheduling", "notifications")


@dataclass(frozen=True)
class StackConfig:
    database_url: str
    kafka_bootstrap_servers: str
    smtp_host: str
    smtp_port: int
    ports: dict[str, int]
    log_dir: Path
    secret_key: str
    staff_emails: tuple[str, ...] = ()
    staff_tokens: str = ""
    log_level: str = "INFO"
    extra_env: dict[str, str] = field(default_factory=dict)
    service_env: dict[str, dict[str, str]] = field(default_factory=dict)
    """Variables for one service only, e.g. {"registration": {"SERVICE_PROCESSES": "2"}}."""

    def environment(self, service: str) -> dict[str, str]:
        """The process environment of one service: the config contract and nothing inherited from it."""
        env = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
        env.update(
            DATABASE_URL=self.database_url,
            KAFKA_BOOTSTRAP_SERVERS=self.kafka_bootstrap_servers,
            SMTP_HOST=self.smtp_host,
            SMTP_PORT=str(self.smtp_port),
            STAFF_EMAILS=",".join(self.staff_emails),
            STAFF_TOKENS=self.staff_tokens,
            SECRET_KEY=self.secret_key,
            PUBLIC_BASE_URL=f"http://127.0.0.1:{self.ports['registration']}",
            LOG_LEVEL=self.log_level,
            PYTHONUNBUFFERED="1",
            **{f"{name.upper()}_PORT": str(port) for name, port in self.ports.items()},
        )
        env.update(self.extra_env)
        env.update(self.service_env.get(service, {}))
        return env


class ServiceProcess:
    """One service process: start, wait until ready, stop gracefully, or kill -9 (fault tests)."""

    def __init__(self, name: str, config: StackConfig) -> None:
        self.name = name
        self.config = config
        self.port = config.ports[name]
        self.log_path = config.log_dir / f"{name}.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = start_child(
            [sys.executable, "-m", f"services.{self.name}"],
            env=self.config.environment(self.name),
            log_path=self.log_path,
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Until /health/ready answers 200 (database and Kafka reachable)."""
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                response = httpx.get(f"{self.url}/health/ready", timeout=2)
                if response.status_code == 200:
                    return
                last = response.text
            except httpx.HTTPError as error:
                last = repr(error)
            time.sleep(0.2)
        raise TimeoutError(f"{self.name} not ready after {timeout:.0f}s ({last}):\n{self.log_tail()}")

    def stop(self, timeout: float = 15.0) -> None:
        if self.process is not None:
            stop_child(self.process, timeout=timeout)
            self.process = None

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, as in a crash."""
        if self.process is not None:
            kill_child(self.process)
            self.process = None

    def log_tail(self, lines: int = 40) -> str:
        return read_log_tail(self.log_path, lines) or "(no log)"


class ServiceStack:
    """The three services of one deployment."""

    def __init__(self, config: StackConfig, names: tuple[str, ...] = SERVICES) -> None:
        config.log_dir.mkdir(parents=True, exist_ok=True)
        self.config = config
        self.services = {name: ServiceProcess(name, config) for name in names}

    def __getitem__(self, name: str) -> ServiceProcess:
        return self.services[name]

    def start(self, timeout: float = 90.0) -> None:
        for service in self.services.values():
            service.start()
        for service in self.services.values():
            service.wait_ready(timeout)

    def stop(self) -> None:
        for service in reversed(list(self.services.values())):
            service.stop()

    def run_command(self, service: str, *args: str, timeout: float = 60.0) -> str:
        """Run a one-shot command of a service (`migrate`, `seed ...`) with the stack's environment."""
        result = subprocess.run(
            [sys.executable, "-m", f"services.{service}", *args],
            env=self.config.environment(service),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{service} {' '.join(args)} failed ({result.returncode}):\n{result.stderr[-3000:]}")
        return result.stdout
