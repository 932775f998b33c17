"""The applicant's side over the real stack: edit link, edits, withdrawal, expiry, duplicates, limits."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.registration.domain.applications import ApplicationForm
from services.registration.domain.calls import CallNotOpen
from services.registration.storage.applications import DuplicateApplication
from services.registration.workflows import applicant
from shared.refusals import NotFound
from shared.security.signing import verify
from tests.registration_helpers import REVIEWER, apply, email, events, form, last_event, new_call, token_of


async def test_the_edit_link_is_signed_expires_at_the_deadline_and_is_never_in_the_answer(client, db, stack):
    slug = await new_call(client)
    response = await client.post(f"/api/v1/calls/{slug}/applications", json=form(email()))
    assert response.status_code == 201 and "/applications/" not in response.text
    submitted = await last_event(db, "ApplicationSubmitted", response.json()["id"])
    call = (await client.get(f"/api/v1/calls/{slug}")).json()
    secret = stack.config.secret_key.encode()
    assert verify(secret, "application-edit", token_of(submitted.edit_url), now=datetime.now(UTC))
    with pytest.raises(Exception, match="expired"):
        verify(secret, "application-edit", token_of(submitted.edit_url), now=datetime.fromisoformat(call["closes_at"]))
    forged = token_of(submitted.edit_url)[:-3] + "abc"
    assert (await client.get(f"/api/v1/applications/{forged}")).status_code == 404


async def test_edit_then_withdraw_before_the_deadline(client, db):
    slug = await new_call(client)
    application_id = await apply(client, slug, email())
    token = token_of((await last_event(db, "ApplicationSubmitted", application_id)).edit_url)
    view = (await client.get(f"/api/v1/applications/{token}")).json()
    assert view["editable"] and view["status"] == "submitted"
    changed = await client.put(
        f"/api/v1/applications/{token}", json=view["answers"] | {"population": 490_000, "consent": True}
    )
    assert changed.status_code == 200 and changed.json()["answers"]["population"] == 490_000
    assert (await last_event(db, "ApplicationUpdated", application_id)).changed_fields == ("population",)
    invalid = await client.put(
        f"/api/v1/applications/{token}", json=view["answers"] | {"country": "US", "consent": True}
    )
    assert invalid.status_code == 422
    withdrawn = await client.post(f"/api/v1/applications/{token}/withdrawal")
    assert withdrawn.status_code == 200
    assert (await last_event(db, "ApplicationWithdrawn", application_id)).was_selected is False
    after = await client.put(f"/api/v1/applications/{token}", json=view["answers"] | {"consent": True})
    assert after.status_code == 409
    assert (await client.post(f"/api/v1/applications/{token}/withdrawal")).status_code == 409


async def test_after_the_deadline_the_link_expires_and_nothing_can_change(client, db):
    closes = datetime.now(UTC) + timedelta(seconds=3)
    slug = await new_call(client, closes=closes)
    application_id = await apply(client, slug, email())
    token = token_of((await last_event(db, "ApplicationSubmitted", application_id)).edit_url)
    assert (await client.get(f"/api/v1/applications/{token}")).status_code == 200
    await asyncio.sleep(max(0.0, (closes - datetime.now(UTC)).total_seconds()) + 0.5)
    assert (await client.get(f"/api/v1/applications/{token}")).status_code == 410
    assert (await client.put(f"/api/v1/applications/{token}", json=form(email()))).status_code == 410
    assert (await client.post(f"/api/v1/applications/{token}/withdrawal")).status_code == 410
    late = await client.post(f"/api/v1/calls/{slug}/applications", json=form(email(), language="en"))
    assert late.status_code == 409 and late.json()["detail"].startswith("The call closed on")
    row = await db.fetchrow("SELECT status, withdrawn_at FROM applications WHERE id = $1", uuid.UUID(application_id))
    assert row["status"] == "submitted" and row["withdrawn_at"] is None


async def test_duplicate_then_the_link_goes_to_the_original_contact_only(client, db):
    slug = await new_call(client)
    original = email()
    body = form(original)
    application_id = await apply(client, slug, original, city=body["city"])
    duplicate = await client.post(f"/api/v1/calls/{slug}/applications", json=body | {"contact_email": email()})
    assert duplicate.status_code == 409 and original not in duplicate.text
    asked = await client.post(
        f"/api/v1/calls/{slug}/link-requests", json={"city": body["city"].lower(), "country": "pl"}
    )
    unknown = await client.post(f"/api/v1/calls/{slug}/link-requests", json={"city": "Nowhere", "country": "PL"})
    assert asked.status_code == unknown.status_code == 202 and asked.json() == unknown.json()
    [resent] = await events(db, "EditLinkRequested", application_id)
    assert str(resent.recipient.email) == original and resent.edit_url


async def test_oversize_bodies_are_refused_and_nothing_is_written(client, db):
    slug = await new_call(client)
    before = await db.fetchval("SELECT count(*) FROM applications")
    huge = form(email(), motivation="x" * 400_000)
    response = await client.post(f"/api/v1/calls/{slug}/applications", json=huge)
    assert response.status_code == 413
    assert await db.fetchval("SELECT count(*) FROM applications") == before


async def test_seed_loads_the_consortium(client, db):
    cities = {c["name"]: c for c in (await client.get("/api/v1/staff/cities", headers=REVIEWER)).json()}
    assert cities["Efus – European Forum for Urban Security"]["role"] == "coordinator"
    for name in ("ANCI Piemonte", "Liège", "Madrid", "Nice", "Turin"):
        assert cities[name]["role"] == "partner" and cities[name]["status"] == "signed_up"
        [signed_up] = await events(db, "CitySignedUp", cities[name]["id"])
        assert signed_up.name == name


async def test_refusals_of_the_one_statement_insert_keep_their_order_and_write_nothing(client, db, at):
    """The insert reads the call and meets the city's other application in one statement: an unknown
    call is still NotFound, a closed call is CallNotOpen even for a city that applied (the window is
    checked first, as when the call was read before), and a refused row is rolled back."""
    slug = await new_call(client)
    body = form(email())
    first, _ = await applicant.submit(at(datetime.now(UTC)), slug, ApplicationForm(**body), "consent")
    count = "SELECT count(*) FROM applications WHERE call_slug = $1"
    late = at(datetime.now(UTC) + timedelta(days=31))
    for city in (body["city"], f"Sopot {uuid.uuid4().hex[:6]}"):
        with pytest.raises(CallNotOpen):
            await applicant.submit(late, slug, ApplicationForm(**body | {"city": city}), "consent")
    with pytest.raises(DuplicateApplication):
        await applicant.submit(
            at(datetime.now(UTC)), slug, ApplicationForm(**body | {"city": body["city"].upper()}), "c"
        )
    with pytest.raises(NotFound):
        await applicant.submit(at(datetime.now(UTC)), "no-such-call", ApplicationForm(**body), "consent")
    assert await db.fetchval(count, slug) == 1 and first.call_slug == slug
