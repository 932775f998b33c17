"""Scheduling's staff pages over the real stack: an admin creates an activity through the form, edits
its dates and timetable, sees the nominations grouped, records attendance, cancels a nomination (the
waitlist is promoted), reads the report chart, downloads the CSV and cancels the activity; the pages
speak French with ?lang=fr; a reviewer is refused admin changes, a signed-out visitor sent to sign in,
a bad form answered 422 with the field's message and the values kept.

Signed in with the staff-token cookie (tests.conftest), so the viewer's timezone is Europe/Brussels.
"""

from __future__ import annotations

import html
import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from babel.dates import format_date

from tests.conftest import ADMIN_TOKEN, REVIEWER_TOKEN
from tests.test_scheduling_flow import ADMIN, member_known, nominee, sign_up_city

VENUE = ZoneInfo("Europe/Riga")
VIEWER = ZoneInfo("Europe/Brussels")
ISO = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
RAW_KEYS = ("police_exchange", "waitlisted", "capacity_full", "city_quota_full", "planned", "True", "False")


def csrf_of(response: httpx.Response) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', response.text).group(1)


def visible(response: httpx.Response) -> str:
    """The page's text without its tags (attribute values such as option keys are not shown)."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.text)))


def local(moment: datetime) -> str:
    """A datetime-local field's value at the venue."""
    return moment.astimezone(VENUE).strftime("%Y-%m-%dT%H:%M")


def activity_form(title: str, starts: datetime, **overrides: str) -> dict[str, str]:
    return {
        "kind": "police_exchange",
        "title_en": title,
        "title_fr": f"Échange de policiers {title[-6:]}",
        "status": "planned",
        "host_city": "Jelgava",
        "country": "LV",
        "venue_name": "Jelgava Palace",
        "venue_address": "Lielā iela 2, Jelgava",
        "timezone": "Europe/Riga",
        "starts_at": local(starts),
        "ends_at": local(starts + timedelta(days=4)),
        "nomination_deadline": local(starts - timedelta(days=1)),
        "working_languages": "en, lv",
        "interpretation": "",
        "capacity": "2",
        "city_quota": "2",
        "reminder_days": "14, 2",
        **overrides,
    }


@pytest.fixture
async def admin(stack):
    async with httpx.AsyncClient(base_url=stack["scheduling"].url, timeout=20) as client:
        client.cookies.set("pactesur_staff", ADMIN_TOKEN)
        yield client


@pytest.fixture
async def reviewer(stack):
    async with httpx.AsyncClient(base_url=stack["scheduling"].url, timeout=20) as client:
        client.cookies.set("pactesur_staff", REVIEWER_TOKEN)
        yield client


async def post_form(client: httpx.AsyncClient, page: str, action: str, data: dict[str, str]) -> httpx.Response:
    """Posts `data` to `action` with the CSRF token of `page` (opened first)."""
    opened = await client.get(page)
    assert opened.status_code == 200, opened.text
    return await client.post(action, data={"csrf_token": csrf_of(opened), **data})


