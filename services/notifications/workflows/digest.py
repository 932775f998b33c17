"""Composing the staff daily digests that are due.

Any replica may compose: held rows are locked (SKIP LOCKED) and the digest's idempotency key is
(recipient, day), so a day's digest is written once. A row that commits after its day's digest was
composed waits for the next day's digest.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import groupby

from services.notifications.domain.digest import DIGEST, digest_cutoff, digest_id
from services.notifications.domain.emails import NO_STAFF, STAFF_NAME, PlannedEmail, Recipient
from services.notifications.storage import deliveries
from services.notifications.workflows.recording import Origin, read_staff, record
from shared.dependencies import Dependencies


async def compose_due(deps: Dependencies, wake_delivery: Callable[[], None]) -> int:
    """Write the digests due now; returns how many."""
    cutoff = digest_cutoff(deps.now())
    composed = 0
    async with deps.pool.acquire() as conn, conn.transaction():
        held = await deliveries.held_before(conn, cutoff)
        staff = await read_staff(conn, deps.settings) if held else NO_STAFF
        members = {member.email.lower(): member for member in staff.members}
        for address, group in groupby(held, key=lambda notice: notice.recipient):
            notices = list(group)
            member = members.get(address.lower()) or Recipient(address, STAFF_NAME, notices[0].language, is_staff=True)
            items = [{"subject": n.subject, "text": n.text} for n in notices]
            email = PlannedEmail(member, DIGEST, essential=False, context={"items": items})
            origin = Origin(digest_id(address, cutoff), "DailyDigest", f"digest-{cutoff:%Y-%m-%d}")
            ids = await record(conn, deps.settings, origin, [email], staff)
            if ids:
                await deliveries.mark_digested(conn, [n.id for n in notices], ids[0])
                composed += 1
    if composed:
        wake_delivery()
    return composed
