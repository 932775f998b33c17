"""Hostile access, over the real stack: tampered or expired signed links are refused and change
nothing; every staff operation of each service's OpenAPI answers 401 without a valid token and 403 to a
reviewer where only admins may act (public operations are an explicit list); the submission rate limit
answers 429 with Retry-After and writes nothing; the web forms refuse a bad CSRF token with 403."""

from __future__ import annotations

import dataclasses
import importlib
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest
from fastapi.routing import APIRoute

from deploy.local.processes import free_port
from deploy.local.stack import SERVICES, ServiceProcess
from services.notifications.domain.unsubscribe import UNSUBSCRIBE_PURPOSE
from services.registration.domain.links import EDIT, SIGNUP
from services.registration.domain.programme import SLUG
from services.scheduling.domain.links import DECLINE_PURPOSE, INVITATION_ICS_PURPOSE
from shared.security import signing
from shared.web import csrf
from tests.hostile import HostileApplication, edit_token_from_email, web_fields
from tests.registration_helpers import REVIEWER, form
from tests.test_registration_staff_pages import csrf_of

# --- D. Tampered and expired signed links ------------------------------------------------------------


def bad_tokens(secret: bytes, purpose: str, data: dict[str, str]) -> dict[str, str]:
    """Each way a link can be wrong, for a link that would otherwise be valid."""
    later = datetime.now(UTC) + timedelta(days=1)
    good = signing.sign(secret, purpose, data, expires_at=later)
    body, _, mac = good.partition(".")
    other_body = signing.sign(secret, purpose, {k: str(uuid.uuid4()) for k in data}, expires_at=later).partition(".")[0]
    return {
        "tampered signature": f"{body}.{mac[:-2]}{'BB' if mac.endswith('AA') else 'AA'}",
        "other data, old signature": f"{other_body}.{mac}",
        "expired": signing.sign(secret, purpose, data, expires_at=datetime.now(UTC) - timedelta(minutes=1)),
        "signed with another key": signing.sign(b"not-the-key" * 4, purpose, data, expires_at=later),
        "made for another purpose": signing.sign(secret, "another-purpose", data, expires_at=later),
        "no signature": body,
    }


BAD_LINKS = list(bad_tokens(b"k" * 32, "p", {"a": "1"}))


def secret_of(stack) -> bytes:
    return stack.config.secret_key.encode()


async def refused(responses: list[httpx.Response], expired: bool) -> None:
    for response in responses:
        assert 400 <= response.status_code < 500, (response.request.url, response.status_code, response.text)
        if expired and response.request.url.path.startswith(("/applications/", "/cities/signup/")):
            assert response.status_code == 410, response.text


@pytest.mark.parametrize("kind", BAD_LINKS)
async def test_bad_edit_links_are_refused_and_change_nothing(stack, db, hostile_application, kind):
    token = bad_tokens(secret_of(stack), EDIT, {"a": hostile_application.id})[kind]
    before = await db.fetchrow("SELECT * FROM applications WHERE id = $1", uuid.UUID(hostile_application.id))
    changed = form(hostile_application.email, motivation="Changed by a forged link.")
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20) as browser:
        page = await browser.get(f"/calls/{SLUG}/apply")
        csrf_field = {"csrf_token": csrf_of(page)}
        fields = {k: str(v) for k, v in changed.items() if not isinstance(v, bool)} | csrf_field | {"consent": "yes"}
        answers = [
            await browser.get(f"/applications/{token}"),
            await browser.post(f"/applications/{token}", data=fields),
            await browser.post(f"/applications/{token}/withdraw", data=csrf_field | {"confirm": "yes"}),
            await browser.get(f"/api/v1/applications/{token}"),
            await browser.put(f"/api/v1/applications/{token}", json=changed),
            await browser.post(f"/api/v1/applications/{token}/withdrawal"),
        ]
    await refused(answers, expired=kind == "expired")
    assert await db.fetchrow("SELECT * FROM applications WHERE id = $1", uuid.UUID(hostile_application.id)) == before


@pytest.mark.parametrize("kind", BAD_LINKS)
async def test_bad_sign_up_links_are_refused_and_change_nothing(stack, db, kind):
    city = await db.fetchrow("SELECT * FROM cities WHERE status = 'pending' OR status = 'signed_up' LIMIT 1")
    token = bad_tokens(secret_of(stack), SIGNUP, {"c": str(city["id"])})[kind]
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20) as browser:
        page = await browser.get(f"/calls/{SLUG}/apply")
        csrf_field = {"csrf_token": csrf_of(page)}
        answers = [
            await browser.get(f"/cities/signup/{token}"),
            await browser.post(f"/cities/signup/{token}", data=csrf_field | {"accept_terms": "yes"}),
            await browser.get(f"/api/v1/cities/signup/{token}"),
            await browser.post(f"/api/v1/cities/signup/{token}", json={"accept_terms": True}),
            await browser.post(f"/api/v1/cities/signup/{token}/decline", json={}),
        ]
    await refused(answers, expired=kind == "expired")
    assert await db.fetchrow("SELECT * FROM cities WHERE id = $1", city["id"]) == city


