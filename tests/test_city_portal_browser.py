"""The city portal and the participant page as people use them (issue 12, section 5), in real Chromium
over the real stack, reading their emails at the test SMTP sink as they would read their inbox.

A Polish city is selected and signs up; its focal point asks for a sign-in link on registration's
/sign-in page, opens it from the email, lands on /city, names a deputy there, goes to the programme
through the portal's navigation and, on an activity with a quota of one per city, nominates two
people: the first is confirmed, the second waitlisted at position 1, as both portal pages show. The
confirmed participant's invitation is in German; its link opens her page in German, whose calendar
feed parses as ICS and holds the activity; she declines there, and the waitlisted person is promoted:
the portal shows him confirmed and he receives his invitation.

Each step is screenshotted under .local/screens/city-portal/ (gitignored) to be looked at.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import icalendar
import pytest
from babel.dates import format_date
from playwright.async_api import Page, async_playwright

from tests.registration_helpers import email, last_event, signed_up
from tests.test_registration_browser import ARGS, chromium  # noqa: F401 (a fixture)
from tests.test_registration_sign_in import LINK
from tests.test_scheduling_flow import ADMIN, activity_body, member_known

SCREENS = Path(__file__).resolve().parents[1] / ".local" / "screens" / "city-portal"
PARTICIPANT_LINK = re.compile(r"https?://[^\s\"<>]+/participants/[A-Za-z0-9_.\-]+")
TITLES = {
    "en": "Police Academy, Riga",
    "fr": "Académie de police, Riga",
    "lv": "Policijas akadēmija, Rīga",
    "pl": "Akademia Policji, Ryga",
    "de": "Polizeiakademie, Riga",
}
CONFIRMED_PL, WAITLISTED_PL = "Potwierdzone", "Na liście oczekujących, pozycja 1"


@pytest.fixture
async def browser(chromium):  # noqa: F811 (the fixture imported above)
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium, args=ARGS, headless=True)
        yield launched
        await launched.close()


@pytest.fixture
async def polish_city(stack, client, db) -> dict:
    """A city selected from an application in Polish, signed up, and known to scheduling."""
    focal_point = email()
    name = f"Gdańsk {uuid.uuid4().hex[:6]}"
    decision = await signed_up(
        client, db, focal_point, city=name, country="PL", language="pl", contact_name="Agnieszka Nowak"
    )
    async with httpx.AsyncClient(base_url=stack["scheduling"].url, timeout=20) as scheduling:
        await member_known(scheduling, decision.city_id)
    return {"id": str(decision.city_id), "name": name, "focal_point": focal_point}


async def new_page(browser, locale: str) -> Page:
    context = await browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(30_000)
    return page


async def shot(page: Page, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=SCREENS / f"{name}.png", full_page=True)


async def main_text(page: Page) -> str:
    return await page.locator("main").inner_text()


def row(page: Page, name: str):
    """The table row of a nominated person on the portal's activity page."""
    return page.locator("tbody tr").filter(has=page.locator("th", has_text=name))


async def open_sign_in_link_from_inbox(page: Page, stack, smtp_sink, address: str) -> None:
    """Asks for a link on /sign-in as the focal point would, then opens it from the email."""
    await page.goto(f"{stack['registration'].url}/sign-in")
    assert await page.locator("html").get_attribute("lang") == "pl"  # the browser speaks Polish
    await page.locator("#email").fill(address)
    await page.locator("form button[type=submit]").click()
    assert "Sprawdź skrzynkę odbiorczą" in await page.get_by_role("status").inner_text()
    await shot(page, "01-sign-in-link-sent")
    [mail] = await smtp_sink.wait_for(lambda m: address in m.rcpt_tos and LINK.search(m.text_body), timeout=30)
    assert mail.language == "pl"
    await page.goto(LINK.search(mail.text_body).group(0))
    await shot(page, "02-sign-in-confirm")
    await page.get_by_role("button", name="Zaloguj się").click()
    await page.wait_for_url(f"{stack['registration'].url}/city")


