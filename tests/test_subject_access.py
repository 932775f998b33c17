"""Subject access (GDPR art. 15) over the real stack: a person who applied, whose city signed up with
them as focal point and who was nominated to an activity gets, in one ZIP, their records from
registration, scheduling and notifications, and nobody else's; the export is audited; a service that
does not answer is named in the ZIP; anonymous visitors and reviewers are refused everywhere."""

from __future__ import annotations

import dataclasses
import io
import json
import uuid
import zipfile
from collections.abc import Iterator
from datetime import timedelta

import asyncpg
import httpx
import pytest

from deploy.local.processes import free_port
from deploy.local.stack import SERVICES, ServiceProcess
from shared.security import sessions
from shared.settings import Settings
from shared.subject_access import PATH
from tests.conftest import ADMIN_TOKEN, REVIEWER_TOKEN
from tests.registration_helpers import ADMIN, REVIEWER, apply, email, new_call, signed_up
from tests.test_registration_sign_in import address, signed_in_cookie
from tests.test_registration_staff_pages import csrf_of, signed_in
from tests.test_scheduling_flow import activity_body, member_known, nominee, wait_for

EXPORT = PATH + "/export"


def unzipped(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"].startswith('attachment; filename="pactesur-personal-data-')
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}


async def nominated(stack, city_id: uuid.UUID, *people: str) -> str:
    """A new activity with each of `people` nominated to it by an admin: the activity's id."""
    async with httpx.AsyncClient(base_url=stack["scheduling"].url, timeout=20) as scheduling:
        await member_known(scheduling, city_id)
        created = await scheduling.post("/api/v1/activities", json=activity_body(timedelta(days=50)), headers=ADMIN)
        assert created.status_code == 201, created.text
        activity_id = created.json()["activity"]["activity_id"]
        for person in people:
            answer = await scheduling.post(
                f"/api/v1/activities/{activity_id}/nominations", json=nominee(city_id, email=person), headers=ADMIN
            )
            assert answer.status_code == 201, answer.text
    return activity_id


async def mailed_about_the_nomination(stack, person: str) -> None:
    """Notifications has the nomination's email to `person` in its log (besides the application's)."""

    async def logged():
        async with httpx.AsyncClient(base_url=stack["notifications"].url, timeout=20) as notifications:
            answer = (await notifications.get(PATH, params={"email": person}, headers=ADMIN)).json()
        return any(d["event_type"].startswith("Nomination") for d in answer["records"]["deliveries"])

    await wait_for(logged, f"the nomination's email to {person}")


@pytest.fixture(scope="module")
async def person(stack) -> dict:
    """Applied, selected, signed up as the city's focal point and nominated; beside another person who
    applied to another call and was nominated to the same activity."""
    person, other = email(), email()
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20) as client:
        conn = await asyncpg.connect(stack.config.database_url, server_settings={"search_path": "registration"})
        try:
            decision = await signed_up(client, conn, person, city=f"Sopot {uuid.uuid4().hex[:6]}")
        finally:
            await conn.close()
        await apply(client, await new_call(client), other)
    activity_id = await nominated(stack, decision.city_id, person, other)
    await mailed_about_the_nomination(stack, person)
    return {"email": person, "other": other, "city_id": str(decision.city_id), "activity_id": activity_id}


async def test_the_export_holds_the_person_s_records_from_every_service_and_no_one_else_s(stack, client, db, person):
    files = unzipped(await client.get(EXPORT, params={"email": person["email"].upper()}, headers=ADMIN))
    assert set(files) == {"README.txt", "registration.json", "scheduling.json", "notifications.json"}
    for name, text in files.items():
        assert person["other"] not in text.lower(), f"another person's address in {name}"
    answers = {service: json.loads(files[f"{service}.json"]) for service in SERVICES}
    assert {a["service"] for a in answers.values()} == set(SERVICES)

    registration = answers["registration"]["records"]
    [application] = registration["applications"]
    assert application["contact_email"] == person["email"] and application["status"] == "selected"
    assert application["answers"]["motivation"].startswith("The Baltic Sail festival")
    [contact] = registration["city_contacts"]
    assert (contact["designation"], contact["city_id"]) == ("focal_point", person["city_id"])
    actions = {entry["action"] for entry in registration["audit_log"]}
    assert {"application.submitted", "review.moved", "decision.staged", "city.signed_up"} <= actions

    scheduling = answers["scheduling"]["records"]
    [nomination] = scheduling["nominations"]
    assert (nomination["email"], nomination["activity_id"]) == (person["email"], person["activity_id"])
    assert [m["city_id"] for m in scheduling["city_contacts"]] == [person["city_id"]]

    deliveries = answers["notifications"]["records"]["deliveries"]
    assert deliveries and {d["recipient"].lower() for d in deliveries} == {person["email"]}
    assert {"ApplicationSubmitted", "DecisionReleased"} <= {d["event_type"] for d in deliveries}
    assert all(d["subject"] and d["body_text"] for d in deliveries)

    readme = files["README.txt"]
    assert person["email"] in readme and "Generated at:" in readme and "MISSING" not in readme
    [audited] = await db.fetch(
        "SELECT actor, details FROM audit_log WHERE action = 'person.exported' AND details->>'email' = $1",
        person["email"],
    )
    details = json.loads(audited["details"])
    assert audited["actor"] == "admin:Marta" and details["services"] == list(SERVICES) and details["missing"] == []


