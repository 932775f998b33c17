"""Every public page over the real stack speaks the person's language, not English: the sign-in page
and its "link sent" and "link not valid" answers, the decline page of the invitation email (in the
nomination's language), the unsubscribe page (in the email's language) and its invalid-link page,
an error page (404, 422) of any service, the participant page. Each is fetched in German, Romanian
and Maltese and in English: `<html lang>` and Content-Language name the language, and no visible
text of the English page (apart from names and titles the data holds) is left in the other."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from types import SimpleNamespace

import httpx
import pytest
from fastapi import FastAPI

from services.notifications.domain.unsubscribe import UNSUBSCRIBE_PURPOSE
from shared.security import sessions
from shared.security.signing import sign
from shared.web import csrf
from shared.web.pages.guard import install_page_errors
from shared.web.pages.viewer import PAGE_LANGUAGES, PUBLIC_LANGUAGES, LinkHolder, Viewer
from tests.test_registration_staff_pages import csrf_of
from tests.test_scheduling_flow import (
    ADMIN,
    activity_body,
    focal_point_headers,
    member_known,
    nominee,
    outbox_events,
    path_of,
    sign_up_city,
)
from tests.test_scheduling_portal_pages import signed_in_focal_point  # noqa: F401 (a fixture)

LANGUAGES = ("de", "ro", "mt")
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
NOT_WORDS = {"PACTESUR 2", "Efus", "·", "—", "–"}
"""Texts every language writes the same (the brand)."""


class VisibleTexts(HTMLParser):
    """The text nodes a person reads (and the page title), outside the language switcher (each
    language is named in itself on every page) and the brand."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: set[str] = set()
        self._skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if self._skipping or "languages" in classes or "brand" in classes or tag in ("script", "style"):
            self._skipping.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text and not self._skipping:
            self.texts.add(text)


def visible_texts(html: str) -> set[str]:
    parser = VisibleTexts()
    parser.feed(html)
    return parser.texts


def assert_in_language(page: httpx.Response, english: httpx.Response, language: str, data: set[str] = frozenset()):
    """`page` is in `language`: declared so, and none of the English page's texts is left, except
    `data` (names, titles, places: the same in every language)."""
    assert f'<html lang="{language}">' in page.text, page.text[:300]
    assert page.headers["content-language"] == language
    assert '<html lang="en">' in english.text and english.headers["content-language"] == "en"
    allowed = NOT_WORDS | set(data)
    left = {
        text
        for text in visible_texts(page.text) & visible_texts(english.text)
        if text not in allowed and re.search(r"[A-Za-z]{2,}", text)
    }
    assert left == set(), f"English left in the {language} page: {sorted(left)}"
    assert visible_texts(page.text) - allowed, "the page shows nothing"


# --- sign-in (registration) ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_sign_in_pages_speak_the_chosen_language(stack, language):
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20, headers=BROWSER) as browser:
        address = {"email": f"nobody-{uuid.uuid4().hex[:8]}@city.example.eu"}
        english = await browser.get("/sign-in?lang=en")
        sent_en = await browser.post("/sign-in?lang=en", data=address | {"csrf_token": csrf_of(english)})
        page = await browser.get(f"/sign-in?lang={language}")
        sent = await browser.post(f"/sign-in?lang={language}", data=address | {"csrf_token": csrf_of(page)})
        assert page.status_code == 200
        assert_in_language(page, english, language)
        assert sent.status_code == 200 and sent_en.status_code == 200
        assert_in_language(sent, sent_en, language)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_an_unknown_sign_in_link_is_answered_in_the_chosen_language(stack, language):
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20, headers=BROWSER) as browser:
        english = await browser.get("/sign-in/not-a-link?lang=en")
        page = await browser.get(f"/sign-in/not-a-link?lang={language}")
    assert page.status_code == 404 and english.status_code == 404
    assert_in_language(page, english, language)


# --- error pages (every service) ---------------------------------------------------------------------


