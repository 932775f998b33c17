"""Applications: insert, load, save state, erase."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

from services.registration.domain.applications import Application, ApplicationForm, Consent
from services.registration.domain.calls import Call
from services.registration.domain.reference import COUNTRY_TIMEZONES
from services.registration.domain.retention import ERASED_NAME, Retention
from services.registration.domain.review import Entry, Status
from services.registration.domain.scoring import Candidate
from services.registration.storage.calls import call_of


class DuplicateApplication(Exception):
    """The city already applied to this call."""


def _form(row: asyncpg.Record) -> ApplicationForm:
    """The stored answers (validated when written); rows of the first schema only had a few columns."""
    answers = json.loads(row["answers"]) if row["answers"] else {}
    base = {k: row[k] for k in ("city", "country", "contact_name", "contact_email", "language", "motivation")}
    values = base | answers
    values["contact_name"] = values.get("contact_name") or ERASED_NAME
    values["contact_email"] = values.get("contact_email") or ""
    values.setdefault("timezone", COUNTRY_TIMEZONES.get(row["country"], "Europe/Brussels"))
    return ApplicationForm.model_construct(**values, consent=True)


def _application(row: asyncpg.Record) -> Application:
    return Application(
        id=row["id"],
        call_slug=row["call_slug"],
        form=_form(row),
        status=Status(row["status"]),
        submitted_at=row["submitted_at"],
        updated_at=row["updated_at"] or row["submitted_at"],
        contact_person_id=row["contact_person_id"] or row["id"],
        consent=Consent(
            row["consent_version"] or "", row["consent_text"] or "", row["consent_at"] or row["submitted_at"]
        ),
        more_info_until=row["more_info_until"],
        staged_decision=Status(row["staged_decision"]) if row["staged_decision"] else None,
        waitlist_position=row["waitlist_position"],
        withdrawn_at=row["withdrawn_at"],
        released_at=row["released_at"],
        erased_at=row["erased_at"],
    )


def _form_columns(form: ApplicationForm) -> tuple[object, ...]:
    """The values of the columns the form fills besides `answers`, in the order both statements list them:
    city, country, contact_name, contact_email, language, motivation."""
    return (form.city, form.country, form.contact_name, str(form.contact_email), form.language, form.motivation)


_INSERT_INTO_CALL = """
WITH the_call AS (SELECT * FROM calls WHERE slug = $2),
added AS (
    INSERT INTO applications (id, call_slug, city, country, contact_name, contact_email, language, motivation,
        status, submitted_at, correlation_id, answers, contact_person_id, consent_version, consent_text,
        consent_at, updated_at)
    SELECT $1::uuid, slug, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text, $9::text,
        $10::timestamptz, $11::text, $12::jsonb, $13::uuid, $14::text, $15::text, $16::timestamptz,
        $17::timestamptz
    FROM the_call
    ON CONFLICT (call_slug, city_key(city), country) WHERE status <> 'withdrawn' DO NOTHING
    RETURNING id
)
SELECT the_call.*, EXISTS (SELECT FROM added) AS added FROM the_call
"""


async def insert_application(
    conn: asyncpg.Connection, application: Application, correlation_id: str
) -> tuple[Call, bool] | None:
    """Insert the application and read its call in the same statement (one round trip less): None when
    there is no such call (nothing inserted), else the call and whether the row went in (not when the
    city has a standing application in the call: the one-per-city index). Whether the call was open is
    the caller's to check; refusing after the insert rolls the row back with the transaction."""
    form = application.form
    row = await conn.fetchrow(
        _INSERT_INTO_CALL,
        application.id,
        application.call_slug,
        *_form_columns(form),
        application.status.value,
        application.submitted_at,
        correlation_id,
        json.dumps(form.answers()),
        application.contact_person_id,
        application.consent.version,
        application.consent.text,
        application.consent.given_at,
        application.updated_at,
    )
    return (call_of(row), row["added"]) if row else None


async def get_application(conn: asyncpg.Connection, application_id: UUID, *, lock: bool = False) -> Application | None:
    row = await conn.fetchrow(
        f"SELECT * FROM applications WHERE id = $1{' FOR UPDATE' if lock else ''}", application_id
    )
    return _application(row) if row else None


async def find_by_city(conn: asyncpg.Connection, call_slug: str, city: str, country: str) -> Application | None:
    """The city's standing (not withdrawn) application to the call, its name compared folded (city_key)."""
    row = await conn.fetchrow(
        "SELECT * FROM applications WHERE call_slug = $1 AND city_key(city) = city_key($2) AND country = $3"
        " AND status <> 'withdrawn'",
        call_slug,
        city,
        country,
    )
    return _application(row) if row else None


async def candidates(conn: asyncpg.Connection, call_slug: str) -> list[Candidate]:
    """Every application of the call with only what ranking and filtering read (domain.scoring.Candidate):
    a few bytes a row however long the answers, so that ranking 10,000 does not load 10,000 forms."""
    rows = await conn.fetch(
        "SELECT id, submitted_at, status, country FROM applications WHERE call_slug = $1", call_slug
    )
    return [Candidate(r["id"], r["submitted_at"], Status(r["status"]), r["country"]) for r in rows]


