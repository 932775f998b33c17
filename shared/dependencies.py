"""What every workflow is given from outside, declared once for the three services.

A workflow is one use case owning its one transaction; it takes a `Dependencies` (or, in a
consumer, the connection of the transaction the idempotent consumer opened) and nothing from the
web or Kafka runtime: the clock and new ids are passed in, so a test can fix both, and no module
below `workflows/` imports FastAPI, FastStream or `shared.runtime`. `shared.runtime` builds one per
process; a service may wrap it with what only it needs (its links, a worker to wake).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from shared.messaging.publishing import Publisher
from shared.settings import Settings


@dataclass(frozen=True)
class Dependencies:
    pool: asyncpg.Pool
    settings: Settings
    clock: Callable[[], datetime]
    new_id: Callable[[], UUID]
    publisher: Publisher

    def now(self) -> datetime:
        return self.clock()