async def test_admin_runs_an_activity_from_the_pages(stack, infrastructure, admin):
    city = await sign_up_city(infrastructure.kafka_bootstrap_servers, f"Jelgava {uuid.uuid4().hex[:4]}")
    await member_known(admin, city)
    title = f"Police exchange, Jelgava {uuid.uuid4().hex[:6]}"
    starts = (datetime.now(VENUE) + timedelta(days=20)).replace(hour=9, minute=30, second=0, microsecond=0)

    created = await post_form(admin, "/staff/programme", "/staff/programme", activity_form(title, starts))
    assert created.status_code == 303, created.text
    page = created.headers["location"].split("?")[0]
    activity_id = page.rsplit("/", 1)[1]
    listing = await admin.get("/staff/programme")
    text = visible(listing)
    assert title in text and "Police exchange" in text and "Planned" in text
    assert format_date(starts.astimezone(VIEWER), "long", locale="en_GB") in text
    assert not ISO.search(text) and not any(key in text for key in RAW_KEYS)

    url = f"/api/v1/activities/{activity_id}/nominations"
    people = [nominee(city, name=name) for name in ("Anna Bērziņa", "Jānis Ozols", "Līga Kalniņa")]
    statuses = [(await admin.post(url, json=person, headers=ADMIN)).json()["status"] for person in people]
    assert statuses == ["confirmed", "confirmed", "waitlisted"]
    shown = await admin.get(page)
    text = visible(shown)
    assert "Waitlisted (1)" in text and "All places are taken" in text and "Līga Kalniņa" in text
    assert not ISO.search(text) and not any(key in text for key in RAW_KEYS)

    started = datetime.now(VENUE) - timedelta(days=1)
    moved = await post_form(admin, page, f"{page}/edit", activity_form(title, started))
    assert moved.status_code == 303, moved.text
    session_start = datetime.now(VENUE) + timedelta(days=1)
    session = {"starts_at": local(session_start), "ends_at": local(session_start + timedelta(hours=2))}
    added = await post_form(admin, page, f"{page}/sessions", session | {"room": "Hall A", "title_en": "Opening"})
    assert added.status_code == 303, added.text
    outside = session | {"ends_at": local(started + timedelta(days=9)), "room": "Hall B", "title_en": "Late"}
    refused = await post_form(admin, page, f"{page}/sessions", outside)
    assert refused.status_code == 422 and "The session must lie within the activity's dates." in visible(refused)

    listed = {n["name"]: n["nomination_id"] for n in (await admin.get(url, headers=ADMIN)).json()}
    attended = await post_form(
        admin, page, f"{page}/nominations/{listed['Anna Bērziņa']}/attendance", {"attended": "yes"}
    )
    assert attended.status_code == 303, attended.text
    cancelled = await post_form(admin, page, f"{page}/nominations/{listed['Jānis Ozols']}/cancel", {})
    assert cancelled.status_code == 303, cancelled.text
    shown = await admin.get(page)
    text = visible(shown)
    assert "Opening" in text and "Hall A" in text
    assert "Attended (1)" in text and "Cancelled or declined (1)" in text and "Waitlisted (0)" in text
    assert {n["name"]: n["status"] for n in (await admin.get(url, headers=ADMIN)).json()}["Līga Kalniņa"] == "confirmed"

    report = await admin.get("/staff/report")
    assert report.status_code == 200
    assert '<svg class="chart" role="img"' in report.text and "<title " in report.text and title in report.text
    assert 'href="/staff/report.csv"' in report.text
    assert not ISO.search(visible(report))
    download = await admin.get("/staff/report.csv")
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    assert activity_id in download.text

    french = await admin.get(f"{page}?lang=fr")
    text = visible(french)
    assert "Désignations" in text and "Présents (1)" in text and "Échange de policiers" in text
    assert format_date(started.astimezone(VIEWER), "long", locale="fr_FR") in text
    assert 'href="/staff/programme?lang=fr"' in french.text
    assert not ISO.search(text) and not any(key in text for key in RAW_KEYS)
    assert "Rapport" in visible(await admin.get("/staff/report?lang=fr"))

    no_reason = await post_form(admin, f"{page}/cancel", f"{page}/cancel", {"reason": ""})
    assert no_reason.status_code == 422 and "Say why (up to 5,000 characters)." in no_reason.text
    gone = await post_form(admin, f"{page}/cancel", f"{page}/cancel", {"reason": "The venue is closed."})
    assert gone.status_code == 303, gone.text
    assert "This activity is cancelled." in (await admin.get(page)).text
    assert "Cancelled" in visible(await admin.get("/staff/programme"))


async def test_a_bad_form_is_answered_422_with_the_fields_message_and_the_values_kept(admin):
    starts = datetime.now(VENUE) + timedelta(days=30)
    bad = activity_form("", starts, capacity="0", host_city="Tukums")
    answer = await post_form(admin, "/staff/programme", "/staff/programme", bad)
    assert answer.status_code == 422
    assert "Give a whole number from 1 to 10,000." in answer.text
    assert "Give the English title (up to 200 characters)." in answer.text
    assert 'value="Tukums"' in answer.text and 'aria-invalid="true"' in answer.text
    late = activity_form("Deadline after start", starts, nomination_deadline=local(starts + timedelta(days=1)))
    rule = await post_form(admin, "/staff/programme", "/staff/programme?lang=fr", late)
    assert rule.status_code == 422
    assert "La clôture des désignations doit précéder le début de l'activité." in visible(rule)


async def test_a_reviewer_reads_but_cannot_change_and_a_visitor_is_sent_to_sign_in(stack, admin, reviewer):
    starts = datetime.now(VENUE) + timedelta(days=50)
    created = await post_form(admin, "/staff/programme", "/staff/programme", activity_form("Reviewed", starts))
    page = created.headers["location"].split("?")[0]
    shown = await reviewer.get(page)
    assert shown.status_code == 200 and "Edit the activity" not in shown.text
    listing = await reviewer.get("/staff/programme")
    assert listing.status_code == 200 and "New activity" not in listing.text
    refused = await reviewer.post(f"{page}/edit", data={"csrf_token": csrf_of(shown), "capacity": "9"})
    assert refused.status_code == 403 and "needs the role: Administrator" in refused.text
    assert (await reviewer.get("/staff/report.csv")).status_code == 200

    no_csrf = await admin.post(f"{page}/sessions", data={"room": "Hall A"})
    assert no_csrf.status_code == 403 and "Session expired" in no_csrf.text

    async with httpx.AsyncClient(base_url=stack["scheduling"].url, timeout=20) as visitor:
        for path in ("/staff/programme", page, "/staff/report", "/staff/report.csv"):
            answer = await visitor.get(path)
            assert answer.status_code == 303 and answer.headers["location"].endswith("/sign-in"), path