@pytest.mark.parametrize("service", ["registration", "scheduling", "notifications"])
@pytest.mark.parametrize("language", LANGUAGES)
async def test_an_unknown_address_is_a_readable_page_in_the_chosen_language(stack, service, language):
    async with httpx.AsyncClient(base_url=stack[service].url, timeout=20, headers=BROWSER) as browser:
        english = await browser.get("/no-such-page")
        page = await browser.get(f"/no-such-page?lang={language}")
        by_browser = await browser.get("/no-such-page", headers={"Accept-Language": f"{language},en;q=0.5"})
        api = await browser.get("/no-such-page", headers={"Accept": "application/json"})
    assert page.status_code == english.status_code == by_browser.status_code == 404
    assert "Page not found" in english.text
    assert_in_language(page, english, language)
    assert_in_language(by_browser, english, language)
    assert api.status_code == 404 and api.json() == {"detail": "Not Found"}


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_malformed_public_address_is_a_readable_page(stack, language):
    path = "/participants/some-token/nominations/not-a-uuid/decline"
    async with httpx.AsyncClient(base_url=stack["scheduling"].url, timeout=20, headers=BROWSER) as browser:
        english, page = await browser.get(path), await browser.get(f"{path}?lang={language}")
        api = await browser.get(path, headers={"Accept": "application/json"})
    assert page.status_code == english.status_code == 422
    assert_in_language(page, english, language)
    assert api.status_code == 422 and api.json()["detail"][0]["loc"] == ["path", "nomination_id"]


# --- the decline page of the invitation email, and the participant page (scheduling) ---------------------


async def invitation_of(stack, infrastructure, language: str) -> dict:
    """A confirmed nomination in `language`: its invitation (decline_url, participant_url)."""
    city = await sign_up_city(infrastructure.kafka_bootstrap_servers, f"Liepāja {uuid.uuid4().hex[:4]}")
    async with httpx.AsyncClient(base_url=stack["scheduling"].url, timeout=20) as client:
        await member_known(client, city)
        created = await client.post("/api/v1/activities", json=activity_body(timedelta(days=40)), headers=ADMIN)
        activity_id = created.json()["activity"]["activity_id"]
        person = nominee(city, name="Maria Borg", language=language, timezone="Europe/Malta")
        nominated = await client.post(
            f"/api/v1/activities/{activity_id}/nominations",
            json=person,
            headers=await focal_point_headers(client, city),
        )
        assert nominated.json()["status"] == "confirmed", nominated.text
    return next(
        e["payload"]["invitation"]
        for e in await outbox_events(stack.config.database_url, activity_id)
        if e["type"] == "NominationConfirmed"
    )


DATA = {"Police Academy, Riga", "Riga", "Maria Borg"}
"""The activity's title (it has none in German, Romanian or Maltese), its city, the person."""


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_decline_page_speaks_the_nominations_language(stack, infrastructure, language):
    invitation = await invitation_of(stack, infrastructure, language)
    decline = path_of(invitation["decline_url"])
    async with httpx.AsyncClient(base_url=stack["scheduling"].url, timeout=20, headers=BROWSER) as browser:
        english, page = await browser.get(f"{decline}&lang=en"), await browser.get(decline)
        assert page.status_code == 200, page.text
        assert 'class="bar"' in page.text and "/assets/pactesur.css" in page.text
        assert_in_language(page, english, language, DATA)

        token = decline.split("token=", 1)[1]
        declined = await browser.post("/api/v1/nominations/decline", data={"token": token, "csrf_token": csrf_of(page)})
        assert declined.status_code == 200
        fresh = browser.cookies[csrf.COOKIE]  # each page answers with a new CSRF cookie
        again = await browser.post("/api/v1/nominations/decline", data={"token": token, "csrf_token": fresh})
        assert again.status_code == 409
        assert f'<html lang="{language}">' in declined.text and f'<html lang="{language}">' in again.text
        assert "/participants/" in declined.text

        participant = path_of(invitation["participant_url"]).rstrip("?")
        mine_en, mine = await browser.get(f"{participant}?lang=en"), await browser.get(participant)
        assert mine.status_code == 200
        assert_in_language(mine, mine_en, language, DATA | {"Riga City Hall", "Rātslaukums 1, Rīga, LV-1050"})


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_bad_decline_link_is_a_readable_page_in_the_chosen_language(stack, language):
    async with httpx.AsyncClient(base_url=stack["scheduling"].url, timeout=20, headers=BROWSER) as browser:
        english = await browser.get("/api/v1/nominations/decline?token=forged.token")
        page = await browser.get(f"/api/v1/nominations/decline?token=forged.token&lang={language}")
        missing = await browser.get("/api/v1/nominations/decline", headers={"Accept-Language": language})
        posted = await browser.post(f"/api/v1/nominations/decline?lang={language}", data={"token": "forged"})
    assert [english.status_code, page.status_code, missing.status_code, posted.status_code] == [400] * 4
    assert "This link is not valid" in english.text
    for answer in (page, missing, posted):
        assert_in_language(answer, english, language)


