"""Seeding the real programme (domain.programme) into the calendar; seeding twice changes nothing."""

from __future__ import annotations

from services.scheduling.domain.activities import new_activity
from services.scheduling.domain.programme import CALENDAR, values_of
from services.scheduling.workflows.planning import add_to_programme
from shared.dependencies import Dependencies

SEED = "seed"
"""Who changed the activities the seed adds (ActivityScheduled.changed_by)."""


async def seed_programme(deps: Dependencies) -> int:
    """Adds the programme's activities not there yet; returns how many it added."""
    now = deps.now()
    added = 0
    async with deps.pool.acquire() as conn, conn.transaction():
        for seed in CALENDAR:
            activity = new_activity(deps.new_id(), values_of(seed), now, seed_key=seed.key)
            added += await add_to_programme(conn, deps, activity, SEED, now)
    return added
