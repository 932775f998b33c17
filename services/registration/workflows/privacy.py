"""GDPR: what the platform holds about a person (subject access, the export), erase a person on
request, applicants' data once their stage's retention period is over (withdrawn, waitlisted,
rejected), and the audit log staff read to account for what was done with the data."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from services.registration.domain import messages
from services.registration.domain import subject_access as export
from services.registration.domain.applications import Application
from services.registration.domain.retention import Retention, erasure_due
from services.registration.storage import applications, audit, calls, cities
from services.registration.storage import subject_access as held
from shared.contracts import person_id_for_email
from shared.dependencies import Dependencies
from shared.logs import correlation_id
from shared.storage import person_keys
from shared.subject_access import SubjectAccess


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


async def erase_expired(deps: Dependencies) -> int:
    """The retention job: erase the applications whose stage's period is over (domain/retention.py,
    periods from the *_RETENTION_DAYS settings). Other services are told (PersonErased) once the
    person has no other record here."""
    now, retention = deps.now(), Retention.of(deps.settings)
    erased = 0
    async with deps.pool.acquire() as conn, conn.transaction():
        in_line: dict[str, bool] = {}
        for application in await applications.due_for_erasure(conn, now, retention):
            slug = application.call_slug
            call = await calls.get_call(conn, slug)
            if slug not in in_line:
                in_line[slug] = await cities.places_to_offer(conn, slug)
            if erasure_due(
                application.status, application.erased_at, call.closes_at, application.withdrawn_at, now, retention,
                places_to_offer=in_line[slug],
            ):  # fmt: skip
                await _erase_expired_application(conn, deps, application, retention.kept(application.status), now)
                erased += 1
    return erased


async def _erase_expired_application(
    conn: asyncpg.Connection, deps: Dependencies, application: Application, kept: timedelta, now: datetime
) -> None:
    """Erase one application, audited; a person left with no record here is erased everywhere
    (PersonErased) and from the audit log's details, as an erasure on request does."""
    await applications.erase_application(conn, application.id, now)
    email = str(application.form.contact_email)
    if email and not await applications.person_applications(conn, email):
        if not await cities.cities_with_person(conn, email):
            await audit.scrub_person(conn, email)
            names = (application.form.contact_name,)
            payload = messages.person_erased(application.contact_person_id, email, now, "retention", names)
            await deps.publisher.publish(conn, payload, key=application.contact_person_id, at=now)
            await deps.keyring.erase(conn, email, now)
    await audit.record(
        conn, at=now, actor="system:retention", action="application.erased", subject=str(application.id),
        reason="retention", details={"stage": application.status.value, "kept_days": kept.days},
    )  # fmt: skip


async def destroy_erased_keys(deps: Dependencies) -> int:
    """Crypto-shredding: the keys of people erased more than the grace period ago are deleted, and with
    them every sealed copy of their data on Kafka, in dead letters and in stored events."""
    before = deps.now() - timedelta(hours=deps.settings.erased_key_grace_hours)
    return await person_keys.destroy_erased(deps.pool, before)


async def audit_log(deps: Dependencies, subject: str | None = None) -> list[dict[str, Any]]:
    """The latest entries of the audit log, all or about one subject (an application, a call...)."""
    async with deps.pool.acquire() as conn:
        return await audit.entries(conn, subject)


def _person_ids(
    email: str, sent: list[dict[str, Any]], contacts: list[dict[str, Any]], accounts: list[dict[str, Any]]
) -> list[UUID]:
    """The ids the person has here (as an applicant, a city contact, a staff account; the one derived
    from the address), which their sign-in links, sessions and audit entries name."""
    ids = [a["contact_person_id"] for a in sent] + [c["person_id"] for c in contacts] + [s["id"] for s in accounts]
    return list(dict.fromkeys([*(UUID(i) for i in ids if i), person_id_for_email(email)]))


async def _records(conn: asyncpg.Connection, email: str) -> tuple[dict[str, list[dict[str, Any]]], list[UUID]]:
    """Registration's records about the address, and the person ids they name."""
    sent = await held.applications(conn, email)
    contacts = await held.city_contacts(conn, email)
    accounts = await held.staff_accounts(conn, email)
    application_ids = [UUID(a["id"]) for a in sent]
    person_ids = _person_ids(email, sent, contacts, accounts)
    city_ids = [contact["city_id"] for contact in contacts]  # what the person did as a focal point or deputy
    subjects = [str(i) for i in [*person_ids, *application_ids]] + city_ids
    records = {
        "applications": sent,
        "information_requests": await held.information_requests(conn, application_ids),
        "reviews": await held.reviews(conn, application_ids),
        "city_contacts": contacts,
        "staff_accounts": accounts,
        "sign_in_links": await held.sign_in_links(conn, person_ids),
        "sessions": await held.sessions(conn, person_ids),
        "audit_log": await held.audit_entries(conn, email, subjects),
    }
    return records, person_ids


async def _audit_export(
    conn: asyncpg.Connection, deps: Dependencies, email: str, person_ids: list[UUID], actor: str, details: dict
) -> None:
    """An export is itself processing of personal data: it is audited like an erasure (the details name
    the address, so that an erasure scrubs them)."""
    await audit.record(
        conn, at=deps.now(), actor=actor, action="person.exported", subject=",".join(map(str, person_ids)),
        details={"email": email} | details, correlation_id=correlation_id.get(),
    )  # fmt: skip


async def subject_access(deps: Dependencies, email: str, actor: str) -> SubjectAccess:
    """Everything registration holds about the address (its part of an export), audited."""
    email = email.strip().lower()  # addresses are compared folded everywhere
    async with deps.pool.acquire() as conn, conn.transaction():
        records, person_ids = await _records(conn, email)
        await _audit_export(conn, deps, email, person_ids, actor, {"services": ["registration"], "format": "json"})
    return SubjectAccess(service="registration", email=email, generated_at=deps.now(), records=records)


async def export_person(
    deps: Dependencies, email: str, actor: str, answered: dict[str, SubjectAccess], missing: dict[str, str]
) -> export.Export:
    """The ZIP of everything the platform holds about the address: registration's records and the
    other services' `answered` (fetched by the caller); a service in `missing` is named in the ZIP
    with why it is absent. Audited with the services it holds and those missing."""
    email, now = email.strip().lower(), deps.now()
    async with deps.pool.acquire() as conn, conn.transaction():
        records, person_ids = await _records(conn, email)
        own = SubjectAccess(service="registration", email=email, generated_at=now, records=records)
        everything = {"registration": own} | answered
        details = {"services": list(everything), "missing": sorted(missing), "format": "zip"}
        await _audit_export(conn, deps, email, person_ids, actor, details)
    return export.export_zip(email, now, everything, missing)
