"""People and sign-in: staff accounts and their rules, the emailed one-time link, the session cookie
that all three services accept, sign-out, invitations, and the audit log of it all.

The domain rules are tested alone; the rest over the real stack, reading the emails at the sink."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from services.registration.domain import sign_in as links
from services.registration.domain import staff as rules
from shared.refusals import Refused
from shared.security import sessions, signing
from shared.security.auth import StaffMember
from tests.registration_helpers import ADMIN
from tests.test_registration_staff_pages import csrf_of

NOW = datetime(2027, 3, 15, 9, 30, tzinfo=UTC)
ADMIN_ACTOR = StaffMember("boss@efus.example.eu", "admin")


def account(role: str = "admin", active: bool = True) -> rules.StaffAccount:
    made = rules.new_account(uuid.uuid4(), "Someone@Efus.example.eu", None, role, "fr", "Europe/Paris", NOW)
    return made if active else rules.deactivate(made, ADMIN_ACTOR, 2, NOW)


# --- Domain ---------------------------------------------------------------------------------------


def test_the_last_active_admin_can_be_neither_demoted_nor_deactivated():
    only = account("admin")
    with pytest.raises(Refused) as refused:
        rules.change_role(only, "reviewer", ADMIN_ACTOR, active_admins=1, now=NOW)
    assert refused.value.code == "last_admin"
    with pytest.raises(Refused):
        rules.deactivate(only, ADMIN_ACTOR, active_admins=1, now=NOW)
    assert rules.change_role(only, "reviewer", ADMIN_ACTOR, active_admins=2, now=NOW).role == "reviewer"
    assert rules.deactivate(only, ADMIN_ACTOR, active_admins=2, now=NOW).active is False
    assert rules.deactivate(account("reviewer"), ADMIN_ACTOR, active_admins=1, now=NOW).active is False


def test_only_admins_manage_accounts_and_roles_are_known():
    reviewer = StaffMember("r@efus.example.eu", "reviewer")
    for action in (
        lambda: rules.change_role(account("reviewer"), "admin", reviewer, 3, NOW),
        lambda: rules.deactivate(account("reviewer"), reviewer, 3, NOW),
        lambda: rules.reactivate(account("reviewer", active=False), "reviewer", reviewer, NOW),
    ):
        with pytest.raises(Refused) as refused:
            action()
        assert refused.value.code == "admin_only"
    with pytest.raises(Refused):
        rules.new_account(uuid.uuid4(), "a@b.eu", None, "owner", "fr", "Europe/Paris", NOW)
    with pytest.raises(Refused):
        rules.new_account(uuid.uuid4(), "a@b.eu", None, "admin", "fr", "Mars/Olympus", NOW)
    assert account().name == "Someone"


def test_a_link_works_once_within_fifteen_minutes():
    link = links.new_link("secret-token", "staff", uuid.uuid4(), NOW)
    assert link.token_sha256 == links.digest("secret-token") != "secret-token"
    used = links.use(link, NOW + timedelta(minutes=14, seconds=59))
    with pytest.raises(links.LinkUsed):
        links.use(used, NOW + timedelta(minutes=1))
    with pytest.raises(links.LinkExpired):
        links.use(link, NOW + timedelta(minutes=15))
    assert links.may_send_another(links.LINKS_PER_WINDOW - 1) and not links.may_send_another(links.LINKS_PER_WINDOW)


def test_a_session_cookie_names_the_person_and_expires():
    secret = b"k" * 32
    session = sessions.new_session(uuid.uuid4(), uuid.uuid4(), "staff", "a@efus.example.eu", "reviewer", NOW)
    value = sessions.issue(secret, session)
    assert sessions.read(secret, value, NOW + timedelta(hours=11)) == session
    assert session.staff_member() == StaffMember("a@efus.example.eu", "reviewer", person_id=session.person_id)
    with pytest.raises(signing.InvalidToken):
        sessions.read(secret, value, NOW + sessions.LIFETIME)
    with pytest.raises(signing.InvalidToken):
        sessions.read(b"x" * 32, value, NOW)
    settings = sessions.cookie_settings("https://pactesur.efus.eu")
    assert settings["httponly"] and settings["secure"] and settings["samesite"] == "lax"
    assert not sessions.cookie_settings("http://127.0.0.1:8001")["secure"]


# --- Over the stack ------------------------------------------------------------------------------

LINK = re.compile(r"https?://\S+/sign-in/[A-Za-z0-9_-]+")


def address(kind: str) -> str:
    return f"{kind}-{uuid.uuid4().hex[:10]}@efus.example.eu"


async def ask_for_link(client: httpx.AsyncClient, email: str) -> httpx.Response:
    form = await client.get("/sign-in")
    return await client.post("/sign-in", data={"csrf_token": csrf_of(form), "email": email})


async def link_from_email(smtp_sink, email: str):
    [mail] = await smtp_sink.wait_for(lambda m: email in m.rcpt_tos, timeout=30)
    return mail, LINK.search(mail.text_body).group(0)


async def confirm(client: httpx.AsyncClient, link: str) -> httpx.Response:
    page = await client.get(link)
    assert page.status_code == 200 and "<button" in page.text, page.text
    return await client.post(link, data={"csrf_token": csrf_of(page)})


@pytest.fixture
def admin_email(stack) -> str:
    email = address("admin")
    out = stack.run_command("registration", "staff", "add", email, "--role", "admin", "--language", "fr")
    assert f"staff account {email} (admin) added" in out
    again = stack.run_command("registration", "staff", "add", email.upper(), "--role", "reviewer", "--link")
    assert "already exists" in again and LINK.search(again), again
    return email


async def test_sign_in_by_emailed_link_then_sign_out(stack, smtp_sink, db, admin_email):
    registration = stack["registration"].url
    async with httpx.AsyncClient(base_url=registration, timeout=20) as browser:
        known = await ask_for_link(browser, admin_email)
        unknown = await ask_for_link(browser, address("nobody"))
        assert known.status_code == unknown.status_code == 200
        assert known.text == unknown.text and "If this address has an account" in known.text
        assert (await browser.post("/sign-in", data={"email": admin_email})).status_code == 403  # no CSRF token

        mail, link = await link_from_email(smtp_sink, admin_email)
        assert mail.language == "fr" and mail.subject == "Votre lien de connexion – PACTESUR 2"
        assert "Ce lien ne fonctionne qu’une fois" in mail.text_body

        assert (await browser.get("/staff")).headers["location"].endswith("/sign-in")
        signed_in = await confirm(browser, link)
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/staff"
        cookie = signed_in.cookies[sessions.COOKIE]
        set_cookie = signed_in.headers["set-cookie"].lower()
        assert "httponly" in set_cookie and "samesite=lax" in set_cookie
        staff_page = await browser.get("/staff")
        assert staff_page.status_code == 200 and admin_email in staff_page.text

        page = await browser.get(link)
        assert page.status_code == 410 and "already been used" in page.text
        reused = await browser.post(link, data={"csrf_token": csrf_of(await browser.get("/sign-in"))})
        assert reused.status_code == 410 and "already been used" in reused.text
        assert (await browser.get("/sign-in/not-a-link")).status_code == 404

        signed_out = await browser.post("/sign-out")
        assert signed_out.status_code == 303 and sessions.COOKIE not in browser.cookies
        assert (await browser.get("/staff")).headers["location"].endswith("/sign-in")
    async with httpx.AsyncClient(base_url=registration, timeout=20, cookies={sessions.COOKIE: cookie}) as stolen:
        assert (await stolen.get("/staff")).status_code == 303  # ended server-side, not only in the browser
        assert (await stolen.get("/api/v1/staff/accounts")).status_code == 401

    admin_id = await db.fetchval("SELECT id FROM staff_accounts WHERE email = $1", admin_email)
    entries = await db.fetch("SELECT action, actor, client_address FROM audit_log WHERE subject = $1", str(admin_id))
    actions = {e["action"]: e for e in entries}
    assert {"staff.added", "sign_in.link_printed", "sign_in.link_sent", "sign_in", "sign_out"} <= set(actions)
    assert actions["sign_in"]["actor"] == admin_email and actions["sign_in"]["client_address"] == "127.0.0.1"
    assert actions["staff.added"]["client_address"] == "command line"


async def test_an_expired_link_is_refused_with_a_clear_page(stack, db, admin_email):
    token = "expired-" + uuid.uuid4().hex
    admin_id = await db.fetchval("SELECT id FROM staff_accounts WHERE email = $1", admin_email)
    then = datetime.now(UTC) - timedelta(minutes=16)
    await db.execute(
        "INSERT INTO sign_in_links (token_sha256, person_kind, person_id, created_at, expires_at)"
        " VALUES ($1, 'staff', $2, $3, $4)",
        links.digest(token), admin_id, then, then + links.LINK_LIFETIME,
    )  # fmt: skip
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20) as browser:
        page = await browser.get(f"/sign-in/{token}?lang=fr")
        assert page.status_code == 410 and "Ce lien de connexion a expiré." in page.text
        posted = await browser.post(f"/sign-in/{token}", data={"csrf_token": csrf_of(await browser.get("/sign-in"))})
        assert posted.status_code == 410
    assert await db.fetchval("SELECT used_at FROM sign_in_links WHERE token_sha256 = $1", links.digest(token)) is None


async def signed_in_cookie(stack, smtp_sink, email: str) -> str:
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20) as browser:
        await ask_for_link(browser, email)
        _, link = await link_from_email(smtp_sink, email)
        answer = await confirm(browser, link)
        assert answer.status_code == 303, answer.text
        return answer.cookies[sessions.COOKIE]


async def test_the_session_is_accepted_by_every_service_and_roles_hold(stack, smtp_sink, db, admin_email):
    cookie = await signed_in_cookie(stack, smtp_sink, admin_email)
    async with httpx.AsyncClient(timeout=20, headers={"Cookie": f"{sessions.COOKIE}={cookie}"}) as admin:
        assert (await admin.get(f"{stack['scheduling'].url}/api/v1/report")).status_code == 200
        assert (await admin.get(f"{stack['notifications'].url}/api/v1/deliveries")).status_code == 200

        colleague = address("reviewer")
        invited = await admin.post(
            f"{stack['registration'].url}/api/v1/staff/accounts",
            json={"email": colleague, "role": "reviewer", "name": "Jonas Weber", "language": "de"},
        )
        assert invited.status_code == 201, invited.text
        again = await admin.post(
            f"{stack['registration'].url}/api/v1/staff/accounts", json={"email": colleague, "role": "admin"}
        )
        assert again.status_code == 409

    [mail] = await smtp_sink.wait_for(lambda m: colleague in m.rcpt_tos, timeout=30)
    assert mail.subject == "Ihr Anmeldelink – PACTESUR 2" and admin_email in mail.text_body
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20) as browser:
        assert (await confirm(browser, LINK.search(mail.text_body).group(0))).status_code == 303
        assert (await browser.get("/staff")).status_code == 200
        forbidden = await browser.post("/api/v1/staff/accounts", json={"email": address("x"), "role": "admin"})
        assert forbidden.status_code == 403 and "admin" in forbidden.json()["detail"]
        reviewer_id = invited.json()["id"]
        assert (
            await browser.put(f"/api/v1/staff/accounts/{reviewer_id}/role", json={"role": "admin"})
        ).status_code == 403
        reviewer_cookie = browser.cookies[sessions.COOKIE]
        as_reviewer = {"Cookie": f"{sessions.COOKIE}={reviewer_cookie}"}
        scheduling = await browser.get(f"{stack['scheduling'].url}/api/v1/report", headers=as_reviewer)
        assert scheduling.status_code == 200

        deactivated = await browser.post(f"/api/v1/staff/accounts/{reviewer_id}/deactivation", headers=ADMIN)
        assert deactivated.status_code == 200 and deactivated.json()["active"] is False
        assert (await browser.get("/staff")).status_code == 303  # the session ended with the account

    actions = await db.fetch("SELECT action, actor FROM audit_log WHERE subject = $1 ORDER BY id", reviewer_id)
    assert [a["action"] for a in actions][:1] == ["staff.invited"] and actions[0]["actor"] == admin_email
    assert {"sign_in", "staff.deactivated"} <= {a["action"] for a in actions}


async def test_links_per_person_are_limited_and_the_answer_stays_the_same(stack, smtp_sink, db, admin_email):
    """The link `staff add --link` printed counts too: LINKS_PER_WINDOW in all, whatever the way."""
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20) as browser:
        answers = [await ask_for_link(browser, admin_email) for _ in range(links.LINKS_PER_WINDOW + 1)]
    assert {a.status_code for a in answers} == {200} and len({a.text for a in answers}) == 1
    emailed = links.LINKS_PER_WINDOW - 1
    await smtp_sink.wait_for(lambda m: admin_email in m.rcpt_tos, count=emailed, timeout=30)
    admin_id = await db.fetchval("SELECT id FROM staff_accounts WHERE email = $1", admin_email)
    outbox = "SELECT count(*) FROM outbox WHERE key = $1 AND event_type = 'SignInLinkRequested'"
    assert await db.fetchval(outbox, str(admin_id)) == emailed
    throttled = "SELECT count(*) FROM audit_log WHERE subject = $1 AND action = 'sign_in.throttled'"
    assert await db.fetchval(throttled, str(admin_id)) == 2


# --- In a real browser ---------------------------------------------------------------------------


async def test_sign_in_from_the_email_in_chromium(stack, smtp_sink, admin_email):
    """The main path as a person takes it: ask for a link (in French), open it from the email, press
    the button, land on the staff pages signed in; sign out."""
    from playwright.async_api import async_playwright

    from tests.test_registration_browser import ARGS, CHROMIUM

    base = stack["registration"].url
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = await (await browser.new_context(locale="fr-FR")).new_page()
            page.set_default_timeout(30_000)
            await page.goto(f"{base}/staff")
            await page.wait_for_url("**/sign-in")
            await page.get_by_label("Votre adresse e-mail").fill(admin_email)
            await page.get_by_role("button", name="M’envoyer un lien de connexion").click()
            assert "Consultez votre boîte de réception" in await page.get_by_role("status").inner_text()

            _, link = await link_from_email(smtp_sink, admin_email)
            await page.goto(link)
            await page.get_by_role("button", name="Se connecter").click()
            await page.wait_for_url(f"{base}/staff")
            assert admin_email in await page.locator("header").inner_text()

            await page.get_by_role("button", name="Se déconnecter").click()  # a French account: French staff pages
            await page.wait_for_url("**/sign-in?signed-out=1")
            assert "Déconnexion effectuée." in await page.get_by_role("status").inner_text()
        finally:
            await browser.close()
