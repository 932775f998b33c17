"""Prometheus metrics, the same on every service: `GET /metrics`.

- HTTP: request count by method, route template and status; latency histogram by route.
- Kafka consumers: FastStream's Prometheus middleware (messages received/processed, durations,
  exceptions) and the lag of every consumer group of the service (end offset − committed offset).
- Outbox: rows not yet published, rows published by this process.
- Service-specific gauges: a service may add its own refresh (e.g. deliveries by status).
Values that live in PostgreSQL or Kafka are read when /metrics is scraped, not on a timer.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from fastapi import APIRouter, Request
from fastapi.responses import Response
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.types import Message, Receive, Scope, Send

from shared.web.middleware import HttpMiddleware, watching_response_start

if TYPE_CHECKING:
    from shared.runtime import Runtime

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)


class ServiceMetrics:
    """One registry per service process (never a global one: nothing is created at import time)."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry()
        self.http_requests = Counter(
            "http_requests_total", "HTTP requests", ["method", "route", "status"], registry=self.registry
        )
        self.http_latency = Histogram(
            "http_request_duration_seconds",
            "HTTP latency",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.outbox_backlog = Gauge("outbox_backlog", "Outbox rows not yet published", registry=self.registry)
        self.outbox_published = Gauge(
            "outbox_published_by_this_process", "Outbox rows this process published", registry=self.registry
        )
        self.consumer_lag = Gauge(
            "kafka_consumer_lag",
            "End offset minus committed offset",
            ["group", "topic", "partition"],
            registry=self.registry,
        )
        self.background_crashes = Counter(
            "background_loop_crashes_total",
            "Background loops (relay, workers) that crashed and were started again",
            ["loop"],
            registry=self.registry,
        )
        self.kafka_middleware = KafkaPrometheusMiddleware(registry=self.registry, app_name=service)
        self.refreshers: list[Callable[[Runtime], Awaitable[None]]] = [_refresh_outbox, _refresh_lag]
        self._lag_probe: AIOKafkaConsumer | None = None

    def watch_loop(self, loop: str) -> None:
        """The loop's crash counter shows 0 from the start, so an alert can compare it with nothing."""
        self.background_crashes.labels(loop=loop)

    def count_crash(self, loop: str) -> None:
        self.background_crashes.labels(loop=loop).inc()

    def gauge(self, name: str, documentation: str, labels: list[str]) -> Gauge:
        return Gauge(name, documentation, labels, registry=self.registry)

    async def render(self, runtime: Runtime) -> bytes:
        for refresh in self.refreshers:
            try:
                await refresh(runtime)
            except Exception:  # a dependency that does not answer must not hide the other metrics
                continue
        return generate_latest(self.registry)

    async def lag_probe(self, bootstrap: str) -> AIOKafkaConsumer:
        if self._lag_probe is None:
            self._lag_probe = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
            await self._lag_probe.start()
        return self._lag_probe

    async def close(self) -> None:
        if self._lag_probe is not None:
            await self._lag_probe.stop()
            self._lag_probe = None


async def _refresh_outbox(runtime: Runtime) -> None:
    runtime.metrics.outbox_backlog.set(
        await runtime.pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
    )
    runtime.metrics.outbox_published.set(runtime.relay.published_total)


async def _refresh_lag(runtime: Runtime) -> None:
    if not runtime.kafka_connected.is_set() or not runtime.consumer_groups:
        return
    bootstrap = runtime.settings.kafka_bootstrap_servers
    probe = await runtime.metrics.lag_probe(bootstrap)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        for group, topic in runtime.consumer_groups:
            partitions = [TopicPartition(topic, p) for p in sorted(await runtime.producer.partitions_for(topic))]
            committed = await admin.list_consumer_group_offsets(group, partitions=partitions)
            ends = await probe.end_offsets(partitions)
            for tp in partitions:
                done = committed.get(tp)
                lag = ends[tp] - (done.offset if done is not None and done.offset >= 0 else 0)
                runtime.metrics.consumer_lag.labels(group, topic, str(tp.partition)).set(lag)
    finally:
        await admin.close()


class HttpMetricsMiddleware(HttpMiddleware):
    """Counts and times every HTTP request by its route template (not its raw path)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status = {"code": 500}

        def record_status(message: Message) -> None:
            status["code"] = message["status"]

        try:
            await self.app(scope, receive, watching_response_start(send, record_status))
        finally:
            runtime = getattr(scope["app"].state, "runtime", None)
            if runtime is not None:
                route = getattr(scope.get("route"), "path", "unmatched")
                metrics: ServiceMetrics = runtime.metrics
                metrics.http_requests.labels(scope["method"], route, str(status["code"])).inc()
                metrics.http_latency.labels(scope["method"], route).observe(time.perf_counter() - started)


def metrics_router() -> APIRouter:
    router = APIRouter(tags=["observability"])

    @router.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        """For the monitoring that scrapes each replica on its own address, not for the public: a
        request that came through the public entry (Caddy and the Ingress add X-Forwarded-For; a
        scraper does not) gets a 404, whatever TRUSTED_PROXIES says."""
        if "x-forwarded-for" in request.headers:
            return Response("Not Found", status_code=404, media_type="text/plain")
        runtime: Any = request.app.state.runtime
        return Response(await runtime.metrics.render(runtime), media_type=CONTENT_TYPE_LATEST)

    return router
