"""The city portal's own page `/city` over the real stack: a focal point signs in from the emailed link and,
in their language, signs the city up, names a deputy with their language and the city's working
languages; the deputy signs in and sees the page in theirs; a focal point of another selected city gives
its place back; refusals (no box ticked, a bad address, no CSRF token, a deputy signing up) answer with a
page, nothing saved. Each change is the workflow's: its event is in the outbox."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlencode

import httpx
import pytest

from tests.registration_helpers import email, events, last_event, selected
from tests.test_registration_city_pages import contacts_form, link_in, selected_city  # noqa: F401 (a fixture)
from tests.test_registration_sign_in import ask_for_link, confirm
from tests.test_registration_staff_pages import csrf_of

FORM = "application/x-www-form-urlencoded"


def visible(page: httpx.Response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text)).replace("&#39;", "'")


@asynccontextmanager
async def signed_in(stack, smtp_sink, address: str) -> AsyncIterator[httpx.AsyncClient]:
    """A browser signed in by the link emailed to `address` (read at the SMTP sink)."""
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20) as browser:
        assert (await ask_for_link(browser, address)).status_code == 200
        _, link = await link_in(smtp_sink, address)
        assert (await confirm(browser, link)).headers["location"] == "/city"
        yield browser


def languages_form(page: httpx.Response, *codes: str, **changes: str) -> str:
    """The contacts form as the page fills it, with the working languages ticked (`codes`) and the city's
    timezone, url-encoded (the checkboxes repeat a field)."""
    values = contacts_form(page, **changes)
    zone = re.search(r'<select id="city_timezone".*?<option selected>([^<]*)<', page.text, re.S)
    values.setdefault("city_timezone", zone.group(1) if zone else "")
    return urlencode([*values.items(), *(("languages", code) for code in codes)])


async def post_contacts(browser: httpx.AsyncClient, form: str) -> httpx.Response:
    return await browser.post("/city/contacts", content=form, headers={"Content-Type": FORM})


async def test_the_focal_point_signs_up_names_a_deputy_and_the_deputy_signs_in(
    stack,
    smtp_sink,
    db,
    selected_city,  # noqa: F811 (the fixture imported above)
):
    city_id = selected_city["id"]
    async with signed_in(stack, smtp_sink, selected_city["focal_point"]) as browser:
        home = await browser.get("/city")
        assert home.status_code == 200 and '<html lang="it">' in home.text
        text = visible(home)
        assert selected_city["name"] in text and "Ha effettuato l'accesso come Giulia Rossi" in text
        english = ("Save the contacts", "Contacts", "Not signed up yet", "Working languages", "Sign out")
        assert [words for words in english if words in text] == []  # in Italian, all of it
        assert 'action="/city/sign-up"' in home.text and "/city/programme" in home.text  # the portal's bar

        unticked = await browser.post("/city/sign-up", data={"csrf_token": csrf_of(home)})
        assert unticked.status_code == 422 and 'aria-invalid="true"' in unticked.text
        assert not await events(db, "CitySignedUp", city_id)
        forged = await browser.post("/city/sign-up", data={"accept_terms": "yes", "csrf_token": "forged"})
        assert forged.status_code == 403 and "<html" in forged.text
        done = await browser.post("/city/sign-up", data={"accept_terms": "yes", "csrf_token": csrf_of(forged)})
        assert done.status_code == 303 and done.headers["location"].startswith("/city?notice=")
        signed_up = await browser.get(done.headers["location"])
        assert 'role="status"' in signed_up.text and 'action="/city/sign-up"' not in signed_up.text
        assert (await last_event(db, "CitySignedUp", city_id)).city_id == uuid.UUID(city_id)

        deputy = email()
        bad = languages_form(signed_up, "it", deputy_name="Hans Weber", deputy_email="not an address")
        refused = await post_contacts(browser, bad)
        assert refused.status_code == 422 and 'id="deputy_email-error"' in refused.text
        assert 'value="Hans Weber"' in refused.text  # kept as typed
        none = languages_form(refused, deputy_name="Hans Weber", deputy_email=deputy)
        no_language = await post_contacts(browser, none)
        assert no_language.status_code == 422 and 'id="languages-error"' in no_language.text
        assert not await events(db, "ContactChanged", city_id)

        wanted = languages_form(
            no_language, "it", "de", deputy_name="Hans Weber", deputy_email=deputy, deputy_language="de",
            deputy_timezone="Europe/Berlin", city_timezone="Europe/Rome",
        )  # fmt: skip
        saved = await post_contacts(browser, wanted)
        assert saved.status_code == 303, saved.text
        after = await browser.get(saved.headers["location"])
        assert 'value="Hans Weber"' in after.text and 'role="status"' in after.text
        changed = await last_event(db, "ContactChanged", city_id)
        assert changed.deputy.name == "Hans Weber" and changed.deputy.language == "de"
        assert changed.languages == ("it", "de") and changed.changed_by == "Giulia Rossi (focal point)"

    async with signed_in(stack, smtp_sink, deputy) as deputy_browser:
        page = await deputy_browser.get("/city")
        assert page.status_code == 200 and '<html lang="de">' in page.text
        assert "Hans Weber" in visible(page) and 'action="/city/decline"' not in page.text
        assert (await deputy_browser.get("/city?lang=mt")).headers["content-language"] == "mt"
        not_theirs = await deputy_browser.post("/city/sign-up", data={"accept_terms": "yes", "csrf_token": "x"})
        assert not_theirs.status_code == 303  # only the focal point signs up or declines


@pytest.fixture
async def another_selected_city(client, db) -> dict:
    focal_point = email()
    decision = await selected(
        client, db, focal_point, city=f"Opole {uuid.uuid4().hex[:6]}", country="PL", language="pl"
    )
    return {"id": str(decision.city_id), "application": str(decision.application_id), "focal_point": focal_point}


async def test_the_focal_point_gives_the_place_back_after_confirming(stack, smtp_sink, db, another_selected_city):
    city = another_selected_city
    async with signed_in(stack, smtp_sink, city["focal_point"]) as browser:
        home = await browser.get("/city")
        assert '<html lang="pl">' in home.text and 'href="/city/decline"' in home.text
        ask = await browser.get("/city/decline")
        assert ask.status_code == 200 and 'class="danger"' in ask.text
        assert not await events(db, "ApplicationWithdrawn", city["application"])  # asking declines nothing
        given_back = await browser.post("/city/decline", data={"csrf_token": csrf_of(ask)})
        assert given_back.status_code == 200 and '<html lang="pl">' in given_back.text
        assert await last_event(db, "ApplicationWithdrawn", city["application"])
        gone = await browser.get("/city")  # no longer a contact of any city in the programme
        assert gone.status_code == 303 and gone.headers["location"].endswith("/sign-in")


async def test_a_city_that_signed_up_cannot_give_its_place_back_from_the_page(
    stack,
    smtp_sink,
    selected_city,  # noqa: F811 (the fixture imported above)
):
    async with signed_in(stack, smtp_sink, selected_city["focal_point"]) as browser:
        home = await browser.get("/city")
        await browser.post("/city/sign-up", data={"accept_terms": "yes", "csrf_token": csrf_of(home)})
        ask = await browser.get("/city/decline")
        refused = await browser.post("/city/decline", data={"csrf_token": csrf_of(ask)})
        assert refused.status_code == 409 and 'role="alert"' in refused.text
        assert (await browser.get("/city")).status_code == 200
