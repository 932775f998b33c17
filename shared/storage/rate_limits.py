"""A rate limit counted in PostgreSQL, so that every replica of a service (processes and hosts) counts
the same requests: a sliding-window counter per key (the current window's count plus the previous
window's, weighted by how much of it still lies within one period). One statement per request; the
windows are the database's clock, so replicas whose clocks differ still agree.

Counting fails open: if PostgreSQL cannot be reached the request goes on (its handler needs the database
anyway and answers for itself), and a warning says so.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import timedelta

import asyncpg

log = logging.getLogger(__name__)
CLEAN_EVERY = 500
"""Requests between two deletions of windows no longer counted (per process)."""

_COUNT = """
WITH hit AS (
    INSERT INTO rate_limit_counts AS r (key, window_start, count)
    VALUES ($1, date_bin($2::interval, clock_timestamp(), timestamptz 'epoch'), 1)
    ON CONFLICT (key, window_start) DO UPDATE SET count = r.count + 1
    RETURNING count, window_start
)
SELECT hit.count AS current,
       coalesce((SELECT p.count FROM rate_limit_counts p
                 WHERE p.key = $1 AND p.window_start = hit.window_start - $2::interval), 0) AS previous,
       extract(epoch FROM clock_timestamp() - hit.window_start)::float8 AS elapsed
FROM hit
"""


def wait_after(current: int, previous: int, elapsed: float, capacity: int, period: float) -> float:
    """0 when the request is within the limit, else the seconds until it would be (pure)."""
    weight = max(0.0, 1.0 - elapsed / period)
    if previous * weight + current <= capacity:
        return 0.0
    if current > capacity or previous == 0:
        return max(1.0, period - elapsed)
    # the previous window's share shrinks as time goes: when does it leave room for this request?
    room_at = 1.0 - (capacity - current) / previous
    return max(1.0, math.ceil(room_at * period - elapsed - 1e-9))


class SharedRateLimit:
    """`capacity` requests per `period` seconds per key, for every replica using the same schema. Keys are
    counted per policy (capacity and period), so processes with different limits never share counts."""

    def __init__(self, pool_of: Callable[[], asyncpg.Pool], capacity: int, period: float = 60.0) -> None:
        self.pool_of = pool_of
        self.capacity = capacity
        self.period = timedelta(seconds=period)
        self.counted = 0

    async def take(self, key: str) -> float:
        """0 when allowed (the request is counted), else the seconds to wait (it is counted too)."""
        try:
            async with self.pool_of().acquire() as conn:
                row = await conn.fetchrow(
                    _COUNT, f"{self.capacity}/{self.period.total_seconds():g}s {key}", self.period
                )
                self.counted += 1
                if self.counted % CLEAN_EVERY == 0:
                    await conn.execute(
                        "DELETE FROM rate_limit_counts WHERE window_start < clock_timestamp() - 2 * $1::interval",
                        self.period,
                    )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            log.warning("rate limit not counted (database unreachable: %s); the request goes on", error)
            return 0.0
        return wait_after(row["current"], row["previous"], row["elapsed"], self.capacity, self.period.total_seconds())