@pytest.mark.parametrize("kind", BAD_LINKS)
async def test_bad_decline_and_invitation_links_are_refused_and_change_nothing(stack, hostile_invitation, kind):
    nomination = {"n": hostile_invitation.nomination_id}
    decline = bad_tokens(secret_of(stack), DECLINE_PURPOSE, nomination)[kind]
    ics = bad_tokens(secret_of(stack), INVITATION_ICS_PURPOSE, nomination)[kind]
    before = await nomination_row(stack, hostile_invitation.nomination_id)
    async with httpx.AsyncClient(base_url=stack["scheduling"].url, timeout=20) as browser:
        answers = [
            await browser.get("/api/v1/nominations/decline", params={"token": decline}),
            await browser.post("/api/v1/nominations/decline", data={"token": decline}),
            await browser.get(
                f"/api/v1/nominations/{hostile_invitation.nomination_id}/invitation.ics", params={"token": ics}
            ),
        ]
    await refused(answers, expired=False)
    assert [a.status_code for a in answers] == [400, 400, 403]  # the decline pages, the ICS link
    assert await nomination_row(stack, hostile_invitation.nomination_id) == before


async def nomination_row(stack, nomination_id: str) -> asyncpg.Record:
    conn = await asyncpg.connect(stack.config.database_url)
    try:
        return await conn.fetchrow("SELECT * FROM scheduling.nominations WHERE id = $1", uuid.UUID(nomination_id))
    finally:
        await conn.close()