async def test_each_service_answers_its_part_as_json(stack, person):
    for service in SERVICES:
        async with httpx.AsyncClient(base_url=stack[service].url, timeout=20) as api:
            answer = await api.get(PATH, params={"email": person["email"]}, headers=ADMIN)
            nobody = await api.get(PATH, params={"email": email()}, headers=ADMIN)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert (body["service"], body["email"]) == (service, person["email"]) and body["generated_at"]
        assert any(body["records"].values()), f"{service} holds nothing about the person"
        assert nobody.status_code == 200 and not any(nobody.json()["records"].values())


async def test_an_admin_exports_from_the_staff_page_with_their_sign_in(stack, smtp_sink, person):
    admin = address("admin")
    stack.run_command("registration", "staff", "add", admin, "--role", "admin")
    cookie = await signed_in_cookie(stack, smtp_sink, admin)
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=30) as browser:
        browser.cookies.set(sessions.COOKIE, cookie)
        accounts = await browser.get("/staff/accounts", params={"lang": "fr"})
        assert '<a href="/staff/privacy?lang=fr">Données personnelles' in accounts.text
        page = await browser.get("/staff/privacy", params={"lang": "fr"})
        assert page.status_code == 200 and "Télécharger l'export (ZIP)" in page.text
        wrong = await browser.post("/staff/privacy", data={"csrf_token": csrf_of(page), "email": "nobody"})
        assert wrong.status_code == 422 and 'aria-invalid="true"' in wrong.text
        no_csrf = await browser.post("/staff/privacy", data={"email": person["email"]})
        assert no_csrf.status_code == 403
        posted = {"csrf_token": csrf_of(no_csrf), "email": person["email"]}  # the page it answered with
        files = unzipped(await browser.post("/staff/privacy", data=posted))
    assert not any(name.startswith("MISSING") for name in files), files.get("README.txt")
    assert json.loads(files["scheduling.json"])["records"]["nominations"]
    assert json.loads(files["notifications.json"])["records"]["deliveries"]


async def test_a_staff_token_signed_in_at_staff_login_is_passed_on_too(stack, person):
    browser = await signed_in(stack["registration"].url, ADMIN_TOKEN)
    try:
        page = await browser.get("/staff/privacy")
        posted = {"csrf_token": csrf_of(page), "email": person["email"]}
        files = unzipped(await browser.post("/staff/privacy", data=posted))
    finally:
        await browser.aclose()
    assert set(files) == {"README.txt", "registration.json", "scheduling.json", "notifications.json"}


async def test_anonymous_visitors_and_reviewers_are_refused(stack, person):
    query = {"email": person["email"]}
    for service in SERVICES:
        async with httpx.AsyncClient(base_url=stack[service].url, timeout=20) as api:
            assert (await api.get(PATH, params=query)).status_code == 401
            assert (await api.get(PATH, params=query, headers=REVIEWER)).status_code == 403
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20) as api:
        assert (await api.get(EXPORT, params=query)).status_code == 401
        assert (await api.get(EXPORT, params=query, headers=REVIEWER)).status_code == 403
        assert (await api.get("/staff/privacy")).status_code == 303
    reviewer = await signed_in(stack["registration"].url, REVIEWER_TOKEN)
    try:
        page = await reviewer.get("/staff/privacy")
        assert page.status_code == 403
        refused = await reviewer.post("/staff/privacy", data={"csrf_token": csrf_of(page), **query})
        assert refused.status_code == 403 and "PK" not in refused.text[:2]
    finally:
        await reviewer.aclose()


