"""The foundation of every service's pages (shared.web.pages): the viewer's language and timezone,
the layered catalogues, Babel plurals and dates, the session carrying the viewer, one stylesheet."""

import uuid
from datetime import UTC, datetime

import httpx
import pytest

from services.registration.web.staff_texts import PAGES as REGISTRATION_PAGES
from shared.security import sessions
from shared.security.auth import StaffMember
from shared.web.pages.assets import STYLESHEET
from shared.web.pages.rendering import LAYOUT_PAGES
from shared.web.pages.viewer import DEFAULT_TIMEZONE, Viewer

SECRET = b"k" * 32
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def test_the_viewer_is_the_signed_in_persons_unless_the_page_is_asked_in_another_language():
    french = StaffMember("a@efus.eu", "admin", uuid.uuid4(), "fr-BE", "Europe/Paris")
    assert Viewer.of(french) == Viewer("fr", "Europe/Paris")
    assert Viewer.of(french, "en") == Viewer("en", "Europe/Paris")
    assert Viewer.of(StaffMember("b@efus.eu", "reviewer", uuid.uuid4(), "de"), "xx") == Viewer("en", DEFAULT_TIMEZONE)
    assert Viewer.of(None, "FR") == Viewer("fr", DEFAULT_TIMEZONE)


def test_a_service_catalogue_sits_over_the_layouts():
    french = REGISTRATION_PAGES.texts(Viewer("fr"))
    assert french("Sign out") == "Se déconnecter"  # the layout's word
    assert french("Calls") == "Appels"
    assert french.role("reviewer") == "Évaluateur" and french.yes_no(False) == "Non"
    assert LAYOUT_PAGES.texts(Viewer("en"))("Not allowed") == "Not allowed"


def test_plurals_numbers_and_dates_follow_the_viewer():
    french = LAYOUT_PAGES.texts(Viewer("fr", "America/New_York"))
    english = LAYOUT_PAGES.texts(Viewer("en"))
    assert english.plural("%(count)s city", "%(count)s cities", 1) == "1 city"
    assert english.plural("%(count)s city", "%(count)s cities", 1200) == "1,200 cities"
    assert french.number(1200.5) == "1\u202f200,5"
    assert french.when(NOW) == "3 décembre 2026, 04:00"
    assert english.when(NOW) == "3 December 2026, 10:00" and english.when(None) == "—"
    assert english.day(NOW) == "3 December 2026"
    assert french.local_input(NOW) == "2026-12-03T04:00"


def test_the_session_carries_the_viewers_language_and_timezone():
    session = sessions.new_session(uuid.uuid4(), uuid.uuid4(), "staff", "a@efus.eu", "admin", NOW, "fr", "Europe/Paris")
    read = sessions.read(SECRET, sessions.issue(SECRET, session), NOW)
    assert read == session
    member = read.staff_member()
    assert (member.language, member.timezone) == ("fr", "Europe/Paris")


@pytest.mark.parametrize("service", ["registration", "scheduling", "notifications"])
async def test_every_service_serves_the_one_stylesheet(stack, service):
    async with httpx.AsyncClient(base_url=stack[service].url, timeout=10) as client:
        answer = await client.get(STYLESHEET)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/css")
    assert "header.bar" in answer.text


def test_every_table_of_every_page_scrolls_on_its_own_on_a_narrow_screen():
    """On a phone a wide table scrolls inside its `.table` box (focusable, for the keyboard) instead of
    widening the whole page past the screen."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    unwrapped = {}
    for template in root.glob("services/*/web/templates/**/*.html"):
        text = template.read_text()
        tables = len(re.findall(r"<table\b", text))
        boxes = len(re.findall(r'<div class="table" tabindex="0"><table\b', text))
        if tables != boxes:
            unwrapped[str(template.relative_to(root))] = tables - boxes
    assert not unwrapped, f'tables outside a <div class="table" tabindex="0">: {unwrapped}'
