"""The one way a service publishes: an event is written to its outbox in the caller's transaction.

The relay (shared.messaging.outbox) sends it to Kafka after the commit, so an event exists if and
only if the change that caused it was committed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from shared.contracts.events import Event, P, new_event
from shared.logs import correlation_id
from shared.messaging.outbox import enqueue
from shared.privacy.keyring import Keyring


@dataclass(frozen=True)
class Publisher:
    """Publishes as `producer` (the service's name); event ids come from `new_id`; personal fields are
    sealed with `keyring`."""

    producer: str
    new_id: Callable[[], UUID]
    keyring: Keyring

    async def publish(
        self, conn: asyncpg.Connection, payload: P, *, key: object, at: datetime, causation_id: str | None = None
    ) -> Event[P]:
        """Write `payload` in an envelope keyed by `key` (its aggregate id) to the outbox, inside the
        transaction `conn` is in. The correlation id is the current request's or consumed event's."""
        event = new_event(
            payload,
            key=str(key),
            event_id=self.new_id(),
            occurred_at=at,
            producer=self.producer,
            correlation_id=correlation_id.get() or str(self.new_id()),
            causation_id=causation_id,
        )
        await enqueue(conn, event, body=await self.keyring.seal_event(conn, event))
        return event