@pytest.mark.parametrize("kind", BAD_LINKS)
async def test_bad_unsubscribe_links_are_refused_and_change_nothing(stack, kind):
    recipient = f"unsubscriber-{uuid.uuid4().hex[:10]}@city.example.eu"
    token = bad_tokens(secret_of(stack), UNSUBSCRIBE_PURPOSE, {"r": recipient, "k": "staff_digest", "l": "en"})[kind]
    async with httpx.AsyncClient(base_url=stack["notifications"].url, timeout=20) as browser:
        answers = [
            await browser.get("/unsubscribe", params={"token": token}),
            await browser.post("/unsubscribe", params={"token": token}),
        ]
    await refused(answers, expired=False)
    conn = await asyncpg.connect(stack.config.database_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM notifications.opt_outs WHERE recipient = $1", recipient) == 0
    finally:
        await conn.close()


# --- E. Staff operations of every service's OpenAPI --------------------------------------------------

PUBLIC_OPERATIONS: dict[str, set[tuple[str, str]]] = {
    "registration": {
        ("GET", "/api/v1/calls"),
        ("GET", "/api/v1/calls/{call_id}"),
        ("POST", "/api/v1/calls/{call_id}/applications"),
        ("POST", "/api/v1/calls/{call_id}/link-requests"),
        ("GET", "/api/v1/applications/{token}"),
        ("PUT", "/api/v1/applications/{token}"),
        ("POST", "/api/v1/applications/{token}/withdrawal"),
        ("POST", "/api/v1/applications/{token}/answer"),
        ("GET", "/api/v1/cities/signup/{token}"),
        ("POST", "/api/v1/cities/signup/{token}"),
        ("PUT", "/api/v1/cities/signup/{token}/contacts"),
        ("POST", "/api/v1/cities/signup/{token}/decline"),
    },
    "scheduling": {
        ("GET", "/api/v1/cities"),
        ("GET", "/api/v1/activities"),
        ("GET", "/api/v1/activities/{activity_id}"),
        ("GET", "/api/v1/activities/{activity_id}/calendar.ics"),
        ("GET", "/api/v1/programme.ics"),
        ("GET", "/api/v1/nominations/{nomination_id}/invitation.ics"),
        ("GET", "/api/v1/nominations/decline"),
        ("POST", "/api/v1/nominations/decline"),
    },
    "notifications": {
        ("GET", "/unsubscribe"),
        ("POST", "/unsubscribe"),
        ("POST", "/api/v1/bounces"),  # signed with the bounce webhook's secret
    },
}
"""Operations anyone may call (signed links carry their own proof); every other one needs a staff token."""
HEALTH = {("GET", "/health/live"), ("GET", "/health/ready")}
"""Every service's probes (shared.web.health)."""


def admitted_roles(call: object) -> frozenset[str] | None:
    """The roles a `shared.web.access` dependency admits (read from require_role's closure), else None."""
    code = getattr(call, "__code__", None)
    if code is None or getattr(call, "__module__", "") != "shared.web.access":
        return None
    cells = {name: cell.cell_contents for name, cell in zip(code.co_freevars, call.__closure__ or (), strict=True)}
    if "allowed" in cells:
        return frozenset(cells["allowed"])
    return admitted_roles(cells.get("staff"))


def route_roles(dependant) -> frozenset[str] | None:
    for dependency in dependant.dependencies:
        roles = admitted_roles(dependency.call)
        if roles is None:
            roles = route_roles(dependency)
        if roles is not None:
            return roles
    return None


@dataclass(frozen=True)
class Operation:
    service: str
    method: str
    path: str
    roles: frozenset[str] | None

    def __str__(self) -> str:
        return f"{self.service} {self.method} {self.path}"


def operations() -> Iterator[Operation]:
    """Every operation each service puts in its OpenAPI schema, with the staff roles it admits."""
    for service in SERVICES:
        for router in importlib.import_module(f"services.{service}.__main__").SERVICE.routers:
            for route in router.routes:  # create_app() includes the routers without a prefix
                if not isinstance(route, APIRoute) or not route.include_in_schema:
                    continue
                for method in sorted(route.methods):
                    yield Operation(service, method, route.path, route_roles(route.dependant))


OPERATIONS = list(operations())
STAFF_OPERATIONS = [op for op in OPERATIONS if op.roles is not None]


@pytest.mark.parametrize("service", SERVICES)
async def test_every_operation_of_the_live_schema_is_staff_only_or_listed_public(stack, service):
    async with httpx.AsyncClient(base_url=stack[service].url) as api:
        schema = (await api.get("/openapi.json")).json()
    live = {
        (method.upper(), path, bool(operation.get("security")))
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    }
    staff = {(op.method, op.path) for op in STAFF_OPERATIONS if op.service == service}
    assert {(method, path) for method, path, secured in live if secured} == staff, "schema and routers differ"
    unprotected = {(method, path) for method, path, secured in live if not secured}
    assert unprotected == PUBLIC_OPERATIONS[service] | HEALTH, "a new public operation: list it if it is meant to be"


@pytest.mark.parametrize("operation", STAFF_OPERATIONS, ids=str)
async def test_staff_operations_answer_401_without_a_token_and_403_to_the_wrong_role(stack, operation):
    path = re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), operation.path)
    async with httpx.AsyncClient(base_url=stack[operation.service].url, timeout=20) as api:
        for headers in ({}, {"Authorization": "Bearer not-a-staff-token"}, {"Authorization": "Basic YWRtaW46YWRtaW4="}):
            response = await api.request(operation.method, path, headers=headers)
            assert response.status_code == 401, (headers, response.text)
            assert response.headers["WWW-Authenticate"] == "Bearer"
        if "reviewer" not in operation.roles:
            as_reviewer = await api.request(operation.method, path, headers=REVIEWER)
            assert as_reviewer.status_code == 403, as_reviewer.text


# --- F. Rate limit and CSRF --------------------------------------------------------------------------

RATE_LIMIT = 3


@pytest.fixture(scope="module")
def rate_limited_registration(stack, tmp_path_factory) -> Iterator[ServiceProcess]:
    """A second registration process on the same database and broker, with a low PUBLIC_RATE_LIMIT."""
    config = dataclasses.replace(
        stack.config,
        ports=dict(stack.config.ports, registration=free_port()),
        log_dir=tmp_path_factory.mktemp("rate-limited"),
        extra_env=dict(stack.config.extra_env, PUBLIC_RATE_LIMIT=str(RATE_LIMIT)),
    )
    process = ServiceProcess("registration", config)
    process.start()
    try:
        process.wait_ready()
        yield process
    finally:
        process.stop()


async def test_a_burst_of_submissions_gets_429_with_retry_after_and_writes_nothing(
    rate_limited_registration, db, hostile_call
):
    prefix = f"burst-{uuid.uuid4().hex[:8]}-"
    async with httpx.AsyncClient(base_url=rate_limited_registration.url, timeout=20) as api:
        page = await api.get(f"/calls/{hostile_call}/apply")  # reading is not limited
        answers = [
            await api.post(f"/api/v1/calls/{hostile_call}/applications", json=form(f"{prefix}{n}@city.example.eu"))
            for n in range(RATE_LIMIT + 2)
        ]
        web = form(f"{prefix}web@city.example.eu")
        by_form = await api.post(f"/calls/{hostile_call}/apply", data=web_fields(web) | {"csrf_token": csrf_of(page)})
    assert [a.status_code for a in answers] == [201] * RATE_LIMIT + [429] * 2
    for too_many in [*answers[RATE_LIMIT:], by_form]:
        assert too_many.status_code == 429
        assert 1 <= int(too_many.headers["Retry-After"]) <= 60
    written = await db.fetchval("SELECT count(*) FROM applications WHERE contact_email LIKE $1", prefix + "%")
    assert written == RATE_LIMIT


