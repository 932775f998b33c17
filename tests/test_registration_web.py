"""The server-rendered pages over the real stack: languages, CSRF, the edit page, sign-up page."""

import re
import uuid

import httpx
import polib
import pytest

from services.registration.domain.programme import SLUG
from services.registration.domain.reference import FORM_LANGUAGES
from services.registration.web.texts import LOCALES
from shared.contracts import EU_LANGUAGES
from tests.registration_helpers import apply, last_event, new_call, token_of
from tests.test_page_catalogues import _same_placeholders


def csrf_of(response: httpx.Response) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', response.text).group(1)


@pytest.mark.parametrize("language", [lang for lang in FORM_LANGUAGES if lang != "en"])
def test_every_form_language_is_fully_translated(language):
    catalogue = polib.pofile(str(LOCALES / language / "LC_MESSAGES" / "messages.po"))
    template = polib.pofile(str(LOCALES / "messages.pot"))
    assert {e.msgid for e in template} <= {e.msgid for e in catalogue.translated_entries()}
    assert catalogue.fuzzy_entries() == []
    assert [e.msgid for e in catalogue if not _same_placeholders(e)] == []


def test_the_form_ships_in_every_official_eu_language():
    assert sorted(FORM_LANGUAGES) == sorted(EU_LANGUAGES)
    shipped = sorted(p.name for p in LOCALES.iterdir() if (p / "LC_MESSAGES" / "messages.po").exists())
    assert shipped == sorted(set(EU_LANGUAGES) - {"en"})


@pytest.mark.parametrize("language", FORM_LANGUAGES)
async def test_the_form_renders_in_each_language(client, language):
    response = await client.get(f"/calls/{SLUG}/apply", params={"lang": language})
    assert response.status_code == 200 and f'<html lang="{language}">' in response.text
    assert response.headers["content-language"] == language and 'name="csrf_token"' in response.text
    assert '<label for="city">' in response.text


async def test_the_browser_language_is_used_without_a_choice(client):
    response = await client.get(f"/calls/{SLUG}/apply", headers={"Accept-Language": "pt-PT,pt;q=0.9,en;q=0.5"})
    assert '<html lang="pt">' in response.text and "Enviar a candidatura" in response.text


async def test_a_post_without_the_csrf_cookie_is_refused_and_nothing_written(client, db):
    before = await db.fetchval("SELECT count(*) FROM applications")
    page = await client.get(f"/calls/{SLUG}/apply", params={"lang": "it"})
    token = csrf_of(page)
    body = {"csrf_token": token, "city": "Bologna", "country": "IT", "contact_name": "A", "language": "it"}
    async with httpx.AsyncClient(base_url=str(client.base_url)) as stranger:  # no cookie: another site
        refused = await stranger.post(f"/calls/{SLUG}/apply?lang=it", data=body)
    assert refused.status_code == 403 and "La sessione è scaduta" in refused.text
    assert await db.fetchval("SELECT count(*) FROM applications") == before


async def test_the_edit_page_saves_changes_and_withdraws(client, db):
    slug = await new_call(client)
    application_id = await apply(client, slug, f"web-{uuid.uuid4().hex[:8]}@city.example.eu", language="nl")
    token = token_of((await last_event(db, "ApplicationSubmitted", application_id)).edit_url)
    page = await client.get(f"/applications/{token}")
    assert page.status_code == 200 and '<html lang="nl">' in page.text and "Wijzigingen opslaan" in page.text
    values = dict(
        re.findall(r'<input type="(?:text|email|tel|number)" id="(\w+)" name="\w+" value="([^"]*)"', page.text)
    )
    form = values | {
        "csrf_token": csrf_of(page),
        "country": "PL",
        "language": "nl",
        "motivation": "Nieuwe motivatie",
        "consent": "yes",
    }
    saved = await client.post(f"/applications/{token}?lang=nl", data=form)
    assert saved.status_code == 200 and "Uw wijzigingen zijn opgeslagen." in saved.text
    assert (await last_event(db, "ApplicationUpdated", application_id)).changed_fields == (
        "motivation",
        "experience",
        "public_events",
        "public_private_cooperation",
        "commit_police_academies",
        "commit_host_exchange",
    )
    unconfirmed = await client.post(f"/applications/{token}/withdraw?lang=nl", data={"csrf_token": csrf_of(saved)})
    assert unconfirmed.status_code == 422
    gone = await client.post(
        f"/applications/{token}/withdraw?lang=nl", data={"csrf_token": csrf_of(unconfirmed), "confirm": "yes"}
    )
    assert gone.status_code == 200 and "Uw aanvraag is ingetrokken." in gone.text
    assert "Deze aanvraag kan niet meer worden gewijzigd." in (await client.get(f"/applications/{token}")).text


async def test_a_bad_link_says_so_in_the_language(client):
    response = await client.get("/applications/not.valid", params={"lang": "hu"})
    assert response.status_code == 404 and "Ez a link érvénytelen." in response.text
