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
import functools
import importlib
import logging
import os
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import asyncpg
import uvicorn
from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, FastAPI, Request
from faststream.kafka import KafkaBroker

from shared.background import keep_running
from shared.contracts.topics import Topic
from shared.dependencies import Dependencies, utc_now
from shared.logs import configure_logging
from shared.messaging.consumer import Consumption, IdempotentConsumer, subscribe
from shared.messaging.kafka import DeadLetters, create_producer, ensure_topics, kafka_reachable
from shared.messaging.outbox import OutboxRelay
from shared.messaging.wakeup import NotifyWakeup
from shared.settings import Settings, load_settings
from shared.storage.database import DATABASE_UNAVAILABLE, create_pool
from shared.storage.migrations import apply_migrations
from shared.web.asyncapi import asyncapi_router, documentation_broker, specification
from shared.web.health import health_router
from shared.web.metrics import HttpMetricsMiddleware, ServiceMetrics, metrics_router
from shared.web.middleware import UnitOfWorkMiddleware
from shared.web.openapi import common_answers, document_answers
from shared.web.pages import assets
from shared.web.pages.guard import install_page_errors

log = logging.getLogger(__name__)

STARTUP_DATABASE_WAIT = 60.0


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
    metrics: ServiceMetrics
    clock: Callable[[], datetime] = utc_now
    new_id: Callable[[], uuid.UUID] = uuid.uuid4
    kafka_connected: asyncio.Event = field(default_factory=asyncio.Event)
    consumer_groups: list[tuple[str, str]] = field(default_factory=list)
    """(group, topic) of every subscriber, for the consumer-lag metric."""
    _wakeups: dict[str, NotifyWakeup] = field(default_factory=dict)

    @functools.cached_property
    def dependencies(self) -> Dependencies:
        """What the service's workflows are given (they never see the Runtime itself): made once, as
        making one derives the personal-data keys (it was once per request)."""
        return Dependencies.of(self.service.name, self.pool, self.settings, self.clock, self.new_id)

    def consumers(self) -> list[tuple[Topic, IdempotentConsumer]]:
        """The service's consumer group, built from its `Consumption`, once per topic it reads."""
        consumes = self.service.consumes
        if consumes is None:
            return []
        consumer = IdempotentConsumer(
            consumes.group,
            self.pool,
            consumes.handlers(self.dependencies),
            self.dead_letters,
            keyring=self.dependencies.keyring,
            after_commit=self.wakeup(consumes.wakes).poke if consumes.wakes else lambda: None,
        )
        return [(topic, consumer) for topic in consumes.topics]

    def wakeup(self, channel: str) -> NotifyWakeup:
        """The process's one wakeup of `channel`: a worker waits on it, the code that gives it work
        in this process pokes it after committing (no NOTIFY needed), other processes NOTIFY."""
        if channel not in self._wakeups:
            self._wakeups[channel] = NotifyWakeup(self.settings.dsn, channel)
        return self._wakeups[channel]


@dataclass(frozen=True)
class Service:
    name: str
    migrations: Path
    routers: Sequence[APIRouter] = ()
    consumes: Consumption | None = None
    workers: Callable[[Runtime], Sequence[Callable[[], Awaitable[None]]]] = lambda runtime: ()
    """The background loops, named by their function (the crash counter's `loop` label)."""
    commands: dict[str, Callable[[Dependencies, list[str]], Awaitable[object]]] = field(default_factory=dict)
    """Extra `python -m services.<name> <command> [args]`, run with the schema current."""
    title: str = ""
    middleware: Sequence[Callable[[FastAPI, Settings], None]] = ()
    """Each installs an ASGI middleware on the app (e.g. shared.web.http_limits.PublicLimits)."""
    metrics: Callable[[ServiceMetrics], None] = lambda metrics: None
    """Adds the service's own gauges and their refresh to /metrics."""


def create_app(service: Service, settings: Settings) -> FastAPI:
    """The service's ASGI app; everything connects in its lifespan, nothing at import time."""
    app = FastAPI(title=service.title or f"PACTESUR 2 {service.name}", lifespan=_lifespan(service, settings))
    app.add_middleware(UnitOfWorkMiddleware)
    app.add_middleware(HttpMetricsMiddleware)
    app.include_router(health_router(_readiness_checks))
    app.include_router(metrics_router())
    app.include_router(asyncapi_router())
    app.include_router(assets.router)
    install_page_errors(app)
    for router in service.routers:
        app.include_router(router)
    for install in service.middleware:
        install(app, settings)
    document_answers(app, common_answers)
    return app


async def runtime_of(request: Request) -> Runtime:
    """FastAPI dependency: the running service's Runtime (a coroutine, see `dependencies_of`)."""
    return request.app.state.runtime


