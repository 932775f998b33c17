"""The retention job of the delivery log: emails settled DELIVERY_BODY_RETENTION_DAYS ago lose what
they said (domain/retention.py); nothing is published, the decision column records the erasure."""

from __future__ import annotations

from datetime import timedelta

from services.notifications.domain.retention import body_erasure_due
from services.notifications.storage import erasure
from shared.dependencies import Dependencies

BATCH = 500


async def erase_old_bodies(deps: Dependencies) -> int:
    """One round of at most BATCH rows; returns how many bodies were emptied."""
    now, days = deps.now(), deps.settings.delivery_body_retention_days
    keep = timedelta(days=days)
    async with deps.pool.acquire() as conn, conn.transaction():
        kept = await erasure.bodies_kept_before(conn, now - keep, BATCH)
        due = [row.id for row in kept if body_erasure_due(row, now, keep)]
        if due:
            await erasure.erase_bodies(conn, due, now, days)
    return len(due)
