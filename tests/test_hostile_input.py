"""Hostile input, over the real stack, in one place.

A. Kafka: every topic a service consumes gets poison (bad bytes, non-envelopes, unknown types and
   versions, missing fields, a JSON bomb, payloads near and over the size limit): each is dead-lettered
   with its reason by each consumer of the topic, and a valid event published after them still works.
B. Web escaping: script payloads in every free-text field come out escaped in pages and emails.
C. Header injection: CR/LF in names, cities and titles is refused (422) or cannot add a header.
D. Links: tampered or expired signed links are refused and change nothing.
E. Auth: every staff operation of each service's OpenAPI answers 401 without a valid token, 403 to a
   reviewer where only admins may act; public operations are an explicit list.
F. Rate limit (429 + Retry-After, nothing written) and CSRF on the web forms (403, nothing written).
"""

from __future__ import annotations

import asyncio
import dataclasses
import email
import email.policy
import importlib
import json
import re
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import MagicMock

import asyncpg
import httpx
import icalendar
import pytest
from aiokafka import AIOKafkaProducer
from fastapi.routing import APIRoute
from pydantic import ValidationError

from deploy.local.processes import free_port
from deploy.local.smtp_sink import ReceivedMail
from deploy.local.stack import SERVICES, ServiceProcess
from services.notifications.recording import UNSUBSCRIBE_PURPOSE
from services.registration.domain.applications import EDITABLE_FIELDS, ApplicationForm
from services.registration.links import EDIT, SIGNUP
from services.registration.seed import SLUG
from services.scheduling.domain.invitations import DECLINE_PURPOSE, INVITATION_ICS_PURPOSE
from shared import csrf, signing, topics
from shared.contracts import CONTRACTS
from shared.events import MAX_EVENT_BYTES
from tests.conftest import ADMIN_TOKEN, STAFF, read_dead_letters
from tests.registration_helpers import ADMIN, REVIEWER, apply, form, last_event, new_call, token_of
from tests.test_events import submitted_event
from tests.test_notifications_calendar import confirmed
from tests.test_registration_staff_pages import csrf_of, signed_in
from tests.test_scheduling_flow import activity_body, member_known, nominee, sign_up_city

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE_BREAK = '"><img src=x onerror=alert(1)>'
HOSTILE = f"{SCRIPT} {ATTRIBUTE_BREAK}"
RAW_MARKUP = ("<script>alert(1)", "<img src=x")
ESCAPED_MARKUP = ("&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(1)&gt;")
INJECTED_HEADER = "\r\nBcc: attacker@evil.example.org"
LABELLED_JSON = (("content-type", b"application/json"),)


# --- A. Kafka --------------------------------------------------------------------------------------


def consumers_by_topic() -> dict[str, set[str]]:
    """Topic name -> the consumer groups reading it, from each service's `consumers.build()`."""
    runtime = MagicMock(name="runtime")  # build() only wires handlers; nothing is called on it yet
    found: dict[str, set[str]] = defaultdict(set)
    for service in SERVICES:
        for topic, consumer in importlib.import_module(f"services.{service}.consumers").build(runtime):
            found[topic.name].add(consumer.name)
    return dict(found)


@dataclass(frozen=True)
class Poison:
    name: str
    value: bytes
    marker: str
    """Unique text in the first bytes of `value`: how its dead letter is found (even truncated)."""
    reason: str
    """What the `dlq.reason` header must say."""
    headers: tuple[tuple[str, bytes], ...] = ()


