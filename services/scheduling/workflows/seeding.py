"""Seeding the real programme (domain.programme) and the demo programme (domain.demo) into the
calendar; seeding twice changes nothing (each activity has a stable seed key)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from services.scheduling.domain import demo
from services.scheduling.domain.activities import Activity, new_activity
from services.scheduling.domain.programme import CALENDAR, values_of
from services.scheduling.storage import activities
from services.scheduling.workflows.planning import add_session_to, add_to_programme
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


async def seed_demo(deps: Dependencies) -> tuple[list[Activity], int]:
    """The demo activities, dated from today (in domain.demo.TIMEZONE) when first seeded, each with its
    sessions in the same transaction; returns them all as they are now, and how many this run added."""
    now = deps.now()
    today = now.astimezone(ZoneInfo(demo.TIMEZONE)).date()
    added = 0
    async with deps.pool.acquire() as conn, conn.transaction():
        for seed in demo.demo_programme(today):
            activity = new_activity(deps.new_id(), seed.values, now, seed_key=seed.key)
            if not await add_to_programme(conn, deps, activity, SEED, now):
                continue
            added += 1
            for session in seed.sessions:
                activity = (await add_session_to(conn, deps, activity, session, SEED, now)).activity
        keys = {seed.key for seed in demo.DEMO}
        seeded = [a for a in await activities.programme(conn) if a.seed_key in keys]
    return seeded, added
