"""The staff daily digest: at 17:00 (Europe/Brussels) the notices each staff member chose to take
as a digest are summarised in one email in their language.

Any replica may compose: held rows are locked (SKIP LOCKED) and the digest's idempotency key is
(recipient, day), so a day's digest is written once. A row that commits after its day's digest was
composed waits for the next day's digest.
"""

from __future__ import annotations

import asyncio
import logging
from itertools import groupby

from services.notifications import storage
from services.notifications.domain import DIGEST, PlannedEmail, Recipient, digest_cutoff, digest_id
from services.notifications.recording import Origin, record, staff_recipients
from shared.runtime import Runtime
from shared.storage.database import DATABASE_ERRORS

log = logging.getLogger(__name__)

INTERVAL = 60.0


class DigestWorker:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def run(self) -> None:
        while True:
            try:
                await self.compose_due()
            except DATABASE_ERRORS as error:
                log.warning("digest round failed", extra={"error": repr(error)})
            await asyncio.sleep(INTERVAL)

    async def compose_due(self) -> int:
        """Write the digests due now; returns how many."""
        settings, cutoff = self.runtime.settings, digest_cutoff(self.runtime.clock())
        composed = 0
        async with self.runtime.pool.acquire() as conn, conn.transaction():
            held = await storage.held_before(conn, cutoff)
            staff = {member.email.lower(): member for member in await staff_recipients(conn, settings)}
            for address, group in groupby(held, key=lambda row: row["recipient"]):
                rows = list(group)
                member = staff.get(address.lower()) or Recipient(
                    address, "Efus staff", rows[0]["language"], is_staff=True
                )
                items = [{"subject": r["subject"], "text": r["body_text"]} for r in rows]
                email = PlannedEmail(member, DIGEST, essential=False, context={"items": items})
                origin = Origin(digest_id(address, cutoff), "DailyDigest", f"digest-{cutoff:%Y-%m-%d}")
                ids = await record(conn, settings, origin, [email])
                if ids:
                    await storage.mark_digested(conn, [r["id"] for r in rows], ids[0])
                    composed += 1
        if composed:
            self.runtime.wakeup(storage.WAKEUP_CHANNEL).poke()
        return composed
