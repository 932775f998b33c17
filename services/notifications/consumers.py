"""Kafka subscribers of notifications: every routed event becomes rows in the delivery log."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from services.notifications import storage
from services.notifications.domain import ROUTES, message_id, plan
from services.notifications.rendering import render
from shared import topics
from shared.consumer import IdempotentConsumer
from shared.events import Event
from shared.runtime import Runtime
from shared.topics import Topic

CONSUMER = "notifications"


def build(runtime: Runtime) -> Sequence[tuple[Topic, IdempotentConsumer]]:
    staff = runtime.settings.staff_emails

    async def record_emails(conn: asyncpg.Connection, event: Event[Any]) -> None:
        deliveries = []
        for email in plan(event, staff):
            rendered = render(email.template, email.recipient.language, email.context)
            deliveries.append(
                storage.NewDelivery(
                    event_id=event.event_id,
                    recipient=email.recipient.email,
                    template=email.template,
                    event_type=event.type,
                    essential=email.essential,
                    language=rendered.language,
                    message_id=message_id(event.event_id, email.recipient.email, email.template),
                    subject=rendered.subject,
                    body_text=rendered.text,
                    body_html=rendered.html,
                    correlation_id=event.correlation_id,
                )
            )
        await storage.add_deliveries(conn, deliveries)

    consumer = IdempotentConsumer(
        CONSUMER, runtime.pool, {payload: record_emails for payload in ROUTES}, runtime.dead_letters
    )
    return [(topics.REGISTRATION, consumer), (topics.SCHEDULING, consumer)]