def _envelope(good: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of a valid envelope (event_id first, fresh) with `changes` applied."""
    return {**good, "event_id": str(uuid.uuid4()), **changes}


def _poison_of_envelope(name: str, envelope: dict[str, Any], reason: str) -> Poison:
    return Poison(name, json.dumps(envelope).encode(), envelope["event_id"], reason)


def poison_messages(good_event) -> list[Poison]:
    """Every kind of bad message, built from a valid event of the topic."""
    good = json.loads(good_event.to_json())
    contract = CONTRACTS[(good_event.type, good_event.schema_version)]
    required = next(name for name, field in contract.model_fields.items() if field.is_required())
    markers = [uuid.uuid4().hex for _ in range(5)]
    without_field = _envelope(good, payload={k: v for k, v in good["payload"].items() if k != required})
    bomb_id = str(uuid.uuid4())
    bomb = f'{{"event_id": "{bomb_id}", "payload": {"[" * 100_000}{"]" * 100_000}}}'.encode()
    near_limit = MAX_EVENT_BYTES - 10_000
    over_limit = MAX_EVENT_BYTES + 10_000
    return [
        Poison("not UTF-8", markers[0].encode() + b"\xff\xfe\x00\x80", markers[0], "not JSON"),
        Poison("not JSON", f"{markers[1]} {{oops".encode(), markers[1], "not JSON"),
        Poison("not JSON, labelled JSON", f"{markers[2]} {{oops".encode(), markers[2], "not JSON", LABELLED_JSON),
        Poison("JSON, not an object", json.dumps([markers[3], 1]).encode(), markers[3], "not a JSON object"),
        Poison("JSON, not an envelope", json.dumps({"m": markers[4]}).encode(), markers[4], "not an event envelope"),
        _poison_of_envelope("unknown type", _envelope(good, type="NoSuchEvent"), "unknown event type"),
        _poison_of_envelope("wrong schema_version", _envelope(good, schema_version=99), "schema_version 99"),
        _poison_of_envelope("missing payload field", without_field, f"payload.{required}: Field required"),
        Poison("JSON bomb (100k nested lists)", bomb, bomb_id, "nested too deeply"),
        _poison_of_envelope(
            "giant string field", _envelope(good, correlation_id="x" * near_limit), "at most 200 characters"
        ),
        _poison_of_envelope("over the size limit", _envelope(good, correlation_id="x" * over_limit), "byte limit"),
    ]


async def publish(bootstrap: str, topic: str, key: bytes, messages: list[Poison | bytes]) -> None:
    """In order on one key (one partition). The broker takes about 1 MB: larger than MAX_EVENT_BYTES."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, max_request_size=1_048_576
    )
    await producer.start()
    try:
        for message in messages:
            value, headers = (message.value, list(message.headers)) if isinstance(message, Poison) else (message, [])
            await producer.send_and_wait(topic, value, key=key, headers=headers)
    finally:
        await producer.stop()


def sentinel_event(topic: str, address: str):
    """A valid event for `topic` whose effect is visible: an email to `address` (and, for registration's
    ApplicationSubmitted, a city in scheduling's projection named after it)."""
    if topic == topics.REGISTRATION.name:
        return submitted_event(contact_email=address, city=sentinel_city(address), country="LV")
    if topic == topics.SCHEDULING.name:
        return confirmed(address)
    pytest.fail(f"{topic} is consumed but this test has no valid event for it: add one to sentinel_event()")


def sentinel_city(address: str) -> str:
    return "Sentinel " + address.partition("@")[0]


CONSUMED = consumers_by_topic()
POISON_NAMES = [p.name for p in poison_messages(submitted_event())]


@dataclass
class KafkaOutcome:
    reasons: dict[tuple[str, str, str], str]
    """(topic, poison name, consumer) -> dlq.reason of its dead letter."""
    expected: dict[tuple[str, str], str]
    """(topic, poison name) -> what its reason must say."""
    addresses: dict[str, str]
    """topic -> the address of its sentinel event."""


@pytest.fixture(scope="module")
async def kafka_outcome(stack, infrastructure) -> KafkaOutcome:
    """Publishes every poison on every consumed topic, then a valid event on the same key; reads the
    dead letters once."""
    bootstrap = infrastructure.kafka_bootstrap_servers
    addresses, by_marker, expected = {}, {}, {}
    batches = []
    for topic in CONSUMED:
        addresses[topic] = f"sentinel-{uuid.uuid4().hex[:12]}@city.example.eu"
        sentinel = sentinel_event(topic, addresses[topic])
        poison = poison_messages(sentinel)
        by_marker |= {p.marker: (topic, p.name) for p in poison}
        expected |= {(topic, p.name): p.reason for p in poison}
        key = f"hostile-{uuid.uuid4().hex}".encode()
        batches.append(publish(bootstrap, topic, key, [*poison, sentinel.to_json()]))
    await asyncio.gather(*batches)

    def marker_of(value: bytes | None) -> str | None:
        head = (value or b"")[:200].decode(errors="replace")
        return next((marker for marker in by_marker if marker in head), None)

    count = sum(len(POISON_NAMES) * len(groups) for groups in CONSUMED.values())
    records = await read_dead_letters(bootstrap, lambda r: marker_of(r.value) is not None, count, timeout=90)
    reasons = {}
    for record in records:
        headers = {k: v.decode() for k, v in record.headers}
        topic, name = by_marker[marker_of(record.value)]
        assert headers["dlq.source"].startswith(f"{topic}/")
        reasons[(topic, name, headers["dlq.consumer"])] = headers["dlq.reason"]
    return KafkaOutcome(reasons, expected, addresses)