# --- the unsubscribe page (notifications) ---------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_unsubscribe_page_speaks_the_emails_language(stack, language):
    recipient = f"reader-{uuid.uuid4().hex[:10]}@city.example.eu"
    data = {"r": recipient, "k": "staff_digest", "l": language}
    token = sign(stack.config.secret_key.encode(), UNSUBSCRIBE_PURPOSE, data, expires_at=None)
    async with httpx.AsyncClient(base_url=stack["notifications"].url, timeout=20, headers=BROWSER) as browser:
        english = await browser.get("/unsubscribe", params={"token": token, "lang": "en"})
        page = await browser.get("/unsubscribe", params={"token": token})
        assert page.status_code == 200 and "/assets/pactesur.css" in page.text and "<form" in page.text
        assert_in_language(page, english, language)
        done_en = await browser.post("/unsubscribe", params={"token": token, "lang": "en"})
        done = await browser.post("/unsubscribe", params={"token": token})
        assert done.status_code == 200
        assert_in_language(done, done_en, language)

        bad = {"token": "abcdefghij.forged"}
        invalid_en = await browser.get("/unsubscribe", params=bad)
        invalid = await browser.get("/unsubscribe", params=bad | {"lang": language})
        by_browser = await browser.post("/unsubscribe", params=bad, headers={"Accept-Language": language})
    assert invalid_en.status_code == invalid.status_code == by_browser.status_code == 400
    assert "This link is not valid" in invalid_en.text and "/assets/pactesur.css" in invalid.text
    assert_in_language(invalid, invalid_en, language)
    assert_in_language(by_browser, invalid_en, language)


# --- the layout's own rules (no stack) ---------------------------------------------------------------


def test_a_page_is_in_lang_else_the_persons_language_else_the_browsers_else_english():
    assert Viewer.of(None, None, PUBLIC_LANGUAGES, "mt-MT,en;q=0.5") == Viewer("mt")
    assert Viewer.of(None, "ro", PUBLIC_LANGUAGES, "mt") == Viewer("ro")
    assert Viewer.of(LinkHolder("de-AT"), None, PUBLIC_LANGUAGES, "mt") == Viewer("de")
    assert Viewer.of(None, None, PUBLIC_LANGUAGES, "ja,zh;q=0.8") == Viewer("en")
    assert Viewer.of(None, None, PAGE_LANGUAGES, "mt") == Viewer("en")  # the staff console: en and fr


async def test_a_crash_is_a_readable_page_for_a_browser_and_plain_text_for_a_client():
    app = FastAPI()
    install_page_errors(app)
    settings = SimpleNamespace(signing_key=b"k" * 32, public_url_of=lambda service: "http://pactesur.test")
    app.state.runtime = SimpleNamespace(settings=settings, clock=lambda: datetime.now(UTC))

    @app.get("/broken")
    async def broken() -> None:
        raise RuntimeError("a bug")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://pactesur.test") as client:
        page = await client.get("/broken?lang=mt", headers=BROWSER)
        english = await client.get("/broken", headers=BROWSER)
        api = await client.get("/broken")
    assert page.status_code == english.status_code == api.status_code == 500
    assert "Something went wrong" in english.text and "a bug" not in english.text
    assert_in_language(page, english, "mt")
    assert api.text == "Internal Server Error"


@pytest.mark.parametrize("service", ["scheduling", "notifications"])
async def test_a_signed_in_focal_point_gets_error_pages_in_their_language(
    stack,
    service,
    signed_in_focal_point,  # noqa: F811 (the fixture imported above)
):
    async with httpx.AsyncClient(base_url=stack[service].url, timeout=20, headers=BROWSER) as browser:
        english = await browser.get("/no-such-page")
        browser.cookies.set(sessions.COOKIE, signed_in_focal_point["cookie"])
        page = await browser.get("/no-such-page")
    assert page.status_code == 404
    assert_in_language(page, english, "it", {"Giulia Rossi"})
    assert "La mia città" in page.text  # the portal's navigation, in Italian
