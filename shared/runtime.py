"""The one way a service process starts, runs and stops.

A service describes itself with a `Service` (its name = its PostgreSQL schema, its migrations, its
HTTP routers, its consumers, its background workers, its extra commands); `main()` does the rest:
settings, logging, migrations, pool, topics, the outbox relay, the Kafka subscribers, uvicorn.

The HTTP side comes up as soon as PostgreSQL is there; Kafka is connected in the background and
retried, so a service accepts requests (into its outbox) while the broker is still starting or down.
Readiness says whether both answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import uvicorn
from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, FastAPI, Request, Response
from faststream.kafka import KafkaBroker

from shared.consumer import IdempotentConsumer, subscribe
from shared.database import create_pool
from shared.health import health_router
from shared.kafka import DeadLetters, create_producer, kafka_reachable
from shared.logs import configure_logging, correlation_id
from shared.migrations import apply_migrations
from shared.outbox import OutboxRelay
from shared.settings import Settings, load_settings
from shared.topics import Topic, ensure_topics

log = logging.getLogger(__name__)

CORRELATION_HEADER = "X-Correlation-ID"
STARTUP_DATABASE_WAIT = 60.0


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    """What a running service's handlers and workers need; built once per process."""

    service: Service
    settings: Settings
    pool: asyncpg.Pool
    producer: AIOKafkaProducer
    broker: KafkaBroker
    dead_letters: DeadLetters
    relay: OutboxRelay
    clock: Callable[[], datetime] = utc_now
    new_id: Callable[[], uuid.UUID] = uuid.uuid4
    kafka_connected: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass(frozen=True)
class Service:
    name: str
    migrations: Path
    routers: Sequence[APIRouter] = ()
    consumers: Callable[[Runtime], Sequence[tuple[Topic, IdempotentConsumer]]] = lambda runtime: ()
    workers: Callable[[Runtime], Sequence[Callable[[], Awaitable[None]]]] = lambda runtime: ()
    commands: dict[str, Callable[[Settings, list[str]], Awaitable[object]]] = field(default_factory=dict)
    title: str = ""


def create_app(service: Service, settings: Settings) -> FastAPI:
    """The service's ASGI app; everything connects in its lifespan, nothing at import time."""
    app = FastAPI(title=service.title or f"PACTESUR 2 {service.name}", lifespan=_lifespan(service, settings))
    app.middleware("http")(_correlation_middleware)
    app.include_router(health_router(_readiness_checks))
    for router in service.routers:
        app.include_router(router)
    return app


def runtime_of(request: Request) -> Runtime:
    """FastAPI dependency: the running service's Runtime."""
    return request.app.state.runtime


def _lifespan(service: Service, settings: Settings) -> Callable[[FastAPI], AsyncIterator[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await _wait_for_database(settings, service)
        pool = await create_pool(settings.dsn, service.name, max_size=20)
        producer = create_producer(settings.kafka_bootstrap_servers)
        broker = KafkaBroker(settings.kafka_bootstrap_servers, graceful_timeout=10.0, logger=log)
        runtime = Runtime(
            service=service,
            settings=settings,
            pool=pool,
            producer=producer,
            broker=broker,
            dead_letters=DeadLetters(producer),
            relay=OutboxRelay(settings.dsn, service.name, producer),
        )
        app.state.runtime = runtime
        for topic, consumer in service.consumers(runtime):
            subscribe(broker, topic, consumer)
        tasks = [asyncio.create_task(_connect_kafka(runtime), name="kafka-connect")]
        tasks += [asyncio.create_task(worker(), name="worker") for worker in service.workers(runtime)]
        log.info("service started", extra={"port": settings.port_of(service.name)})
        try:
            yield
        finally:
            await _shutdown(runtime, tasks)

    return lifespan


async def _database_ready(runtime: Runtime) -> None:
    await runtime.pool.fetchval("SELECT 1")


async def _kafka_ready(runtime: Runtime) -> None:
    if not runtime.kafka_connected.is_set():
        raise ConnectionError("not connected yet")
    await kafka_reachable(runtime.producer)


_readiness_checks = {"database": _database_ready, "kafka": _kafka_ready}


async def _wait_for_database(settings: Settings, service: Service) -> None:
    """Apply migrations, retrying while PostgreSQL is starting; give up after a minute."""
    deadline = asyncio.get_running_loop().time() + STARTUP_DATABASE_WAIT
    while True:
        try:
            await apply_migrations(settings.dsn, service.name, service.migrations)
            return
        except (OSError, asyncpg.CannotConnectNowError, asyncpg.PostgresConnectionError) as error:
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(f"PostgreSQL unreachable at start-up: {error!r}") from error
            log.warning("waiting for PostgreSQL", extra={"error": repr(error)})
            await asyncio.sleep(1.0)


async def _connect_kafka(runtime: Runtime) -> None:
    """Create topics, start producer and subscribers, then run the outbox relay; retry until it works."""
    bootstrap = runtime.settings.kafka_bootstrap_servers
    delay = 0.5
    while not runtime.kafka_connected.is_set():
        try:
            await ensure_topics(bootstrap)
            await runtime.producer.start()
            await runtime.broker.start()
            runtime.kafka_connected.set()
        except Exception as error:
            log.warning("waiting for Kafka", extra={"error": repr(error), "retry_in": delay})
            with contextlib.suppress(Exception):
                await runtime.producer.stop()
            runtime.producer = create_producer(bootstrap)
            runtime.dead_letters.producer = runtime.producer
            runtime.relay.producer = runtime.producer
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
    log.info("connected to Kafka", extra={"bootstrap": bootstrap})
    await runtime.relay.run()


async def _shutdown(runtime: Runtime, tasks: list[asyncio.Task]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for stop in (runtime.broker.stop, runtime.producer.stop):
        with contextlib.suppress(Exception):
            await asyncio.wait_for(stop(), 10)
    await runtime.pool.close()
    log.info("service stopped")


async def _correlation_middleware(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    incoming = request.headers.get(CORRELATION_HEADER, "")
    value = incoming if 0 < len(incoming) <= 200 and incoming.isprintable() else str(uuid.uuid4())
    token = correlation_id.set(value)
    try:
        response = await call_next(request)
    finally:
        correlation_id.reset(token)
    response.headers[CORRELATION_HEADER] = value
    return response


async def _migrate_then(service: Service, settings: Settings, command: Awaitable[object]) -> None:
    """Extra commands (e.g. seed) may rely on the schema being current."""
    await apply_migrations(settings.dsn, service.name, service.migrations)
    await command


def main(service: Service, argv: Sequence[str] | None = None) -> None:
    """`python -m services.<name> [serve|migrate|<command>]`."""
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args else "serve"
    settings = load_settings()
    configure_logging(service.name, settings.log_level)
    if command == "serve":
        uvicorn.run(
            create_app(service, settings),
            host=settings.bind_host,
            port=settings.port_of(service.name),
            log_config=None,
            timeout_graceful_shutdown=10,
        )
    elif command == "migrate":
        applied = asyncio.run(apply_migrations(settings.dsn, service.name, service.migrations))
        print(f"{service.name}: {len(applied)} migration(s) applied")
    elif command in service.commands:
        asyncio.run(_migrate_then(service, settings, service.commands[command](settings, args[1:])))
    else:
        known = ", ".join(["serve", "migrate", *service.commands])
        raise SystemExit(f"unknown command {command!r}; expected one of: {known}")