@pytest.mark.parametrize("topic", sorted(CONSUMED))
@pytest.mark.parametrize("poison", POISON_NAMES)
def test_poison_is_dead_lettered_with_its_reason_by_every_consumer(kafka_outcome, topic, poison):
    expected_reason = kafka_outcome.expected[(topic, poison)]
    for consumer in sorted(CONSUMED[topic]):
        reason = kafka_outcome.reasons.get((topic, poison, consumer))
        assert reason is not None, f"{consumer} did not dead-letter {poison!r} from {topic}"
        assert expected_reason in reason, reason


@pytest.mark.parametrize("topic", sorted(CONSUMED))
async def test_a_valid_event_after_the_poison_still_takes_effect(kafka_outcome, stack, smtp_sink, topic):
    address = kafka_outcome.addresses[topic]
    await smtp_sink.wait_for(lambda m: address in m.rcpt_tos, timeout=60)
    if "scheduling" in CONSUMED[topic]:
        await scheduling_knows_city(stack["scheduling"].url, sentinel_city(address))


async def scheduling_knows_city(base: str, city: str, timeout: float = 30) -> None:
    async with httpx.AsyncClient(base_url=base) as scheduling:
        for _ in range(int(timeout / 0.25)):
            if city in {c["city"] for c in (await scheduling.get("/api/v1/cities")).json()}:
                return
            await asyncio.sleep(0.25)
    pytest.fail(f"scheduling never learnt of {city}")


# --- B. Escaping in pages and emails ---------------------------------------------------------------


def accepts(field: str, value: str) -> bool:
    try:
        ApplicationForm(**form("free-text@city.example.eu", **{field: value}))
    except ValidationError:
        return False
    return True


FREE_TEXT_FIELDS = [name for name in EDITABLE_FIELDS if accepts(name, HOSTILE)]
"""Every field of the application form that takes arbitrary text (found by trying, so new ones count)."""


def assert_only_escaped(html: str, *, shown: bool = True) -> None:
    """No payload survives as markup; `shown`: the page displays the fields, so the escaped text is there."""
    for raw in RAW_MARKUP:
        assert raw not in html, f"raw {raw!r} in the HTML"
    if shown:
        for escaped in ESCAPED_MARKUP:
            assert escaped in html, f"{escaped!r} missing from the HTML"


def hostile_answers(tag: str) -> dict[str, str]:
    return {name: f"{HOSTILE} {tag}" for name in FREE_TEXT_FIELDS}


@dataclass(frozen=True)
class HostileApplication:
    id: str
    email: str
    tag: str


@pytest.fixture(scope="module")
async def hostile_call(stack) -> str:
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20) as api:
        return await new_call(api, quota=5, title={"en": f"Call {HOSTILE}"})


@pytest.fixture(scope="module")
async def hostile_application(stack, hostile_call) -> HostileApplication:
    """Submitted through the JSON API with the payloads in every free-text field."""
    tag, address = uuid.uuid4().hex[:12], f"hostile-{uuid.uuid4().hex[:10]}@city.example.eu"
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20) as api:
        application_id = await apply(api, hostile_call, address, **hostile_answers(tag))
    return HostileApplication(application_id, address, tag)


def test_the_hostile_answers_cover_every_free_text_field():
    assert {"city", "region", "contact_name", "contact_role", "motivation", "experience"} <= set(FREE_TEXT_FIELDS)


async def edit_token_from_email(smtp_sink, address: str) -> str:
    first, *_ = await smtp_sink.wait_for(lambda m: address in m.rcpt_tos, timeout=30)  # the confirmation
    return re.search(r"/applications/([\w.-]+)", first.text_body).group(1)


async def test_json_api_answers_are_escaped_in_the_edit_page(stack, smtp_sink, hostile_application):
    token = await edit_token_from_email(smtp_sink, hostile_application.email)
    async with httpx.AsyncClient(base_url=stack["registration"].url) as browser:
        page = await browser.get(f"/applications/{token}")
    assert page.status_code == 200
    assert_only_escaped(page.text)
    for name in FREE_TEXT_FIELDS:
        assert re.search(rf'(id|name)="{name}"', page.text), f"the edit page does not show {name}"


async def test_answers_are_escaped_in_the_staff_pages(stack, hostile_call, hostile_application):
    admin = await signed_in(stack["registration"].url, ADMIN_TOKEN)
    try:
        application = await admin.get(f"/staff/applications/{hostile_application.id}")
        listing = await admin.get(f"/staff/calls/{hostile_call}")
    finally:
        await admin.aclose()
    assert application.status_code == 200 and hostile_application.tag in application.text
    assert_only_escaped(application.text)
    assert listing.status_code == 200 and hostile_application.id in listing.text
    assert_only_escaped(listing.text)