async def test_an_admin_erases_a_person_from_the_staff_page_after_confirming(stack, client, db):
    applicant = email()
    slug = await new_call(client)
    application_id = await apply(client, slug, applicant, contact_name="Marta Erasmus")
    browser = await signed_in(stack["registration"].url, ADMIN_TOKEN)
    try:
        page = await browser.get("/staff/privacy", params={"lang": "fr"})
        assert "Effacer les données d’une personne" in page.text
        unconfirmed = {"csrf_token": csrf_of(page), "email": applicant, "reason": ""}
        refused = await browser.post("/staff/privacy/erase", data=unconfirmed)
        assert refused.status_code == 422 and 'id="erase_reason-error"' in refused.text
        assert 'id="erase_confirm-error"' in refused.text and applicant in refused.text  # the form kept
        assert await db.fetchval("SELECT contact_email FROM applications WHERE id = $1", uuid.UUID(application_id))
        confirmed = unconfirmed | {"csrf_token": csrf_of(refused), "reason": "request of 3 December", "confirm": "yes"}
        done = await browser.post("/staff/privacy/erase", data=confirmed)
        assert done.status_code == 200 and 'role="alert"' in done.text
    finally:
        await browser.aclose()
    query = "SELECT contact_email, erased_at FROM applications WHERE id = $1"
    row = await db.fetchrow(query, uuid.UUID(application_id))
    assert row["contact_email"] is None and row["erased_at"] is not None
    reasons = await db.fetch("SELECT reason FROM audit_log WHERE action = 'person.erased' ORDER BY at DESC LIMIT 5")
    assert "request of 3 December" in [r["reason"] for r in reasons]
    reviewer = await signed_in(stack["registration"].url, REVIEWER_TOKEN)
    try:
        page = await reviewer.get("/staff/accounts")
        posted = {"csrf_token": csrf_of(page), "email": email(), "reason": "x", "confirm": "yes"}
        assert (await reviewer.post("/staff/privacy/erase", data=posted)).status_code == 403
    finally:
        await reviewer.aclose()


@pytest.fixture(scope="module")
def registration_without_notifications(stack, tmp_path_factory) -> Iterator[ServiceProcess]:
    """A second registration process on the same database and broker, told that notifications is
    where nothing listens."""
    config = dataclasses.replace(
        stack.config,
        ports=dict(stack.config.ports, registration=free_port()),
        log_dir=tmp_path_factory.mktemp("no-notifications"),
        extra_env=dict(stack.config.extra_env, NOTIFICATIONS_INTERNAL_URL=f"http://127.0.0.1:{free_port()}"),
    )
    process = ServiceProcess("registration", config)
    process.start()
    try:
        process.wait_ready()
        yield process
    finally:
        process.stop()


async def test_a_service_that_does_not_answer_is_named_in_the_export(registration_without_notifications, db, person):
    async with httpx.AsyncClient(base_url=registration_without_notifications.url, timeout=30) as api:
        files = unzipped(await api.get(EXPORT, params={"email": person["email"]}, headers=ADMIN))
    assert set(files) == {"README.txt", "registration.json", "scheduling.json", "MISSING-notifications.txt"}
    assert "could not be reached" in files["MISSING-notifications.txt"]
    assert "notifications did not answer" in files["README.txt"] and "NOT in this export" in files["README.txt"]
    latest = await db.fetchval(
        "SELECT details FROM audit_log WHERE action = 'person.exported' AND details->>'email' = $1"
        " ORDER BY id DESC LIMIT 1",
        person["email"],
    )
    assert json.loads(latest)["missing"] == ["notifications"]


def test_the_other_services_are_called_at_their_internal_url_else_their_public_one():
    base = {"database_url": "postgresql://u@db/p", "kafka_bootstrap_servers": "kafka:9092", "secret_key": "s" * 32}
    assert Settings(**base).internal_url_of("scheduling") == "http://127.0.0.1:8002"
    inside = Settings(**base, scheduling_internal_url="http://scheduling:8002/")
    assert inside.internal_url_of("scheduling") == "http://scheduling:8002"
    assert inside.internal_url_of("notifications") == "http://127.0.0.1:8003"
