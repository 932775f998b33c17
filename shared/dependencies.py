"""What every workflow is given from outside, declared once for the three services.

A workflow is one use case owning its one transaction; it takes a `Dependencies` (or, in a
consumer, the connection of the transaction the idempotent consumer opened) and nothing from the
web or Kafka runtime: the clock and new ids are passed in, so a test can fix both, and no module
below `workflows/` imports FastAPI, FastStream or `shared.runtime`. `shared.runtime` builds one per
process; a service may wrap it with what only it needs (its links, a worker to wake).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

import asyncpg

from shared.messaging.publishing import Publisher
from shared.privacy.keyring import Keyring
from shared.settings import Settings


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Dependencies:
    pool: asyncpg.Pool
    settings: Settings
    clock: Callable[[], datetime]
    new_id: Callable[[], UUID]
    publisher: Publisher

    def now(self) -> datetime:
        return self.clock()

    @property
    def keyring(self) -> Keyring:
        """The keys of people's data: what opens a sealed event read back from storage."""
        return self.publisher.keyring

    @classmethod
    def of(
        cls,
        producer: str,
        pool: asyncpg.Pool,
        settings: Settings,
        clock: Callable[[], datetime] = utc_now,
        new_id: Callable[[], UUID] = uuid.uuid4,
    ) -> Dependencies:
        """The one way they are made, for `producer` (the service publishing): by the runtime for a
        serving process and a command alike, and by tests that stop the clock."""
        publisher = Publisher(producer, new_id, Keyring.of_secret(settings.personal_data_master_key))
        return cls(pool=pool, settings=settings, clock=clock, new_id=new_id, publisher=publisher)