async def applications_by_id(conn: asyncpg.Connection, application_ids: Sequence[UUID]) -> dict[UUID, Application]:
    """The full rows of these applications (one page of a list, one batch of an export), by id."""
    rows = await conn.fetch("SELECT * FROM applications WHERE id = ANY($1::uuid[])", list(application_ids))
    return {r["id"]: _application(r) for r in rows}


async def board_entries(conn: asyncpg.Connection, call_slug: str) -> list[tuple[UUID, Entry]]:
    rows = await conn.fetch(
        "SELECT id, status, staged_decision, waitlist_position FROM applications WHERE call_slug = $1", call_slug
    )
    return [
        (
            r["id"],
            Entry(
                Status(r["status"]),
                Status(r["staged_decision"]) if r["staged_decision"] else None,
                r["waitlist_position"],
            ),
        )
        for r in rows
    ]


async def save_entry(conn: asyncpg.Connection, application_id: UUID, entry: Entry, now: datetime) -> None:
    await conn.execute(
        "UPDATE applications SET status = $2, staged_decision = $3, waitlist_position = $4, updated_at = $5,"
        " more_info_until = CASE WHEN $2 = 'more_info_requested' THEN more_info_until END"
        " WHERE id = $1",
        application_id,
        entry.status.value,
        entry.staged.value if entry.staged else None,
        entry.waitlist_position,
        now,
    )


async def save_application(conn: asyncpg.Connection, application: Application) -> None:
    """Write back what the applicant or staff changed (answers, status, dates)."""
    form = application.form
    try:
        await conn.execute(
            "UPDATE applications SET city = $2, country = $3, contact_name = $4, contact_email = $5, language = $6,"
            " motivation = $7, answers = $8::jsonb, status = $9, updated_at = $10, more_info_until = $11,"
            " staged_decision = $12, waitlist_position = $13, withdrawn_at = $14, released_at = $15"
            " WHERE id = $1",
            application.id,
            *_form_columns(form),
            json.dumps(form.answers()),
            application.status.value,
            application.updated_at,
            application.more_info_until,
            application.staged_decision.value if application.staged_decision else None,
            application.waitlist_position,
            application.withdrawn_at,
            application.released_at,
        )
    except asyncpg.UniqueViolationError as error:
        raise DuplicateApplication from error


async def count_active(conn: asyncpg.Connection, call_slug: str) -> int:
    return await conn.fetchval(
        "SELECT count(*) FROM applications WHERE call_slug = $1 AND status <> 'withdrawn'", call_slug
    )


async def person_applications(conn: asyncpg.Connection, email: str) -> list[Application]:
    rows = await conn.fetch(
        "SELECT * FROM applications WHERE lower(contact_email) = lower($1) AND erased_at IS NULL", email
    )
    return [_application(r) for r in rows]


async def erase_application(conn: asyncpg.Connection, application_id: UUID, now: datetime) -> None:
    """Anonymise: the contact person goes; what the city wrote about itself stays for the record."""
    await conn.execute(
        "UPDATE applications SET contact_name = NULL, contact_email = NULL, erased_at = $2, updated_at = $2,"
        " consent_text = NULL,"
        " answers = answers - 'contact_name' - 'contact_email' - 'contact_phone' - 'contact_role'"
        " WHERE id = $1",
        application_id,
        now,
    )


async def due_for_erasure(conn: asyncpg.Connection, now: datetime, retention: Retention) -> list[Application]:
    """Applications whose retention period is over (domain/retention.py says the same per row), locked:
    rejected and waitlisted after the call closed, withdrawn after the withdrawal or the close; a
    waitlisted one not while a selected city of its call has not signed up (else it would hold the batch)."""
    rows = await conn.fetch(
        "SELECT a.* FROM applications a JOIN calls c ON c.slug = a.call_slug WHERE a.erased_at IS NULL AND ("
        " (a.status = 'rejected' AND c.closes_at <= $1::timestamptz - $2::interval)"
        " OR (a.status = 'withdrawn' AND greatest(c.closes_at, a.withdrawn_at) <= $1::timestamptz - $3::interval)"
        " OR (a.status = 'waitlisted' AND c.closes_at <= $1::timestamptz - $4::interval AND NOT EXISTS ("
        "   SELECT 1 FROM cities p JOIN applications s ON s.id = p.application_id"
        "   WHERE s.call_slug = a.call_slug AND p.status = 'pending')))"
        " ORDER BY a.submitted_at LIMIT 200 FOR UPDATE OF a SKIP LOCKED",
        now,
        retention.rejected,
        retention.withdrawn,
        retention.waitlisted,
    )
    return [_application(r) for r in rows]


async def count_active_by_call(conn: asyncpg.Connection) -> dict[str, int]:
    """Each call's applications that were not withdrawn (calls without any are absent)."""
    rows = await conn.fetch(
        "SELECT call_slug, count(*) AS n FROM applications WHERE status <> 'withdrawn' GROUP BY call_slug"
    )
    return {r["call_slug"]: r["n"] for r in rows}
