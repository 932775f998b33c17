"""GDPR: erase a person on request, and rejected applicants' data after the retention period."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import asyncpg

from services.registration.domain import messages
from services.registration.domain.retention import erasure_due
from services.registration.emit import emit
from services.registration.storage import applications, audit, calls, cities
from shared.contracts import person_id_for_email
from shared.logs import correlation_id


async def erase_person(conn: asyncpg.Connection, email: str, now: datetime, actor: str, reason: str) -> int:
    """Anonymise every application and contact of this address (in the caller's transaction) and tell
    the other services with PersonErased. Returns how many records were touched."""
    found = await applications.person_applications(conn, email)
    for application in found:
        await applications.erase_application(conn, application.id, now)
    contact_ids = await cities.erase_contact(conn, email)
    person_ids: list[UUID] = list(dict.fromkeys([a.contact_person_id for a in found] + contact_ids))
    await audit.scrub_person(conn, email)
    for person_id in person_ids or [person_id_for_email(email)]:
        await emit(conn, messages.person_erased(person_id, email, now, "request"), key=str(person_id), now=now)
    await audit.record(
        conn, at=now, actor=actor, action="person.erased", subject=",".join(map(str, person_ids)) or "unknown",
        reason=reason, details={"records": len(found) + len(contact_ids)}, correlation_id=correlation_id.get(),
    )  # fmt: skip
    return len(found) + len(contact_ids)


async def erase_expired(pool: asyncpg.Pool, now: datetime, keep: timedelta) -> int:
    """The retention job: erase rejected applications whose call closed more than `keep` ago. Other
    services are told (PersonErased) once the person has no other record here."""
    erased = 0
    async with pool.acquire() as conn, conn.transaction():
        for application in await applications.rejected_due_for_erasure(conn, now - keep):
            call = await calls.get_call(conn, application.call_slug)
            if not erasure_due(application.status, application.erased_at, call.closes_at, now, keep):
                continue
            await applications.erase_application(conn, application.id, now)
            erased += 1
            email = str(application.form.contact_email)
            if email and not await applications.person_applications(conn, email):
                if not await cities.cities_with_person(conn, email):
                    person_erased = messages.person_erased(application.contact_person_id, email, now, "retention")
                    await emit(conn, person_erased, key=str(application.contact_person_id), now=now)
            await audit.record(
                conn, at=now, actor="system:retention", action="application.erased", subject=str(application.id),
                reason="retention", details={"kept_days": keep.days},
            )  # fmt: skip
    return erased


async def announce_closed_calls(pool: asyncpg.Pool, now: datetime) -> int:
    """CallClosed once per call deadline that passed."""
    async with pool.acquire() as conn, conn.transaction():
        due = await calls.calls_to_announce_closed(conn, now)
        for call in due:
            count = await applications.count_active(conn, call.slug)
            await emit(conn, messages.call_closed(call, count), key=call.slug, now=now)
            await calls.mark_closed_announced(conn, call.slug, now)
    return len(due)
