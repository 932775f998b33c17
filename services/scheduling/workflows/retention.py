"""The retention job of participants: once an activity ended PARTICIPANT_RETENTION_DAYS ago, each of its
nominations keeps its city, status and attendance, and the person becomes placeholders, as PersonErased
does (storage/nominations.PLACEHOLDERS). Scheduling has no audit log: the worker logs the count."""

from __future__ import annotations

from datetime import timedelta

from services.scheduling.domain.retention import participants_erasure_due
from services.scheduling.storage import activities, nominations
from shared.dependencies import Dependencies


async def erase_ended(deps: Dependencies) -> int:
    """One round; returns how many nominations were erased."""
    now, keep = deps.now(), timedelta(days=deps.settings.participant_retention_days)
    erased = 0
    async with deps.pool.acquire() as conn, conn.transaction():
        for ended in await activities.ended_with_participants(conn, now - keep):
            activity = await activities.get(conn, ended.id, lock=True)  # staff may be moving its dates
            if participants_erasure_due(activity.status, activity.ends_at, now, keep):
                erased += await nominations.erase_participants(conn, activity.id, now)
    return erased