async def name_a_deputy(page: Page, deputy: str) -> None:
    """On /city, the contacts form (registration's rebuilt city page): a deputy, saved with a notice."""
    form = page.locator('form[action^="/city/contacts"]')
    await form.locator("[name=deputy_name]").fill("Piotr Zieliński")
    await form.locator("[name=deputy_email]").fill(deputy)
    await form.locator("[name=deputy_role]").fill("Zastępca komendanta straży miejskiej")
    await form.locator("select[name=deputy_language]").select_option("pl")
    await form.locator("select[name=deputy_timezone]").select_option("Europe/Warsaw")
    await form.locator("button[type=submit]").click()
    await page.locator("p.notice[role=status]").wait_for()
    await shot(page, "04-city-deputy-named")
    assert await form.locator("[name=deputy_name]").input_value() == "Piotr Zieliński"  # shown as saved


async def nominate(page: Page, name: str, address: str) -> str:
    """Fills the nominate form for a German-speaking officer and answers the notice shown after."""
    form = page.locator('form[action*="/city/programme/"][action*="/nominations"]')
    await form.locator("#name").fill(name)
    await form.locator("#email").fill(address)
    await form.locator("#rank").fill("Polizeihauptkommissar")
    await form.locator("#language").select_option("de")
    await form.locator("#timezone").select_option("Europe/Berlin")
    await form.locator("button[type=submit]").click()
    notice = page.locator("p.notice[role=status]")
    await notice.wait_for()
    return await notice.inner_text()