async def test_answers_are_escaped_in_the_confirmation_and_staff_emails(smtp_sink, hostile_application):
    [confirmation] = await smtp_sink.wait_for(lambda m: hostile_application.email in m.rcpt_tos, timeout=30)
    [notice] = await smtp_sink.wait_for(
        lambda m: STAFF[0] in m.rcpt_tos and hostile_application.tag in m.subject, timeout=30
    )
    assert_only_escaped(confirmation.html_body)
    assert_only_escaped(notice.html_body)


async def test_web_form_answers_are_escaped_in_every_page_it_answers_with(stack, db, hostile_call):
    tag, address = uuid.uuid4().hex[:12], f"hostile-web-{uuid.uuid4().hex[:10]}@city.example.eu"
    fields = web_fields(form(address, **hostile_answers(tag)))
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20) as browser:
        page = await browser.get(f"/calls/{hostile_call}/apply", params={"lang": "en"})
        refused = await browser.post(
            f"/calls/{hostile_call}/apply?lang=en", data=fields | {"csrf_token": csrf_of(page), "country": "US"}
        )
        assert refused.status_code == 422  # the form comes back with the answers in it
        assert_only_escaped(refused.text)
        sent = await browser.post(
            f"/calls/{hostile_call}/apply?lang=en", data=fields | {"csrf_token": csrf_of(refused)}
        )
        assert sent.status_code == 303, sent.text
        confirmation = await browser.get(sent.headers["location"])
        assert confirmation.status_code == 200
        assert_only_escaped(confirmation.text, shown=False)
        application_id = await db.fetchval("SELECT id FROM applications WHERE contact_email = $1", address)
        submitted = await last_event(db, "ApplicationSubmitted", str(application_id))
        edit = await browser.get(f"/applications/{token_of(submitted.edit_url)}")
    assert edit.status_code == 200 and tag in edit.text
    assert_only_escaped(edit.text)


# --- B/C/D for scheduling: an invitation whose title and participant are hostile ----------------------

ICS_INJECTION = "\rATTENDEE:mailto:attacker@evil.example.org"
HOSTILE_TITLE = f"Academy {HOSTILE}{ICS_INJECTION}{INJECTED_HEADER}"


@dataclass(frozen=True)
class HostileInvitation:
    activity_id: str
    nomination_id: str
    address: str
    mail: ReceivedMail


@pytest.fixture(scope="module")
async def hostile_invitation(stack, infrastructure, smtp_sink) -> HostileInvitation:
    """A real activity with a hostile title, and an admin's nomination of a person with a hostile name."""
    city_id = await sign_up_city(infrastructure.kafka_bootstrap_servers, f"Hostile {uuid.uuid4().hex[:6]}")
    address = f"hostile-officer-{uuid.uuid4().hex[:10]}@police.example.eu"
    async with httpx.AsyncClient(base_url=stack["scheduling"].url, timeout=20) as scheduling:
        await member_known(scheduling, city_id)
        body = activity_body(timedelta(days=200), titles={"en": HOSTILE_TITLE}, venue_name=f"Hall {HOSTILE}")
        created = await scheduling.post("/api/v1/activities", json=body, headers=ADMIN)
        assert created.status_code == 201, created.text
        activity_id = created.json()["activity"]["activity_id"]
        person = nominee(city_id, name=f"Eve {HOSTILE}{INJECTED_HEADER}", email=address, language="en")
        nominated = await scheduling.post(f"/api/v1/activities/{activity_id}/nominations", json=person, headers=ADMIN)
        assert nominated.status_code == 201, nominated.text
    [mail] = await smtp_sink.wait_for(lambda m: address in m.rcpt_tos, timeout=30)
    return HostileInvitation(activity_id, nominated.json()["nomination_id"], address, mail)


def assert_no_injected_calendar_line(ics: str) -> None:
    """However the lines are split (CRLF, LF or a lone CR, as mail transport may rewrite them)."""
    for line in ics.splitlines():
        assert not line.upper().startswith(("ATTENDEE:MAILTO:ATTACKER", "BCC")), f"injected line {line!r}"
    [vevent] = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    assert str(vevent["SUMMARY"]) == HOSTILE_TITLE.replace("\r\n", "\n").replace("\r", "\n")


