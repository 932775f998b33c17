"""Kafka subscribers of notifications: every routed event becomes rows in the delivery log;
PersonErased removes the person's address and stored bodies from it."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import asyncpg

from services.notifications import storage
from services.notifications.recording import Origin, record, staff_recipients
from services.notifications.routes import ROUTES, plan
from shared.contracts import PersonErased, topics
from shared.contracts.events import Event
from shared.contracts.topics import Topic
from shared.messaging.consumer import IdempotentConsumer
from shared.runtime import Runtime

log = logging.getLogger(__name__)

CONSUMER = "notifications"


def build(runtime: Runtime) -> Sequence[tuple[Topic, IdempotentConsumer]]:
    settings = runtime.settings

    async def record_emails(conn: asyncpg.Connection, event: Event[Any]) -> None:
        emails = plan(event, await staff_recipients(conn, settings))
        origin = Origin(event.event_id, event.type, event.correlation_id, event.to_json().decode())
        await record(conn, settings, origin, emails)

    async def erase_person(conn: asyncpg.Connection, event: Event[PersonErased]) -> None:
        erased = await storage.erase_person(conn, str(event.payload.email))
        log.info("person erased from the delivery log", extra={"rows": erased})

    handlers = {payload: record_emails for payload in ROUTES} | {PersonErased: erase_person}
    wake_delivery = runtime.wakeup(storage.WAKEUP_CHANNEL).poke
    consumer = IdempotentConsumer(CONSUMER, runtime.pool, handlers, runtime.dead_letters, after_commit=wake_delivery)
    return [(topics.REGISTRATION, consumer), (topics.SCHEDULING, consumer)]
