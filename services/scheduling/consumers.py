"""Kafka subscribers of scheduling: registration's events feed the city projection."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from services.scheduling import storage
from services.scheduling.domain import city_from_application
from shared import topics
from shared.consumer import IdempotentConsumer
from shared.contracts import ApplicationSubmitted
from shared.events import Event
from shared.runtime import Runtime
from shared.topics import Topic

CONSUMER = "scheduling"


async def on_application_submitted(conn: asyncpg.Connection, event: Event[Any]) -> None:
    await storage.upsert_city(conn, city_from_application(event.payload, event.occurred_at))


def build(runtime: Runtime) -> Sequence[tuple[Topic, IdempotentConsumer]]:
    consumer = IdempotentConsumer(
        CONSUMER, runtime.pool, {ApplicationSubmitted: on_application_submitted}, runtime.dead_letters
    )
    return [(topics.REGISTRATION, consumer)]
