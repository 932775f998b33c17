"""The staff pages in English and French: human labels, Babel dates in the viewer's timezone, the
staff catalogue (its own gettext domain, English and French only) gated like the form's."""

import re
import uuid
from datetime import UTC, datetime

import httpx
import pytest

from services.registration.domain.review import Status
from services.registration.web.staff_texts import AUDIT_ACTIONS, PAGES
from shared.web.pages.viewer import Viewer
from tests.conftest import ADMIN_TOKEN
from tests.registration_helpers import apply, new_call, staff_move
from tests.test_registration_sign_in import LINK, confirm
from tests.test_registration_staff_pages import signed_in

RAW_KEYS = re.compile(r">\s*(" + "|".join(s.value for s in Status) + r")\b|Move to under_review|\bFalse\b|\bTrue\b")
ISO = re.compile(r"\d{4}-\d{2}-\d{2}T")
FRENCH_DATE = re.compile(
    r"\d{1,2} (janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre)"
    r" \d{4}, \d{2}:\d{2}"
)


def test_dates_and_numbers_follow_the_viewer():
    moment = datetime(2026, 12, 3, 3, 36, tzinfo=UTC)
    assert PAGES.texts(Viewer("fr", "America/New_York")).when(moment) == "2 décembre 2026, 22:36"
    assert PAGES.texts(Viewer()).when(moment) == "3 December 2026, 04:36"
    assert PAGES.texts(Viewer("fr")).number(3.75) == "3,75"
    assert PAGES.texts(Viewer("fr")).move_to(Status.UNDER_REVIEW) == "Passer à : En cours d'examen"
    assert PAGES.texts(Viewer()).action("application.submitted") == "Application submitted" != AUDIT_ACTIONS.get("x")


@pytest.fixture
async def shortlisted(stack):
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20) as api:
        slug = await new_call(api, quota=1)
        application_id = await apply(api, slug, f"lang-{uuid.uuid4().hex[:8]}@city.example.eu")
        await staff_move(api, application_id, "under_review")
    return application_id


async def test_the_application_page_in_french_for_a_french_staff_member(stack, shortlisted):
    email = f"fr-{uuid.uuid4().hex[:10]}@efus.example.eu"
    out = stack.run_command(
        "registration",
        "staff",
        "add",
        email,
        "--role",
        "admin",
        "--language",
        "fr",
        "--timezone",
        "America/New_York",
        "--link",
    )
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20) as browser:
        assert (await confirm(browser, LINK.search(out).group(0))).status_code == 303
        page = await browser.get(f"/staff/applications/{shortlisted}")
    assert page.status_code == 200 and '<html lang="fr">' in page.text
    assert "En cours d&#39;examen" in page.text and "Passer à : Présélectionnée" in page.text
    assert "Candidature déposée" in page.text and re.search(r"Journal d(&#39;|')audit", page.text)
    assert FRENCH_DATE.search(page.text) and not ISO.search(page.text)
    assert not RAW_KEYS.search(page.text), RAW_KEYS.search(page.text)


async def test_the_application_page_in_english_and_with_lang_fr(stack, shortlisted):
    admin = await signed_in(stack["registration"].url, ADMIN_TOKEN)
    try:
        english = await admin.get(f"/staff/applications/{shortlisted}")
        french = await admin.get(f"/staff/applications/{shortlisted}", params={"lang": "fr"})
    finally:
        await admin.aclose()
    assert "Under review" in english.text and "Move to: Shortlisted" in english.text
    assert "Application submitted" in english.text and '?lang=fr" lang="fr"' in english.text
    assert not ISO.search(english.text) and not RAW_KEYS.search(english.text), RAW_KEYS.search(english.text)
    assert '<html lang="fr">' in french.text and "Passer à : Présélectionnée" in french.text
    assert FRENCH_DATE.search(french.text) and not RAW_KEYS.search(french.text)
