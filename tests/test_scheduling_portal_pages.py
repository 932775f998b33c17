"""The city portal's programme pages (scheduling /city/programme) over the real stack.

A city is selected and signs up in registration (CitySignedUp reaches scheduling under registration's
city id); its focal point, who applied in Italian, signs in from the emailed link, and the session
cookie (host-only, so good on every service's port) opens scheduling's portal. With a quota of one
per city the focal point nominates two people through the form: one confirmed, one waitlisted at
position 1; cancelling the first promotes the second. Another city's contact gets the 404 page."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from babel.dates import format_date

from shared.contracts import person_id_for_email
from shared.security import sessions
from shared.web.pages.guard import STAFF_TOKEN_COOKIE
from tests.conftest import ADMIN_TOKEN
from tests.registration_helpers import email, signed_up
from tests.test_registration_city_pages import link_in
from tests.test_registration_sign_in import ask_for_link, confirm
from tests.test_registration_staff_pages import csrf_of
from tests.test_scheduling_flow import ADMIN, activity_body, member_known, sign_up_city


@pytest.fixture
async def signed_in_focal_point(stack, smtp_sink, client, db) -> dict:
    """A signed-up Italian city whose focal point signed in by the emailed link: the session cookie."""
    focal_point = email()
    name = f"Bari {uuid.uuid4().hex[:6]}"
    decision = await signed_up(
        client, db, focal_point, city=name, country="IT", language="it", contact_name="Giulia Rossi"
    )
    async with httpx.AsyncClient(base_url=stack["scheduling"].url, timeout=20) as scheduling:
        await member_known(scheduling, decision.city_id)
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20) as browser:
        assert (await ask_for_link(browser, focal_point)).status_code == 200
        _, link = await link_in(smtp_sink, focal_point)
        assert (await confirm(browser, link)).status_code == 303
        cookie = browser.cookies.get(sessions.COOKIE)
    assert cookie
    return {"city_id": decision.city_id, "name": name, "cookie": cookie}


def portal(stack, cookie: str | None) -> httpx.AsyncClient:
    browser = httpx.AsyncClient(base_url=stack["scheduling"].url, timeout=30)
    if cookie:
        browser.cookies.set(sessions.COOKIE, cookie)
    return browser


def row_of(page: httpx.Response, name: str) -> str:
    """The table row of a nominated person."""
    return re.search(rf"<tr>\s*<th scope=\"row\">{name}.*?</tr>", page.text, re.S).group(0)


async def test_a_focal_point_nominates_sees_the_waitlist_and_cancels_in_italian(stack, signed_in_focal_point):
    city = signed_in_focal_point
    async with httpx.AsyncClient(base_url=stack["scheduling"].url, timeout=30) as api:
        body = activity_body(timedelta(days=40))
        created = await api.post("/api/v1/activities", json=body, headers=ADMIN)
        assert created.status_code == 201, created.text
    activity_id = created.json()["activity"]["activity_id"]
    starts = datetime.fromisoformat(body["starts_at"])

    async with portal(stack, city["cookie"]) as browser:
        listing = await browser.get("/city/programme")
        assert listing.status_code == 200, listing.text
        assert '<html lang="it">' in listing.text and f"Il programma per {city['name']}" in listing.text
        assert format_date(starts.astimezone(ZoneInfo("Europe/Rome")), "long", locale="it") in listing.text
        assert "In totale: 2 su 2" in listing.text and "La sua città: 1 su 1" in listing.text
        assert '/city/programme" aria-current="page"' in listing.text
        assert "La mia città" in listing.text and "Giulia Rossi" in listing.text

        page = await browser.get(f"/city/programme/{activity_id}")
        assert page.status_code == 200 and "Candida un partecipante" in page.text
        bad = await browser.post(
            f"/city/programme/{activity_id}/nominations",
            data={"csrf_token": csrf_of(page), "name": "", "email": "not-an-address", "language": "it",
                  "timezone": "Europe/Rome"},
        )  # fmt: skip
        assert bad.status_code == 422
        assert "Inserisca un indirizzo email valido." in bad.text and "Questo campo è obbligatorio." in bad.text
        assert re.search(r'id="email" name="email" value="not-an-address"[^>]* aria-invalid="true"', bad.text)

        for name in ("Marco Bianchi", "Luca Verdi"):
            form = await browser.get(f"/city/programme/{activity_id}")
            nominated = await browser.post(
                f"/city/programme/{activity_id}/nominations",
                data={"csrf_token": csrf_of(form), "name": name, "email": email(), "rank": "Ispettore",
                      "language": "it", "timezone": "Europe/Rome"},
            )  # fmt: skip
            assert nominated.status_code == 303, nominated.text
        page = await browser.get(f"/city/programme/{activity_id}")
        assert "Confermato/a" in row_of(page, "Marco Bianchi")
        assert "In lista d&#39;attesa, posizione 1" in row_of(page, "Luca Verdi")
        assert "La quota della sua città è raggiunta." in row_of(page, "Luca Verdi")
        listing = await browser.get("/city/programme")
        assert (
            "Marco Bianchi: Confermato/a" in listing.text
            and "Luca Verdi: In lista d&#39;attesa, posizione 1" in listing.text
        )

        no_token = await browser.post(f"/city/nominations/{uuid.uuid4()}/cancel", data={})
        assert no_token.status_code == 403
        page = await browser.get(f"/city/programme/{activity_id}")  # each page sets a new CSRF cookie
        first = re.search(r'action="/city/nominations/([0-9a-f-]+)/cancel"', row_of(page, "Marco Bianchi")).group(1)
        cancelled = await browser.post(f"/city/nominations/{first}/cancel", data={"csrf_token": csrf_of(page)})
        assert cancelled.status_code == 303
        after = await browser.get(cancelled.headers["location"])
        assert "La candidatura di Marco Bianchi è annullata." in after.text
        assert "Annullata" in row_of(after, "Marco Bianchi") and "Confermato/a" in row_of(after, "Luca Verdi")
        assert "Segna come presente" not in after.text  # not started: no attendance yet
        in_french = await browser.get(f"/city/programme/{activity_id}?lang=fr")
        assert '<html lang="fr">' in in_french.text and "Confirmé·e" in row_of(in_french, "Luca Verdi")

    other_id = await sign_up_city(
        stack.config.kafka_bootstrap_servers, f"Lecce {uuid.uuid4().hex[:4]}", "it", "Europe/Rome"
    )
    async with httpx.AsyncClient(base_url=stack["scheduling"].url, timeout=20) as scheduling:
        await member_known(scheduling, other_id)
        members = (await scheduling.get("/api/v1/members", headers=ADMIN)).json()
    focal = next(m for m in members if m["city_id"] == str(other_id))
    other = sessions.new_session(
        uuid.uuid4(), person_id_for_email(focal["focal_point_email"]), "focal_point", focal["focal_point_name"], None,
        datetime.now(UTC), "it",
        "Europe/Rome", city_id=other_id,
    )  # fmt: skip
    async with portal(stack, sessions.issue(stack.config.secret_key.encode(), other)) as intruder:
        own = await intruder.get(f"/city/programme/{activity_id}")
        assert own.status_code == 200 and "Marco Bianchi" not in own.text and "Luca Verdi" not in own.text
        second = re.search(r'action="/city/nominations/([0-9a-f-]+)/cancel"', row_of(after, "Luca Verdi")).group(1)
        refused = await intruder.post(f"/city/nominations/{second}/cancel", data={"csrf_token": csrf_of(own)})
        assert refused.status_code == 404 and '<html lang="it">' in refused.text
    async with portal(stack, city["cookie"]) as browser:
        assert "Confermato/a" in row_of(await browser.get(f"/city/programme/{activity_id}"), "Luca Verdi")


async def test_staff_and_signed_out_visitors_are_sent_to_sign_in(stack):
    async with portal(stack, None) as visitor:
        answer = await visitor.get("/city/programme")
        assert answer.status_code == 303 and answer.headers["location"].endswith("/sign-in")
        visitor.cookies.set(STAFF_TOKEN_COOKIE, ADMIN_TOKEN)
        assert (await visitor.get(f"/city/programme/{uuid.uuid4()}")).headers["location"].endswith("/sign-in")