def csrf_pair(kind: str, secret: bytes, page_token: str, other_page_token: str) -> tuple[str | None, str | None]:
    """(cookie, form field) for each way a CSRF token can be wrong."""
    now = datetime.now(UTC)
    match kind:
        case "no form field":
            return page_token, None
        case "no cookie":
            return None, page_token
        case "another page's token":
            return page_token, other_page_token
        case "signed with another key":
            forged = csrf.new_token(b"not-the-key" * 4, now)
            return forged, forged
        case "expired":
            old = signing.sign(secret, csrf.PURPOSE, {"n": "x"}, expires_at=now - timedelta(minutes=1))
            return old, old
        case "made for another purpose":
            other = signing.sign(secret, EDIT, {"n": "x"}, expires_at=now + timedelta(hours=1))
            return other, other
    raise AssertionError(kind)


CSRF_CASES = ["no form field", "no cookie", "another page's token", "signed with another key", "expired",
              "made for another purpose"]  # fmt: skip


async def posted_with_csrf(stack, kind: str, url: str, fields: dict[str, str]) -> httpx.Response:
    base = stack["registration"].url
    async with httpx.AsyncClient(base_url=base) as browser, httpx.AsyncClient(base_url=base) as other:
        page_token = csrf_of(await browser.get(f"/calls/{SLUG}/apply"))
        other_token = csrf_of(await other.get(f"/calls/{SLUG}/apply"))
        cookie, field = csrf_pair(kind, secret_of(stack), page_token, other_token)
        browser.cookies.clear()
        if cookie is not None:
            browser.cookies.set(csrf.COOKIE, cookie)
        return await browser.post(url, data=fields | ({csrf.FIELD: field} if field is not None else {}))


CSRF_FORMS = ["application", "link request", "edit", "withdraw", "sign-up"]


async def csrf_target(name: str, stack, db, smtp_sink, call: str, application: HostileApplication):
    """(url, fields, a snapshot of what a successful post would change) of each applicant form."""
    application_id = uuid.UUID(application.id)
    address = f"csrf-{uuid.uuid4().hex[:10]}@city.example.eu"
    if name == "application":
        count = "SELECT count(*) FROM applications WHERE contact_email = $1"
        return f"/calls/{call}/apply", web_fields(form(address)), lambda: db.fetchval(count, address)
    if name == "link request":
        city = await db.fetchval("SELECT city FROM applications WHERE id = $1", application_id)
        links = "SELECT count(*) FROM outbox WHERE key = $1 AND event_type = 'EditLinkRequested'"
        fields = {"city": city, "country": "PL"}
        return f"/calls/{call}/link-request", fields, lambda: db.fetchval(links, application.id)
    row = "SELECT * FROM applications WHERE id = $1"
    token = await edit_token_from_email(smtp_sink, application.email)
    if name == "edit":
        fields = web_fields(form(application.email, motivation="Changed by another site."))
        return f"/applications/{token}", fields, lambda: db.fetchrow(row, application_id)
    if name == "withdraw":
        return f"/applications/{token}/withdraw", {"confirm": "yes"}, lambda: db.fetchrow(row, application_id)
    city_id = await db.fetchval("SELECT id FROM cities ORDER BY status, name LIMIT 1")  # 'pending' first
    later = datetime.now(UTC) + timedelta(days=1)
    signup = signing.sign(secret_of(stack), SIGNUP, {"c": str(city_id)}, expires_at=later)
    city_row = "SELECT * FROM cities WHERE id = $1"
    return f"/cities/signup/{signup}?lang=en", {"accept_terms": "yes"}, lambda: db.fetchrow(city_row, city_id)


@pytest.mark.parametrize("kind", CSRF_CASES)
@pytest.mark.parametrize("form_name", CSRF_FORMS)
async def test_applicant_forms_refuse_a_bad_csrf_token_with_403_and_change_nothing(
    stack, db, smtp_sink, hostile_call, hostile_application, form_name, kind
):
    url, fields, snapshot = await csrf_target(form_name, stack, db, smtp_sink, hostile_call, hostile_application)
    before = await snapshot()
    answer = await posted_with_csrf(stack, kind, url, fields)
    assert answer.status_code == 403, answer.text
    assert await snapshot() == before
