"""Reminders: each due one is published as ReminderDue exactly once, surviving restarts.

One round = one transaction: claim due reminders (FOR UPDATE SKIP LOCKED, so concurrent workers never
take the same one), write ReminderDue to the outbox and mark the reminder sent, then commit. A crash
before the commit leaves them pending and no event; after it, both exist.
"""

from __future__ import annotations

from services.scheduling.domain import messages
from services.scheduling.domain.links import Links
from services.scheduling.domain.reminders import still_due
from services.scheduling.storage import activities, cities, nominations, reminders
from shared.dependencies import Dependencies


async def send_due(deps: Dependencies, batch: int) -> int:
    """One round; returns how many ReminderDue events were written."""
    now = deps.now()
    sent = 0
    async with deps.pool.acquire() as conn, conn.transaction():
        links = Links.of(deps.settings)
        for reminder in await reminders.claim_due(conn, now, batch):
            nomination = await nominations.get(conn, reminder.nomination_id)
            activity = await activities.get(conn, nomination.activity_id)
            if not still_due(nomination, activity):
                await reminders.cancel_pending(conn, nomination_id=nomination.id)
                continue
            city = await cities.member(conn, nomination.city_id)
            payload = messages.reminder_due(activity, nomination, reminder, city.focal_point, links, now)
            await deps.publisher.publish(conn, payload, key=activity.id, at=now)
            await reminders.mark_sent(conn, reminder, now)
            sent += 1
    return sent
