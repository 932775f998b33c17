"""GDPR: erase a person on request, rejected applicants' data after the retention period, and the
audit log staff read to account for what was done with the data."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from services.registration.domain import messages
from services.registration.domain.retention import erasure_due
from services.registration.storage import applications, audit, calls, cities
from shared.contracts import person_id_for_email
from shared.dependencies import Dependencies
from shared.logs import correlation_id
from shared.storage import person_keys


async def erase_person(deps: Dependencies, email: str, actor: str, reason: str) -> int:
    """Anonymise every application and contact of this address and tell the other services with
    PersonErased. Returns how many records were touched."""
    now = deps.now()
    async with deps.pool.acquire() as conn, conn.transaction():
        found = await applications.person_applications(conn, email)
        names = (*(a.form.contact_name for a in found), *await cities.contact_names(conn, email))
        for application in found:
            await applications.erase_application(conn, application.id, now)
        contact_ids = await cities.erase_contact(conn, email)
        person_ids: list[UUID] = list(dict.fromkeys([a.contact_person_id for a in found] + contact_ids))
        await audit.scrub_person(conn, email)
        for person_id in person_ids or [person_id_for_email(email)]:
            payload = messages.person_erased(person_id, email, now, "request", names)
            await deps.publisher.publish(conn, payload, key=person_id, at=now)
        await deps.keyring.erase(conn, email, now)
        await audit.record(
            conn, at=now, actor=actor, action="person.erased", subject=",".join(map(str, person_ids)) or "unknown",
            reason=reason, details={"records": len(found) + len(contact_ids)}, correlation_id=correlation_id.get(),
        )  # fmt: skip
    return len(found) + len(contact_ids)


async def erase_expired(deps: Dependencies, keep: timedelta) -> int:
    """The retention job: erase rejected applications whose call closed more than `keep` ago. Other
    services are told (PersonErased) once the person has no other record here."""
    now = deps.now()
    erased = 0
    async with deps.pool.acquire() as conn, conn.transaction():
        for application in await applications.rejected_due_for_erasure(conn, now - keep):
            call = await calls.get_call(conn, application.call_slug)
            if not erasure_due(application.status, application.erased_at, call.closes_at, now, keep):
                continue
            await applications.erase_application(conn, application.id, now)
            erased += 1
            email = str(application.form.contact_email)
            if email and not await applications.person_applications(conn, email):
                if not await cities.cities_with_person(conn, email):
                    names = (application.form.contact_name,)
                    payload = messages.person_erased(application.contact_person_id, email, now, "retention", names)
                    await deps.publisher.publish(conn, payload, key=application.contact_person_id, at=now)
                    await deps.keyring.erase(conn, email, now)
            await audit.record(
                conn, at=now, actor="system:retention", action="application.erased", subject=str(application.id),
                reason="retention", details={"kept_days": keep.days},
            )  # fmt: skip
    return erased


async def destroy_erased_keys(deps: Dependencies) -> int:
    """Crypto-shredding: the keys of people erased more than the grace period ago are deleted, and with
    them every sealed copy of their data on Kafka, in dead letters and in stored events."""
    before = deps.now() - timedelta(hours=deps.settings.erased_key_grace_hours)
    return await person_keys.destroy_erased(deps.pool, before)


async def audit_log(deps: Dependencies, subject: str | None = None) -> list[dict[str, Any]]:
    """The latest entries of the audit log, all or about one subject (an application, a call...)."""
    async with deps.pool.acquire() as conn:
        return await audit.entries(conn, subject)
