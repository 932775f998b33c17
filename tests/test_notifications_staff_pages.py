"""Notifications' staff pages over the real stack: the mail pages (delivery log, one email as sent,
resend, the explainer, dead letters, previews) for admins, in English and French; roles and sign-in;
a reviewer's own profile (immediate notices or the daily digest)."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import AsyncIterator
from typing import get_args

import httpx
import pytest

from services.notifications.domain.dead_letters import REPLAY_ACTIONS
from services.notifications.domain.delivery import Status
from services.notifications.domain.explanation import REASONS
from services.notifications.mail.rendering import email_templates
from services.notifications.web import staff_texts
from services.notifications.workflows.previews import preview
from shared.contracts import topics
from shared.security import sessions
from tests.conftest import ADMIN_TOKEN, REVIEWER_TOKEN, STAFF, publish
from tests.registration_helpers import apply, email, new_call
from tests.test_registration_sign_in import LINK, address, ask_for_link, confirm

ISO_MOMENT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")
RAW_STATUS = re.compile(r">\s*(pending|sending|sent|retrying|failed|suppressed|held|digested)\s*<")


def csrf_of(response: httpx.Response) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', response.text).group(1)


def readable(page: httpx.Response) -> None:
    """No ISO timestamp, no raw status key, no stack trace on the page."""
    assert not ISO_MOMENT.search(page.text), ISO_MOMENT.search(page.text)
    assert not RAW_STATUS.search(page.text), RAW_STATUS.search(page.text)
    assert "Traceback" not in page.text


def test_every_status_template_reason_and_replay_action_has_a_label():
    assert set(staff_texts.STATUSES) == set(get_args(Status))
    assert set(email_templates()) <= set(staff_texts.TEMPLATES)
    assert set(staff_texts.REASONS) == set(REASONS)
    assert set(staff_texts.REPLAY_ACTIONS) == set(REPLAY_ACTIONS)


async def signed_in_cookie(stack, smtp_sink, member: str) -> str:
    """A session for `member`, from the sign-in link emailed to them (staff addresses get notices too)."""
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20) as browser:
        await ask_for_link(browser, member)
        [mail] = await smtp_sink.wait_for(
            lambda m: member in m.rcpt_tos and bool(LINK.search(m.text_body or "")), timeout=30
        )
        answer = await confirm(browser, LINK.search(mail.text_body).group(0))
        assert answer.status_code == 303, answer.text
        return answer.cookies[sessions.COOKIE]


@pytest.fixture
async def admin(stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack["notifications"].url, timeout=30) as client:
        client.cookies.set("pactesur_staff", ADMIN_TOKEN)
        yield client


@pytest.fixture
async def applicant(stack, smtp_sink) -> str:
    """The address of an applicant who got their confirmation email."""
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20) as registration:
        slug = await new_call(registration)
        contact = email()
        await apply(registration, slug, contact)
    await smtp_sink.wait_for(lambda m: contact in m.rcpt_tos, timeout=30)
    return contact


async def test_admin_finds_opens_and_resends_an_email(admin, applicant, smtp_sink):
    log = await admin.get("/staff/mail", params={"recipient": applicant})
    assert log.status_code == 200 and "Delivery log" in log.text and applicant in log.text
    assert "Application received" in log.text and "Sent" in log.text
    readable(log)
    [link] = re.findall(r'href="(/staff/mail/deliveries/\d+)"', log.text)

    email_page = await admin.get(link)
    assert email_page.status_code == 200 and applicant in email_page.text
    assert '<pre class="as-written">' in email_page.text and "Polish" in email_page.text
    assert '<iframe title="HTML as sent" sandbox srcdoc="&lt;' in email_page.text  # escaped, never injected
    readable(email_page)

    refused = await admin.post(f"{link}/resend", data={})
    assert refused.status_code == 403 and "Session expired" in refused.text  # no CSRF token
    resent = await admin.post(f"{link}/resend", data={"csrf_token": csrf_of(refused)})  # the page it answered with
    assert resent.status_code == 303 and resent.headers["location"] == f"{link}?resent=1"
    await smtp_sink.wait_for(lambda m: applicant in m.rcpt_tos, count=2, timeout=30)
    after = await admin.get(resent.headers["location"])
    assert "The email is being sent again." in after.text

    french = await admin.get("/staff/mail", params={"recipient": applicant, "lang": "fr"})
    assert "Journal des envois" in french.text and "Candidature reçue" in french.text
    assert f'href="{link}?lang=fr"' in french.text
    readable(french)


async def test_bad_search_input_gets_field_messages(admin):
    bad = await admin.get("/staff/mail", params={"recipient": "nobody", "event_id": "x", "status": "lost"})
    assert bad.status_code == 400 and "Write a whole email address" in bad.text
    assert "An event id looks like" in bad.text and "Choose a state from the list." in bad.text
    assert (await admin.get("/staff/mail/deliveries/999999999")).status_code == 404


async def test_the_explainer_answers_in_words(admin, applicant):
    nobody = address("nobody")
    answer = await admin.get("/staff/mail/explain", params={"recipient": nobody})
    assert answer.status_code == 200 and "No email to this address is in the delivery log." in answer.text
    assert "no_email_to_address" not in answer.text
    readable(answer)

    [event_id] = set(re.findall(r"<code>([0-9a-f-]{36})</code>", (await _first_email(admin, applicant)).text))
    stranger = await admin.get("/staff/mail/explain", params={"recipient": nobody, "event_id": event_id})
    assert "it is not one of the recipients" in stranger.text and "Application received" in stranger.text
    mine = await admin.get("/staff/mail/explain", params={"recipient": applicant, "event_id": event_id})
    assert "This address was emailed" in mine.text and "Sent" in mine.text
    readable(mine)

    french = await admin.get("/staff/mail/explain", params={"recipient": nobody, "lang": "fr"})
    assert "Le journal des envois ne contient aucun e-mail à cette adresse." in french.text
    bad = await admin.get("/staff/mail/explain", params={"recipient": "nobody"})
    assert bad.status_code == 400 and "Write a whole email address" in bad.text


async def _first_email(admin: httpx.AsyncClient, recipient: str) -> httpx.Response:
    log = await admin.get("/staff/mail", params={"recipient": recipient})
    link = re.findall(r'href="(/staff/mail/deliveries/\d+)"', log.text)[-1]
    return await admin.get(link)


async def test_previews_in_any_email_language(admin):
    german = await admin.get("/staff/mail/previews", params={"template": "application_received", "language": "de"})
    expected = preview("application_received", "de")
    assert german.status_code == 200 and html.escape(expected.subject, quote=False) in german.text
    assert '<pre class="as-written" lang="de">' in german.text and "sandbox srcdoc=" in german.text
    assert '<option value="de" selected>German</option>' in german.text
    asked = {"template": "staff_digest", "language": "de", "lang": "fr"}
    french = await admin.get("/staff/mail/previews", params=asked)
    assert "Aperçus des modèles" in french.text and "Récapitulatif quotidien de l’équipe" in french.text
    assert '<option value="de" selected>Allemand</option>' in french.text
    unknown = await admin.get("/staff/mail/previews", params={"template": "nope", "language": "xx"})
    assert unknown.status_code == 400 and "Choose a kind of email from the list." in unknown.text


async def test_dead_letters_are_listed_and_the_replay_needs_the_csrf_token(stack, admin):
    marker = f"not-an-event-{uuid.uuid4().hex}".encode()
    await publish(stack.config.kafka_bootstrap_servers, topics.REGISTRATION.name, marker)
    page = await admin.get("/staff/mail/dead-letters")
    for _ in range(30):
        if f"{topics.REGISTRATION.name}/" in page.text:
            break
        page = await admin.get("/staff/mail/dead-letters")
    assert page.status_code == 200 and "Dead letters waiting" in page.text
    assert f"<code>{topics.REGISTRATION.name}/" in page.text and "The message is processed again" in page.text
    assert 'action="/staff/mail/dead-letters/replay"' in page.text
    readable(page)
    # The replay itself is tested on notifications' own deployment (test_notifications_delivery): here
    # it would hand other tests' dead letters back to the session stack.
    refused = await admin.post("/staff/mail/dead-letters/replay", data={})
    assert refused.status_code == 403 and "Session expired" in refused.text
    french = await admin.get("/staff/mail/dead-letters", params={"lang": "fr"})
    assert "Lettres mortes en attente" in french.text and "Relancer les lettres mortes" in french.text


async def test_mail_is_for_admins_and_signed_in_staff(stack):
    async with httpx.AsyncClient(base_url=stack["notifications"].url, timeout=20) as visitor:
        away = await visitor.get("/staff/mail")
        assert away.status_code == 303 and away.headers["location"].endswith("/sign-in")
        assert (await visitor.get("/staff/profile")).status_code == 303
        visitor.cookies.set("pactesur_staff", REVIEWER_TOKEN)
        for path in ("/staff/mail", "/staff/mail/explain", "/staff/mail/dead-letters", "/staff/mail/previews"):
            refused = await visitor.get(path)
            assert refused.status_code == 403 and "This page needs the role: Administrator." in refused.text
        french = await visitor.get("/staff/mail?lang=fr")
        assert french.status_code == 403 and "Administrateur" in french.text
        token_profile = await visitor.get("/staff/profile")
        assert token_profile.status_code == 200 and "A personal sign-in is needed" in token_profile.text


async def test_a_reviewer_chooses_the_daily_digest_for_a_kind_of_notice(stack, smtp_sink):
    member = STAFF[1]
    out = stack.run_command("registration", "staff", "add", member, "--role", "reviewer")
    assert member in out
    cookie = await signed_in_cookie(stack, smtp_sink, member)
    kind = "staff_nomination_waitlisted"
    async with httpx.AsyncClient(
        base_url=stack["notifications"].url, timeout=20, cookies={sessions.COOKIE: cookie}
    ) as reviewer:
        page = await reviewer.get("/staff/profile")
        assert page.status_code == 200 and member in page.text and "Staff notice: nomination waitlisted" in page.text
        assert f'name="kind-{kind}" value="at-once" checked' in page.text
        saved = await reviewer.post("/staff/profile", data={"csrf_token": csrf_of(page), f"kind-{kind}": "digest"})
        assert saved.status_code == 200 and "Your choices are saved." in saved.text
        assert f'name="kind-{kind}" value="digest" checked' in saved.text
        again = await reviewer.get("/staff/profile?lang=fr")
        assert f'name="kind-{kind}" value="digest" checked' in again.text and "Mon profil" in again.text
        assert "Dans le récapitulatif quotidien" in again.text
        refused = await reviewer.post("/staff/profile", data={f"kind-{kind}": "at-once"})
        assert refused.status_code == 403 and "Session expired" in refused.text
        back = await reviewer.post("/staff/profile", data={"csrf_token": csrf_of(refused)})  # every kind at once
        assert back.status_code == 200 and f'name="kind-{kind}" value="at-once" checked' in back.text

    outsider = address("reviewer")
    stack.run_command("registration", "staff", "add", outsider, "--role", "reviewer")
    cookie = await signed_in_cookie(stack, smtp_sink, outsider)
    async with httpx.AsyncClient(
        base_url=stack["notifications"].url, timeout=20, cookies={sessions.COOKIE: cookie}
    ) as reviewer:
        page = await reviewer.get("/staff/profile")
        refused = await reviewer.post("/staff/profile", data={"csrf_token": csrf_of(page)})
        assert refused.status_code == 409 and "does not receive staff notices" in refused.text
