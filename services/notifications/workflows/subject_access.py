"""Subject access (GDPR art. 15): notifications' part of the platform's export of one person."""

from __future__ import annotations

from services.notifications.storage import subject_access as held
from shared.dependencies import Dependencies
from shared.subject_access import SubjectAccess


async def subject_access(deps: Dependencies, email: str) -> SubjectAccess:
    """Everything notifications holds about the address. Registration audits the export."""
    email = email.strip().lower()  # addresses are compared folded everywhere
    async with deps.pool.acquire() as conn, conn.transaction(readonly=True, isolation="repeatable_read"):
        records = {
            "deliveries": await held.deliveries(conn, email),
            "opt_outs": await held.opt_outs(conn, email),
            "bounces": await held.bounces(conn, email),
            "staff_profiles": await held.staff_profiles(conn, email),
        }
    return SubjectAccess(service="notifications", email=email, generated_at=deps.now(), records=records)
