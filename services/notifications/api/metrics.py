"""Notifications' own gauge on /metrics: the delivery log by status."""

from __future__ import annotations

from services.notifications.workflows import delivery_log
from shared.runtime import Runtime
from shared.web.metrics import ServiceMetrics


def delivery_metrics(metrics: ServiceMetrics) -> None:
    gauge = metrics.gauge("notifications_deliveries", "Emails in the delivery log by status", ["status"])

    async def refresh(runtime: Runtime) -> None:
        for status, count in (await delivery_log.counts(runtime.dependencies)).items():
            gauge.labels(status).set(count)

    metrics.refreshers.append(refresh)
