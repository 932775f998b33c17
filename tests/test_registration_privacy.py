"""GDPR over the real database: erasure on request, the retention job with its clock, CallClosed."""

import uuid
from datetime import UTC, datetime, timedelta

from services.registration.workflows.calls import announce_closed_calls
from services.registration.workflows.privacy import erase_expired
from tests.registration_helpers import ADMIN, apply, email, events, last_event, new_call, staff_move, stage


async def contact_of(db, application_id: str):
    return await db.fetchrow(
        "SELECT contact_name, contact_email, answers, erased_at FROM applications WHERE id = $1",
        uuid.UUID(application_id),
    )


async def test_staff_erase_a_person_here_and_tell_the_other_services(client, db):
    slug = await new_call(client)
    person = email()
    application_id = await apply(client, slug, person)
    submitted = await last_event(db, "ApplicationSubmitted", application_id)
    erased = await client.post("/api/v1/staff/people/erasure", json={"email": person.upper()}, headers=ADMIN)
    assert erased.status_code == 200 and erased.json()["erased_records"] == 1
    row = await contact_of(db, application_id)
    assert row["contact_name"] is None and row["contact_email"] is None and row["erased_at"] is not None
    assert person not in row["answers"] and "contact_phone" not in row["answers"]
    [event] = await events(db, "PersonErased", str(submitted.contact_person_id))
    assert str(event.email).lower() == person and event.reason == "request"
    detail = (await client.get(f"/api/v1/staff/applications/{application_id}", headers=ADMIN)).text
    assert person not in detail
    audit_rows = await db.fetch("SELECT details::text AS d FROM audit_log WHERE details::text ILIKE $1", f"%{person}%")
    assert audit_rows == []


async def test_retention_erases_rejected_applicants_only_after_the_period(client, db, at):
    slug = await new_call(client)
    rejected_person, kept_person = email(), email()
    rejected = await apply(client, slug, rejected_person)
    waitlisted = await apply(client, slug, kept_person)
    chosen = await apply(client, slug, email())  # selected, not signed up: the waitlisted city is in line
    for shortlisted, decision in [(waitlisted, "waitlisted"), (chosen, "selected")]:
        await staff_move(client, shortlisted, "under_review", "shortlisted")
        assert (await stage(client, shortlisted, decision)).status_code == 200
    assert (await stage(client, rejected, "rejected")).status_code == 200
    assert (await client.post(f"/api/v1/staff/calls/{slug}/release", headers=ADMIN)).status_code == 200
    closes = datetime.fromisoformat((await client.get(f"/api/v1/calls/{slug}")).json()["closes_at"])
    keep = timedelta(days=180)  # REJECTED_RETENTION_DAYS' default

    await erase_expired(at(closes + keep - timedelta(minutes=1)))
    assert (await contact_of(db, rejected))["contact_email"] == rejected_person

    await erase_expired(at(closes + keep))
    assert (await contact_of(db, rejected))["erased_at"] is not None
    assert (await contact_of(db, waitlisted))["contact_email"] == kept_person
    person_id = (await last_event(db, "ApplicationSubmitted", rejected)).contact_person_id
    [event] = await events(db, "PersonErased", str(person_id))
    assert event.reason == "retention"
    await erase_expired(at(closes + keep * 2))  # a second pass erases nobody twice
    assert len(await events(db, "PersonErased", str(person_id))) == 1


async def test_call_closed_is_announced_once(client, db, at):
    slug = await new_call(client, closes=datetime.now(UTC) + timedelta(days=2))
    await apply(client, slug, email())
    await announce_closed_calls(at(datetime.now(UTC)))
    assert await events(db, "CallClosed", slug) == []
    later = datetime.now(UTC) + timedelta(days=3)
    await announce_closed_calls(at(later))
    await announce_closed_calls(at(later))
    [closed] = await events(db, "CallClosed", slug)
    assert closed.applications == 1 and closed.call_titles["fr"] == "Appel de test"
    [opened] = await events(db, "CallOpened", slug)
    assert opened.form_url.endswith(f"/calls/{slug}/apply") and opened.quota == 2
