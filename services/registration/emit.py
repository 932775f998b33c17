"""Publishing from registration: an event goes into the outbox in the caller's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

import asyncpg

from shared.contracts.events import Payload, new_event
from shared.logs import correlation_id
from shared.messaging.outbox import enqueue

PRODUCER = "registration"


async def emit(
    conn: asyncpg.Connection,
    payload: Payload,
    *,
    key: str,
    now: datetime,
    new_id: Callable[[], uuid.UUID] = uuid.uuid4,
) -> None:
    event = new_event(
        payload,
        key=key,
        event_id=new_id(),
        occurred_at=now,
        producer=PRODUCER,
        correlation_id=correlation_id.get() or str(new_id()),
    )
    await enqueue(conn, event)
