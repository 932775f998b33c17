"""A bounce arrives (a delivery status notification at the return path, or a hosted mail service's
webhook): it is recorded; a permanent one marks its delivery bounced and stops further non-essential
mail to the address; a transient one is only counted (the delivery may still arrive).

A permanent bounce of a focal point's city business also goes to the city's deputy, and staff are
told (domain.stand_ins), in the same transaction."""

from __future__ import annotations

import logging

import asyncpg

from services.notifications.domain.bounces import Bounce
from services.notifications.domain.emails import NO_STAFF
from services.notifications.domain.routes import plan
from services.notifications.domain.stand_ins import (
    FORWARDED_TO_DEPUTY,
    BouncedCityEmail,
    forwarded_to,
    stand_in_notices,
)
from services.notifications.storage import bounces, deliveries, focal_points
from services.notifications.storage.deliveries import WAKEUP_CHANNEL
from services.notifications.workflows.recording import Origin, read_staff, record
from shared.contracts.registry import parse_event
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
                await _stand_in(deps, conn, delivery_id)
    log.info("bounce received", extra={"kind": bounce.kind, "delivery_id": delivery_id, "source": source})
    return delivery_id


async def _stand_in(deps: Dependencies, conn: asyncpg.Connection, delivery_id: int) -> None:
    """The deputy gets the focal point's bounced email (if it is city business), and staff a notice."""
    email = await deliveries.get_delivery(conn, delivery_id)
    if email is None or email.template not in FORWARDED_TO_DEPUTY or email.event is None:
        return
    city = await focal_points.stand_in_for(conn, email.recipient)
    if city is None:
        return
    bounced = BouncedCityEmail(delivery_id, email.recipient, city.city_name, email.subject, city.deputy)
    event = parse_event(await deps.keyring.open_event(conn, email.event))
    forwarded = forwarded_to(plan(event, ()), bounced, email.template)
    if forwarded is not None:
        origin = Origin(event.event_id, event.type, email.correlation_id, email.event)
        await record(conn, deps.settings, origin, [forwarded], NO_STAFF)
    staff = await read_staff(conn, deps.settings)
    notice_id, notices = stand_in_notices(bounced, forwarded is not None, staff.members)
    await record(conn, deps.settings, Origin(notice_id, "FocalPointBounced", email.correlation_id), notices, staff)
    await conn.execute("SELECT pg_notify($1, '')", WAKEUP_CHANNEL)
    log.info("focal point bounced", extra={"delivery_id": delivery_id, "forwarded": forwarded is not None})