def dependencies_in(request: Request) -> Dependencies:
    """What a workflow is given, for code of a request that is no FastAPI dependency (a page helper)."""
    return request.app.state.runtime.dependencies


async def dependencies_of(request: Request) -> Dependencies:
    """FastAPI dependency: what a workflow is given, for the handler to pass on. A coroutine because
    FastAPI runs a plain function dependency in its thread pool: a thread hop on every request."""
    return dependencies_in(request)


def _lifespan(service: Service, settings: Settings) -> Callable[[FastAPI], AsyncIterator[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await _wait_for_database(settings, service)
        pool = await create_pool(settings.dsn, service.name, max_size=20)
        producer = create_producer(settings.kafka_bootstrap_servers)
        metrics = ServiceMetrics(service.name)
        service.metrics(metrics)
        broker = KafkaBroker(
            settings.kafka_servers, graceful_timeout=10.0, logger=log, middlewares=[metrics.kafka_middleware]
        )
        runtime = Runtime(
            service=service,
            settings=settings,
            pool=pool,
            producer=producer,
            broker=broker,
            dead_letters=DeadLetters(producer),
            relay=OutboxRelay(settings.dsn, service.name, producer),
            metrics=metrics,
        )
        app.state.runtime = runtime
        consumed = runtime.consumers()
        for topic, consumer in consumed:
            consumer.after_outbox_write = runtime.relay.wake
            subscribe(broker, topic, consumer)
            runtime.consumer_groups.append((consumer.name, topic.name))
        app.state.asyncapi = specification(documentation_broker(service.name, consumed), service.name)
        loops = [("kafka connection and outbox relay", lambda: _connect_kafka(runtime))]
        loops += [(worker.__qualname__.split("<locals>.")[-1], worker) for worker in service.workers(runtime)]
        for name, _ in loops:
            metrics.watch_loop(name)
        tasks = [asyncio.create_task(keep_running(name, loop, metrics.count_crash), name=name) for name, loop in loops]
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
        except DATABASE_UNAVAILABLE as error:
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
            s = runtime.settings
            await ensure_topics(
                bootstrap,
                replication_factor=s.kafka_replication_factor,
                min_insync_replicas=s.kafka_min_insync_replicas,
            )
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
    await runtime.metrics.close()
    await runtime.pool.close()
    log.info("service stopped")


async def _run_command(service: Service, settings: Settings, name: str, args: list[str]) -> None:
    """Extra commands (e.g. seed) run with the schema current and the workflows' Dependencies."""
    await apply_migrations(settings.dsn, service.name, service.migrations)
    pool = await create_pool(settings.dsn, service.name, max_size=2)
    try:
        await service.commands[name](Dependencies.of(service.name, pool, settings), args)
    finally:
        await pool.close()


def main(service: Service, argv: Sequence[str] | None = None) -> None:
    """`python -m services.<name> [serve|migrate|<command>]`."""
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args else "serve"
    settings = load_settings()
    configure_logging(service.name, settings.log_level)
    if command == "serve":
        serve(service, settings)
    elif command == "migrate":
        applied = asyncio.run(apply_migrations(settings.dsn, service.name, service.migrations))
        print(f"{service.name}: {len(applied)} migration(s) applied")
    elif command in service.commands:
        asyncio.run(_run_command(service, settings, command, args[1:]))
    else:
        known = ", ".join(["serve", "migrate", *service.commands])
        raise SystemExit(f"unknown command {command!r}; expected one of: {known}")


REPLICA_SERVICE_VARIABLE = "PACTESUR_SERVICE_MODULE"


def serve(service: Service, settings: Settings) -> None:
    """Serve HTTP, consumers and workers in one process, or in SERVICE_PROCESSES processes.

    Several processes share the listening socket (uvicorn's supervisor starts them, restarts one that
    dies, and stops them on SIGTERM); each is a full replica with its own pool, outbox relay (the relays
    split the outbox shards), consumers (same group: the partitions are split) and workers (they claim
    rows with SKIP LOCKED). One Python process uses one core; this is how a service uses more.
    """
    options = {
        "host": settings.bind_host,
        "port": settings.port_of(service.name),
        "log_config": None,
        "timeout_graceful_shutdown": 10,
    }
    if settings.service_processes == 1:
        uvicorn.run(create_app(service, settings), **options)
        return
    os.environ[REPLICA_SERVICE_VARIABLE] = f"services.{service.name}.__main__"
    uvicorn.run("shared.runtime:replica_app", factory=True, workers=settings.service_processes, **options)


def replica_app() -> FastAPI:
    """The app of one replica process started by `serve` (it finds its service by module name)."""
    service = importlib.import_module(os.environ[REPLICA_SERVICE_VARIABLE]).SERVICE
    settings = load_settings()
    configure_logging(service.name, settings.log_level)
    return create_app(service, settings)
