"""A bounce arrives (a delivery status notification at the return path, or a hosted mail service's
webhook): it is recorded; a permanent one marks its delivery bounced and stops further non-essential
mail to the address; a transient one is only counted (the delivery may still arrive)."""

from __future__ import annotations

import logging

from services.notifications.domain.bounces import Bounce
from services.notifications.storage import bounces
from shared.dependencies import Dependencies

log = logging.getLogger(__name__)


async def receive(deps: Dependencies, bounce: Bounce, source: str) -> int | None:
    """Records the bounce in one transaction; returns the delivery it is about, if one is known."""
    now = deps.now()
    async with deps.pool.acquire() as conn, conn.transaction():
        delivery_id = await bounces.sent_delivery(conn, bounce)
        await bounces.record(conn, bounce, delivery_id, source, now)
        if bounce.kind == "permanent":
            await bounces.suppress(conn, bounce.recipient, delivery_id, now)
            if delivery_id is not None:
                await bounces.mark_bounced(conn, delivery_id, f"bounced {bounce.status}: {bounce.diagnostic}"[:1000])
    log.info("bounce received", extra={"kind": bounce.kind, "delivery_id": delivery_id, "source": source})
    return delivery_id