def assert_single_recipient(mail: ReceivedMail, address: str) -> None:
    """No header was added by CR/LF in a name, city or title: To is the one recipient, no Bcc/Cc."""
    message = email.message_from_bytes(mail.raw, policy=email.policy.default)
    assert mail.rcpt_tos == (address,)
    assert message.get_all("To") == [address]
    assert message.get("Bcc") is None and message.get("Cc") is None
    assert "\n" not in str(message["Subject"]) and "\r" not in str(message["Subject"])
    headers = re.split(rb"\r?\n\r?\n", mail.raw, maxsplit=1)[0]
    assert not re.search(rb"^(bcc|cc):", headers, re.IGNORECASE | re.MULTILINE), headers.decode(errors="replace")


async def test_activity_title_and_participant_are_escaped_in_the_invitation_email(hostile_invitation):
    assert_only_escaped(hostile_invitation.mail.html_body)


async def test_invitation_cannot_inject_mail_headers(hostile_invitation):
    assert_single_recipient(hostile_invitation.mail, hostile_invitation.address)


async def test_calendar_feed_and_invitation_cannot_inject_calendar_lines(stack, hostile_invitation):
    calendar_part = next(p for p in hostile_invitation.mail.message.walk() if p.get_content_type() == "text/calendar")
    assert_no_injected_calendar_line(calendar_part.get_content())
    async with httpx.AsyncClient(base_url=stack["scheduling"].url) as scheduling:
        feed = await scheduling.get(f"/api/v1/activities/{hostile_invitation.activity_id}/calendar.ics")
    assert feed.status_code == 200
    assert_no_injected_calendar_line(feed.text)


def decline_token(mail: ReceivedMail) -> str:
    return re.search(r"/api/v1/nominations/decline\?token=([\w.-]+)", mail.text_body).group(1)


async def test_the_decline_page_escapes_title_and_name(stack, hostile_invitation):
    async with httpx.AsyncClient(base_url=stack["scheduling"].url) as scheduling:
        page = await scheduling.get(
            "/api/v1/nominations/decline", params={"token": decline_token(hostile_invitation.mail)}
        )
    assert page.status_code == 200
    assert_only_escaped(page.text)


# --- C. CR/LF cannot inject mail headers -------------------------------------------------------------

SINGLE_LINE_FIELDS = ("city", "contact_name", "region", "contact_role")
"""The applicant's fields that name someone or something, and may end up in a subject or a header."""


@pytest.mark.parametrize("field", SINGLE_LINE_FIELDS)
async def test_cr_lf_in_a_single_line_field_is_refused_naming_it(client, hostile_call, field):
    answers = form(f"crlf-{uuid.uuid4().hex[:10]}@city.example.eu", **{field: f"Eve{INJECTED_HEADER}"})
    response = await client.post(f"/api/v1/calls/{hostile_call}/applications", json=answers)
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", field]]


async def test_cr_lf_in_an_event_cannot_add_mail_headers(infrastructure, smtp_sink):
    """Another producer's event is not validated by registration's form: notifications must hold on its own."""
    address, tag = f"crlf-{uuid.uuid4().hex[:10]}@city.example.eu", uuid.uuid4().hex[:12]
    submitted = submitted_event(
        contact_email=address, city=f"Riga {tag}{INJECTED_HEADER}", contact_name=f"Eve{INJECTED_HEADER}", language="en"
    )
    await publish(infrastructure.kafka_bootstrap_servers, topics.REGISTRATION.name, b"crlf", [submitted.to_json()])
    [confirmation] = await smtp_sink.wait_for(lambda m: address in m.rcpt_tos, timeout=30)
    [notice] = await smtp_sink.wait_for(lambda m: STAFF[0] in m.rcpt_tos and tag in m.subject, timeout=30)
    assert_single_recipient(confirmation, address)
    assert_single_recipient(notice, STAFF[0])


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
    assert all(a.status_code == 403 for a in answers)
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
    },
}
"""Operations anyone may call (signed links carry their own proof); every other one needs a staff token."""
HEALTH = {("GET", "/health/live"), ("GET", "/health/ready")}
"""Every service's probes (shared.health)."""


def admitted_roles(call: object) -> frozenset[str] | None:
    """The roles a `shared.auth` dependency admits (read from require_role's closure), else None."""
    code = getattr(call, "__code__", None)
    if code is None or getattr(call, "__module__", "") != "shared.auth":
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


def web_fields(answers: dict[str, Any]) -> dict[str, str]:
    """An application as a browser posts it: ticked checkboxes are present, others absent."""
    return {k: str(v) for k, v in answers.items() if not isinstance(v, bool)} | {
        k: "yes" for k, v in answers.items() if v is True
    }


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
