"""Sending the staff notices whose window ended, one email per staff member and kind
(domain/coalescing.py). Any replica may: waiting rows are locked (SKIP LOCKED) and the email's
idempotency key is (recipient, kind, end of window)."""

from __future__ import annotations

from collections.abc import Callable
from itertools import groupby

from services.notifications.domain.coalescing import COALESCED, LISTED, coalesced_id
from services.notifications.domain.emails import STAFF_NAME, PlannedEmail, Recipient
from services.notifications.storage import coalescing
from services.notifications.workflows.recording import Origin, read_staff, record
from shared.dependencies import Dependencies


async def release_due(deps: Dependencies, wake_delivery: Callable[[], None]) -> int:
    """Write the emails of the windows that ended; returns how many."""
    now = deps.now()
    sent = 0
    async with deps.pool.acquire() as conn, conn.transaction():
        waiting = await coalescing.due(conn, now)
        if not waiting:
            return 0
        staff = await read_staff(conn, deps.settings)
        members = {member.email.lower(): member for member in staff.members}
        windows = []
        for (address, template), group in groupby(waiting, key=lambda n: (n.recipient.lower(), n.template)):
            notices = list(group)
            first = notices[0]
            member = members.get(address) or Recipient(first.recipient, STAFF_NAME, first.language, is_staff=True)
            listed = {"notices": notices[:LISTED], "total": len(notices)}
            email = PlannedEmail(member, COALESCED, essential=False, context=listed)
            ends = max(notice.release_at for notice in notices)
            origin = Origin(coalesced_id(address, template, ends), "StaffNoticesCoalesced", f"coalesced-{template}")
            ids = await record(conn, deps.settings, origin, [email], staff)
            if ids:
                await coalescing.released(conn, [notice.id for notice in notices], ids[0])
                windows.append((address, template))
                sent += 1
        await coalescing.opened(conn, windows, now)  # this email opens the next window
    if sent:
        wake_delivery()
    return sent
