"""Sign-out ends it everywhere: registration publishes SessionsEnded when sessions end (sign-out,
deactivation, role change, a city contact replaced), and scheduling and notifications, which only
verify the cookie's signature, refuse those sessions within seconds.

The rule is tested alone (shared.security.revocation); the rest over the real stack, signing in by the
emailed link."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest

from services.registration.domain import messages
from services.registration.domain.cities import no_longer_signing_in
from shared.contracts import SessionsEnded, topics
from shared.contracts.events import new_event
from shared.contracts.registry import parse_event
from shared.security import revocation, sessions
from shared.security.revocation import Ended
from tests.conftest import ADMIN_TOKEN, publish, read_dead_letters
from tests.registration_helpers import ADMIN
from tests.test_registration_city_pages import _city, link_in, staff_browser
from tests.test_registration_city_pages import selected_city as a_selected_city
from tests.test_registration_sign_in import LINK, address, confirm, signed_in_cookie
from tests.test_registration_staff_pages import csrf_of

NOW = datetime(2027, 3, 15, 9, 30, 12, 700_000, tzinfo=UTC)
REFUSED_WITHIN = 20.0


def session_begun(at: datetime) -> sessions.Session:
    """A session as its cookie reads back: the expiry to the second."""
    made = sessions.new_session(uuid.uuid4(), uuid.uuid4(), "staff", "a@efus.example.eu", "reviewer", at)
    return sessions.Session(**vars(made) | {"expires_at": made.expires_at.replace(microsecond=0)})


# --- The rule -------------------------------------------------------------------------------------


def test_a_session_is_ended_by_its_id_or_by_beginning_before_the_person_s_end():
    session = session_begun(NOW)
    assert not revocation.is_ended(session, Ended())
    assert revocation.is_ended(session, Ended(frozenset({session.session_id})))
    assert not revocation.is_ended(session, Ended(frozenset({uuid.uuid4()})))
    assert revocation.is_ended(session, Ended(ended_before=NOW + timedelta(seconds=1)))
    assert not revocation.is_ended(session, Ended(ended_before=NOW - timedelta(seconds=1)))
    assert revocation.started_at(session) == NOW.replace(microsecond=0)
    assert revocation.forget_before(NOW) == NOW - sessions.LIFETIME


def test_ended_before_is_sent_to_the_second_so_a_later_session_in_that_second_stays_open():
    """The cookie tells its start to the second (rounded down): registration rounds down too, and names
    the sessions it ended by id, so one opened just before is ended and one opened just after is not."""
    before, after = session_begun(NOW - timedelta(milliseconds=300)), session_begun(NOW + timedelta(milliseconds=200))
    event = messages.sessions_ended(before.person_id, [before.session_id], NOW, "deactivated", all_before_now=True)
    assert event.ended_before == NOW.replace(microsecond=0) and event.ended_at == NOW
    ended = Ended(frozenset(event.session_ids), event.ended_before)
    assert revocation.is_ended(before, ended) and not revocation.is_ended(after, ended)
    assert revocation.is_ended(session_begun(NOW - timedelta(seconds=2)), ended)
    signed_out = messages.sessions_ended(before.person_id, [before.session_id], NOW, "sign_out", all_before_now=False)
    assert signed_out.ended_before is None and signed_out.reason == "sign_out"


def test_the_focal_point_and_deputy_no_longer_so_are_those_whose_city_sessions_end():
    before = _city("Bari", ("focal_point", "a@bari.it"), ("deputy", "b@bari.it"), ("contact", "c@bari.it"))
    focal_point, deputy, other = before.contacts
    swapped = replace(before, contacts=(replace(deputy, designation="focal_point"), other))
    assert no_longer_signing_in(before, swapped) == (focal_point, deputy)  # gone, and deputy no more
    assert no_longer_signing_in(before, replace(before, contacts=(focal_point, deputy))) == ()


# --- Over the stack -------------------------------------------------------------------------------


def as_cookie(cookie: str) -> dict[str, str]:
    return {"Cookie": f"{sessions.COOKIE}={cookie}"}


async def answers(stack, cookie: str) -> tuple[int, int, int]:
    """What scheduling's staff API and staff page, and notifications' staff API, answer this cookie."""
    async with httpx.AsyncClient(timeout=20, headers=as_cookie(cookie)) as client:
        api = await client.get(f"{stack['scheduling'].url}/api/v1/report")
        page = await client.get(f"{stack['scheduling'].url}/staff/report")
        mail = await client.get(f"{stack['notifications'].url}/api/v1/deliveries")
    return api.status_code, page.status_code, mail.status_code


async def refused_soon(stack, cookie: str) -> tuple[int, int, int]:
    """Poll until scheduling and notifications both refuse the cookie (or REFUSED_WITHIN passes)."""
    deadline = asyncio.get_running_loop().time() + REFUSED_WITHIN
    while True:
        found = await answers(stack, cookie)
        if found == (401, 303, 401) or asyncio.get_running_loop().time() > deadline:
            return found
        await asyncio.sleep(0.5)


async def staff_member(stack, smtp_sink, db, role: str) -> tuple[str, str]:
    """A new staff account signed in by its emailed link: its id and session cookie."""
    email = address(role)
    stack.run_command("registration", "staff", "add", email, "--role", role)
    cookie = await signed_in_cookie(stack, smtp_sink, email)
    assert await answers(stack, cookie) == (200, 200, 200)
    return str(await db.fetchval("SELECT id FROM staff_accounts WHERE email = $1", email)), cookie


async def test_a_cookie_copied_before_sign_out_is_refused_everywhere(stack, smtp_sink, db):
    person_id, cookie = await staff_member(stack, smtp_sink, db, "reviewer")
    other_id, other_cookie = await staff_member(stack, smtp_sink, db, "reviewer")
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20, headers=as_cookie(cookie)) as browser:
        assert (await browser.post("/sign-out")).status_code == 303
    assert await refused_soon(stack, cookie) == (401, 303, 401)
    assert await answers(stack, other_cookie) == (200, 200, 200)  # only that session ended

    [row] = await db.fetch("SELECT body FROM outbox WHERE key = $1 AND event_type = 'SessionsEnded'", person_id)
    event = parse_event(bytes(row["body"]))
    assert event.payload.reason == "sign_out" and event.payload.ended_before is None
    kept = await ended_rows(stack, "scheduling", uuid.UUID(person_id))
    assert [r["session_id"] for r in kept] == list(event.payload.session_ids)
    assert other_id != person_id


async def test_deactivation_ends_the_person_s_sessions_everywhere(stack, smtp_sink, db):
    person_id, cookie = await staff_member(stack, smtp_sink, db, "reviewer")
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20, headers=ADMIN) as admin:
        done = await admin.post(f"/api/v1/staff/accounts/{person_id}/deactivation")
        assert done.status_code == 200, done.text
    assert await refused_soon(stack, cookie) == (401, 303, 401)
    rows = await ended_rows(stack, "notifications", uuid.UUID(person_id))
    assert {r["ended_before"] is not None for r in rows} == {True, False}  # the moment and the session id


async def test_a_role_change_ends_the_old_session_and_a_new_sign_in_works(stack, smtp_sink, db):
    person_id, cookie = await staff_member(stack, smtp_sink, db, "reviewer")
    email = await db.fetchval("SELECT email FROM staff_accounts WHERE id = $1", uuid.UUID(person_id))
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20, headers=ADMIN) as admin:
        done = await admin.put(f"/api/v1/staff/accounts/{person_id}/role", json={"role": "admin"})
        assert done.status_code == 200, done.text
    assert await refused_soon(stack, cookie) == (401, 303, 401)
    await asyncio.sleep(1.1)  # a cookie tells its start to the second
    printed = stack.run_command("registration", "staff", "add", email, "--role", "admin", "--link")
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20) as browser:
        signed_in = await confirm(browser, LINK.search(printed).group(0))
    assert await answers(stack, signed_in.cookies[sessions.COOKIE]) == (200, 200, 200)


selected_city = a_selected_city
"""The fixture of tests/test_registration_city_pages.py: an associated city, not signed up yet."""


async def test_a_replaced_focal_point_s_sessions_for_the_city_end_everywhere(stack, smtp_sink, db, selected_city):
    city_id, focal_point = selected_city["id"], selected_city["focal_point"]
    async with staff_browser(stack, ADMIN_TOKEN) as admin:
        page = await admin.get(f"/staff/cities/{city_id}")
        data = {"csrf_token": csrf_of(page), "designation": "focal_point"}
        assert (await admin.post(f"/staff/cities/{city_id}/sign-in-link", data=data)).status_code == 303
    _, link = await link_in(smtp_sink, focal_point)
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20) as browser:
        cookie = (await confirm(browser, link)).cookies[sessions.COOKIE]
        assert (await browser.get("/city")).status_code == 200

    successor = {"designation": "focal_point", "name": "Luca Verdi", "email": address("successor"), "language": "it"}
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20, headers=ADMIN) as api:
        [city] = [c for c in (await api.get("/api/v1/staff/cities")).json() if c["id"] == city_id]
        person = uuid.UUID(next(c["person_id"] for c in city["contacts"] if c["designation"] == "focal_point"))
        replaced = await api.put(f"/api/v1/staff/cities/{city_id}/contacts", json={"contacts": [successor]})
        assert replaced.status_code == 200, replaced.text
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20, headers=as_cookie(cookie)) as stolen:
        assert (await stolen.get("/city")).status_code == 303

    [row] = await db.fetch("SELECT body FROM outbox WHERE key = $1 AND event_type = 'SessionsEnded'", str(person))
    event = parse_event(bytes(row["body"]))
    assert event.payload.reason == "contact_replaced" and event.payload.ended_before is None
    assert await rows_in_both(stack, person)
    for schema in ("scheduling", "notifications"):
        assert [r["session_id"] for r in await ended_rows(stack, schema, person)] == list(event.payload.session_ids)


# --- The consumers ---------------------------------------------------------------------------------


async def ended_rows(stack, schema: str, person_id: uuid.UUID) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(stack.config.database_url, server_settings={"search_path": schema})
    try:
        return await conn.fetch("SELECT * FROM ended_sessions WHERE person_id = $1", person_id)
    finally:
        await conn.close()


def ended_event(person_id: uuid.UUID, ended_at: datetime, **overrides):
    payload = {"person_id": person_id, "session_ids": (uuid.uuid4(),), "ended_at": ended_at, "reason": "sign_out"}
    return new_event(
        SessionsEnded.model_construct(**payload | overrides),
        key=str(person_id),
        event_id=uuid.uuid4(),
        occurred_at=ended_at,
        producer="registration",
        correlation_id="revocation-test",
    )


async def rows_in_both(stack, person_id: uuid.UUID, timeout: float = 30) -> bool:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if all([await ended_rows(stack, s, person_id) for s in ("scheduling", "notifications")]):
            return True
        await asyncio.sleep(0.3)
    return False


async def test_a_duplicate_has_one_effect_old_ends_are_forgotten_and_poison_is_dead_lettered(stack, infrastructure):
    now = datetime.now(UTC)
    person, old_person, sentinel_person = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    duplicate = ended_event(person, now).to_json()
    old = ended_event(old_person, now - sessions.LIFETIME - timedelta(minutes=1)).to_json()
    poison = ended_event(uuid.uuid4(), now, reason="bored").to_json()
    sentinel = ended_event(sentinel_person, now).to_json()
    key = b"revocation-partition"
    await publish(
        infrastructure.kafka_bootstrap_servers, topics.REGISTRATION.name, duplicate, duplicate, old, poison, sentinel,
        key=key,
    )  # fmt: skip
    assert await rows_in_both(stack, sentinel_person)
    for schema in ("scheduling", "notifications"):
        assert len(await ended_rows(stack, schema, person)) == 1
        assert await ended_rows(stack, schema, old_person) == []  # no cookie can name it any more

    records = await read_dead_letters(infrastructure.kafka_bootstrap_servers, lambda r: r.value == poison, count=2)
    reasons = {dict(r.headers)["dlq.consumer"].decode(): dict(r.headers)["dlq.reason"].decode() for r in records}
    assert set(reasons) == {"scheduling", "notifications"}
    assert all("invalid SessionsEnded v1" in reason for reason in reasons.values()), reasons


@pytest.mark.parametrize("reason", ["sign_out", "deactivated", "role_changed", "contact_replaced"])
def test_every_reason_is_in_the_contract(reason):
    assert SessionsEnded(person_id=uuid.uuid4(), ended_at=NOW, reason=reason).session_ids == ()