async def test_a_focal_point_nominates_two_and_the_declined_place_goes_to_the_waitlisted_one(
    stack, smtp_sink, browser, polish_city, db
):
    async with httpx.AsyncClient(base_url=stack["scheduling"].url, timeout=20, headers=ADMIN) as api:
        body = activity_body(timedelta(days=40), titles=TITLES)  # quota 1 per city, deadline in 39 days
        created = await api.post("/api/v1/activities", json=body)
        assert created.status_code == 201, created.text
    activity_id = created.json()["activity"]["activity_id"]
    starts = datetime.fromisoformat(body["starts_at"])
    scheduling, registration = stack["scheduling"].url, stack["registration"].url

    # A. The focal point, in Polish: sign in from the email, name a deputy, nominate two people.
    focal = await new_page(browser, "pl-PL")
    await open_sign_in_link_from_inbox(focal, stack, smtp_sink, polish_city["focal_point"])
    assert await focal.locator("html").get_attribute("lang") == "pl"
    assert polish_city["name"] in await main_text(focal)
    await shot(focal, "03-city")
    deputy = email()
    await name_a_deputy(focal, deputy)
    changed = await last_event(db, "ContactChanged", polish_city["id"])
    assert changed.deputy.email == deputy and changed.deputy.name == "Piotr Zieliński"

    await focal.locator('nav a[href$="/city/programme"]').click()
    await focal.wait_for_url(f"{scheduling}/city/programme")
    listing = await main_text(focal)
    assert f"Program dla: {polish_city['name']}" in listing and TITLES["pl"] in listing
    assert format_date(starts.astimezone(ZoneInfo("Europe/Warsaw")), "long", locale="pl") in listing
    await shot(focal, "05-programme")

    await focal.get_by_role("link", name=TITLES["pl"]).click()
    await focal.wait_for_url(f"{scheduling}/city/programme/{activity_id}")
    await shot(focal, "06-activity")
    lena, jonas = f"lena-{uuid.uuid4().hex[:8]}@polizei.example.eu", f"jonas-{uuid.uuid4().hex[:8]}@polizei.example.eu"
    assert await nominate(focal, "Lena Schmidt", lena) == "Lena Schmidt – potwierdzono; zaproszenie jest w drodze."
    await shot(focal, "07-first-confirmed")
    assert await nominate(focal, "Jonas Weber", jonas) == "Jonas Weber – na liście oczekujących, pozycja 1."
    assert CONFIRMED_PL in await row(focal, "Lena Schmidt").inner_text()
    waiting = await row(focal, "Jonas Weber").inner_text()
    assert WAITLISTED_PL in waiting and "Limit Twojego miasta został osiągnięty." in waiting
    await shot(focal, "08-second-waitlisted")
    await focal.locator('main a[href^="/city/programme"]').first.click()  # "← Program"
    await focal.wait_for_url(f"{scheduling}/city/programme")
    listing = await main_text(focal)
    assert f"Lena Schmidt: {CONFIRMED_PL}" in listing and f"Jonas Weber: {WAITLISTED_PL}" in listing
    await shot(focal, "09-programme-with-nominations")

    # B. The confirmed participant reads her invitation in German and opens her page from it.
    [invitation] = await smtp_sink.wait_for(lambda m: lena in m.rcpt_tos, timeout=60)
    assert invitation.language == "de" and invitation.subject.startswith(f"Einladung: {TITLES['de']}")
    assert "Ihre persönliche Seite" in invitation.text_body
    participant = await new_page(browser, "en-GB")  # her browser speaks English: the page follows the link's person
    await participant.goto(PARTICIPANT_LINK.search(invitation.text_body).group(0))
    assert await participant.locator("html").get_attribute("lang") == "de"
    page_text = await main_text(participant)
    assert "Ihre Aktivitäten in PACTESUR 2" in page_text and TITLES["de"] in page_text and "Bestätigt" in page_text
    assert format_date(starts.astimezone(ZoneInfo("Europe/Berlin")), "long", locale="de") in page_text
    await shot(participant, "10-participant-page")

    feed_url = await participant.get_by_role("link", name="Kalenderdatei herunterladen").get_attribute("href")
    async with httpx.AsyncClient(timeout=20) as plain:
        feed = await plain.get(feed_url)
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    events = icalendar.Calendar.from_ical(feed.text).walk("VEVENT")
    [activity] = [e for e in events if str(e["SUMMARY"]) == TITLES["de"]]
    assert activity["DTSTART"].dt == starts

    await participant.get_by_role("link", name="Meinen Platz absagen").click()
    await shot(participant, "11-decline-confirm")
    await participant.get_by_role("button", name="Ja, meinen Platz absagen").click()
    declined = participant.get_by_role("status")
    assert await declined.inner_text() == f"Sie haben Ihren Platz bei {TITLES['de']} abgesagt."
    assert "Abgesagt" in await main_text(participant)
    await shot(participant, "12-declined")

    # The waitlisted person was told of the waiting list, then is promoted: told by email, confirmed in the portal.
    waiting, promoted = await smtp_sink.wait_for(lambda m: jonas in m.rcpt_tos, count=2, timeout=60)
    assert waiting.language == "de" and "Warteliste" in waiting.subject
    assert promoted.language == "de" and promoted.subject.startswith(f"Einladung: {TITLES['de']}")
    await focal.get_by_role("link", name=TITLES["pl"]).click()
    assert CONFIRMED_PL in await row(focal, "Jonas Weber").inner_text()
    assert "Odrzucone przez uczestnika" in await row(focal, "Lena Schmidt").inner_text()
    await shot(focal, "13-portal-after-promotion")
    his_page = await new_page(browser, "en-GB")
    await his_page.goto(PARTICIPANT_LINK.search(promoted.text_body).group(0))
    assert "Bestätigt" in await main_text(his_page)
    await shot(his_page, "14-promoted-participant-page")

    await focal.locator('nav a[href$="/city"]').click()  # back to the city's page, the deputy named
    await focal.wait_for_url(f"{registration}/city")
    assert await focal.locator("[name=deputy_email]").input_value() == deputy
