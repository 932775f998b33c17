"""Hostile input on the web, over the real stack: script payloads in every free-text field come out
escaped in pages and emails (registration and scheduling), and CR/LF in names, cities and titles is
refused (422) or cannot add a mail header or a calendar line."""

from __future__ import annotations

import email
import email.policy
import re
import uuid

import httpx
import icalendar
import pytest

from deploy.local.smtp_sink import ReceivedMail
from shared.contracts import topics
from tests.conftest import ADMIN_TOKEN, STAFF, publish
from tests.hostile import (
    ESCAPED_MARKUP,
    FREE_TEXT_FIELDS,
    HOSTILE_TITLE,
    INJECTED_HEADER,
    RAW_MARKUP,
    decline_token,
    edit_token_from_email,
    hostile_answers,
    web_fields,
)
from tests.registration_helpers import form, last_event, token_of
from tests.test_events import submitted_event
from tests.test_registration_staff_pages import csrf_of, signed_in

# --- B. Escaping in pages and emails ---------------------------------------------------------------


def assert_only_escaped(html: str, *, shown: bool = True) -> None:
    """No payload survives as markup; `shown`: the page displays the fields, so the escaped text is there."""
    for raw in RAW_MARKUP:
        assert raw not in html, f"raw {raw!r} in the HTML"
    if shown:
        for escaped in ESCAPED_MARKUP:
            assert escaped in html, f"{escaped!r} missing from the HTML"


def test_the_hostile_answers_cover_every_free_text_field():
    assert {"city", "region", "contact_name", "contact_role", "motivation", "experience"} <= set(FREE_TEXT_FIELDS)


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
    await publish(infrastructure.kafka_bootstrap_servers, topics.REGISTRATION.name, submitted.to_json(), key=b"crlf")
    [confirmation] = await smtp_sink.wait_for(lambda m: address in m.rcpt_tos, timeout=30)
    [notice] = await smtp_sink.wait_for(lambda m: STAFF[0] in m.rcpt_tos and tag in m.subject, timeout=30)
    assert_single_recipient(confirmation, address)
    assert_single_recipient(notice, STAFF[0])
