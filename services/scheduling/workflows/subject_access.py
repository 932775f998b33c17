"""Subject access (GDPR art. 15): scheduling's part of the platform's export of one person."""

from __future__ import annotations

from services.scheduling.storage import subject_access as held
from shared.dependencies import Dependencies
from shared.subject_access import SubjectAccess


async def subject_access(deps: Dependencies, email: str) -> SubjectAccess:
    """Everything scheduling holds about the address. Registration audits the export."""
    email = email.strip().lower()  # addresses are compared folded everywhere
    async with deps.pool.acquire() as conn, conn.transaction(readonly=True, isolation="repeatable_read"):
        records = {
            "nominations": await held.nominations(conn, email),
            "reminders": await held.reminders(conn, email),
            "city_contacts": await held.city_contacts(conn, email),
            "cities_heard_of": await held.cities_heard_of(conn, email),
        }
    return SubjectAccess(service="scheduling", email=email, generated_at=deps.now(), records=records)
