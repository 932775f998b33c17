"""Every kind of page passes axe-core (axe-playwright-python ships it) in real Chromium with no serious
or critical violation, in English and in French, at desktop and at phone width; and no page shows an
ISO timestamp, a raw boolean or a snake_case key.

One test visits each page kind of each service (PAGE_KINDS); a new kind of page is added there. The
pages are opened signed in as an admin (the staff-token cookie) unless they are public; the city
portal's pages as a city's focal point (their session cookie, from the emailed sign-in link).
"""

import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import async_playwright

from services.notifications.domain.unsubscribe import UNSUBSCRIBE_PURPOSE
from services.registration.domain.programme import SLUG
from shared.security import sessions
from shared.security.signing import sign
from tests.conftest import ADMIN_TOKEN
from tests.registration_helpers import apply, new_call, staff_move
from tests.test_registration_browser import ARGS
from tests.test_registration_city_pages import selected_city  # noqa: F401 (a fixture)
from tests.test_scheduling_flow import (
    ADMIN,
    activity_body,
    focal_point_headers,
    member_known,
    nominee,
    outbox_events,
    sign_up_city,
    wait_for,
)
from tests.test_scheduling_portal_pages import signed_in_focal_point  # noqa: F401 (a fixture)

SERIOUS = {"serious", "critical"}
RAW = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}|\b(True|False|None)\b|\b[a-z]+_[a-z_]+\b")
"""What a person must never read on a page: an ISO timestamp, a Python boolean, a snake_case key."""
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@dataclass(frozen=True)
class PageKind:
    name: str
    service: str
    path: str
    signed_in: bool = True
    as_contact: bool = False
    """Opened as the city's focal point rather than as an admin."""


async def _page_kinds(stack, city: dict, focal_point: dict) -> list[PageKind]:
    """One page of each kind, with the data it needs made through the JSON API."""
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20, headers=ADMIN) as api:
        slug = await new_call(api, quota=2)
        application_id = await apply(api, slug, f"axe-{uuid.uuid4().hex[:8]}@city.example.eu")
        await staff_move(api, application_id, "under_review")
        accounts = (await api.get("/api/v1/staff/accounts")).json()
    async with httpx.AsyncClient(base_url=stack["scheduling"].url, timeout=20, headers=ADMIN) as api:
        created = await api.post("/api/v1/activities", json=activity_body(timedelta(days=40)))
        assert created.status_code == 201, created.text
        activity_id = created.json()["activity"]["activity_id"]
        participant, nomination, decline = await _participant(stack, api, activity_id)
        portal_city = uuid.UUID(str(focal_point["city_id"]))  # one of its people nominated: the page has its table
        own = await api.post(
            f"/api/v1/activities/{activity_id}/nominations",
            json=nominee(portal_city, language="it", timezone="Europe/Rome"),
            headers=await focal_point_headers(api, portal_city),
        )
        assert own.status_code == 201, own.text
    async with httpx.AsyncClient(base_url=stack["notifications"].url, timeout=20, headers=ADMIN) as api:
        deliveries = await wait_for(lambda: _some_deliveries(api), "an email in the delivery log")
    account = next((a for a in accounts if a["role"] == "reviewer"), None)
    kinds = [
        PageKind("applicant form", "registration", f"/calls/{SLUG}/apply", signed_in=False),
        PageKind("sign-in", "registration", "/sign-in", signed_in=False),
        PageKind("staff-token sign-in", "registration", "/staff/login", signed_in=False),
        PageKind("calls", "registration", "/staff"),
        PageKind("a call's applications", "registration", f"/staff/calls/{slug}"),
        PageKind("an application", "registration", f"/staff/applications/{application_id}"),
        PageKind("new call", "registration", "/staff/new-call"),
        PageKind("edit a call", "registration", f"/staff/calls/{slug}/edit"),
        PageKind("staff accounts", "registration", "/staff/accounts"),
        PageKind("personal data export", "registration", "/staff/privacy"),
        PageKind("city registry", "registration", "/staff/cities"),
        PageKind("a city", "registration", f"/staff/cities/{city['id']}"),
        PageKind("not found", "registration", f"/staff/calls/no-such-{uuid.uuid4().hex[:6]}"),
        PageKind("programme", "scheduling", "/staff/programme"),
        PageKind("an activity", "scheduling", f"/staff/programme/{activity_id}"),
        PageKind("cancel an activity", "scheduling", f"/staff/programme/{activity_id}/cancel"),
        PageKind("report", "scheduling", "/staff/report"),
        PageKind("participant page", "scheduling", participant, signed_in=False),
        PageKind("decline a place", "scheduling", f"{participant}/nominations/{nomination}/decline", signed_in=False),
        PageKind("city home", "registration", "/city", as_contact=True),
        PageKind("city programme", "scheduling", "/city/programme", as_contact=True),
        PageKind("city activity", "scheduling", f"/city/programme/{activity_id}", as_contact=True),
        PageKind("decline from the email", "scheduling", decline, signed_in=False),
        PageKind("a bad decline link", "scheduling", "/api/v1/nominations/decline?token=forged.link", signed_in=False),
        PageKind("unsubscribe", "notifications", f"/unsubscribe?token={_unsubscribe_token(stack)}", signed_in=False),
        PageKind("a bad unsubscribe link", "notifications", "/unsubscribe?token=forged.link", signed_in=False),
        PageKind("an unknown public address", "scheduling", "/no-such-page", signed_in=False),
        PageKind("delivery log", "notifications", "/staff/mail"),
        PageKind("an email as sent", "notifications", f"/staff/mail/deliveries/{deliveries[0]['id']}"),
        PageKind("explainer", "notifications", "/staff/mail/explain?address=nobody%40example.eu"),
        PageKind("dead letters", "notifications", "/staff/mail/dead-letters"),
        PageKind("previews", "notifications", "/staff/mail/previews"),
        PageKind("my profile", "notifications", "/staff/profile"),
    ]
    if account is not None:
        kinds.append(PageKind("deactivate an account", "registration", f"/staff/accounts/{account['id']}/deactivation"))
    return kinds


async def _participant(stack, api: httpx.AsyncClient, activity_id: str) -> tuple[str, str, str]:
    """The path of a confirmed participant's page (the signed link of their invitation), their
    nomination, and the decline link of their invitation email (path and query)."""
    city = await sign_up_city(stack.config.kafka_bootstrap_servers, f"Cēsis {uuid.uuid4().hex[:4]}")
    await member_known(api, city)
    url = f"/api/v1/activities/{activity_id}/nominations"
    answer = await api.post(url, json=nominee(city), headers=await focal_point_headers(api, city))
    assert answer.status_code == 201, answer.text
    events = await outbox_events(stack.config.database_url, activity_id)
    invitation = next(e["payload"]["invitation"] for e in events if e["type"] == "NominationConfirmed")
    decline = urlsplit(invitation["decline_url"])
    return urlsplit(invitation["participant_url"]).path, invitation["nomination_id"], f"{decline.path}?{decline.query}"


def _unsubscribe_token(stack) -> str:
    """A signed unsubscribe link's token, as an email carries it (services.notifications.domain.unsubscribe)."""
    data = {"r": f"axe-{uuid.uuid4().hex[:8]}@city.example.eu", "k": "staff_digest", "l": "en"}
    return sign(stack.config.secret_key.encode(), UNSUBSCRIBE_PURPOSE, data, expires_at=None)


async def _some_deliveries(api: httpx.AsyncClient) -> list[dict]:
    return (await api.get("/api/v1/deliveries")).json()["deliveries"]


def _cookies(stack, kind: PageKind, contact_session: str) -> list[dict]:
    """What the browser holds to open `kind`: the staff-token cookie or the city contact's session
    cookie (host-only on 127.0.0.1: every service's pages read them, whatever the port), or nothing."""
    if not kind.signed_in:
        return []
    name, value = (sessions.COOKIE, contact_session) if kind.as_contact else ("pactesur_staff", ADMIN_TOKEN)
    return [{"name": name, "value": value, "url": stack["registration"].url}]


def _serious(results: dict) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results["violations"]
        if v["impact"] in SERIOUS
    ]


async def test_every_page_kind_passes_axe_and_shows_no_raw_value_in_english_and_french_on_desktop_and_phone(
    stack,
    chromium,
    selected_city,  # noqa: F811 (the fixture imported above)
    signed_in_focal_point,  # noqa: F811 (the fixture imported above)
):
    kinds = await _page_kinds(stack, selected_city, signed_in_focal_point)
    axe = Axe()
    found: dict[str, list[str]] = {}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=ARGS, headless=True)
        try:
            for viewport in (DESKTOP, PHONE):
                context = await browser.new_context(viewport=viewport)
                page = await context.new_page()
                page.set_default_timeout(30_000)
                await page.set_content('<html lang="en"><title>x</title><main><input type="text"></main></html>')
                assert _serious((await axe.run(page)).response), "axe found nothing on a page with an unlabelled input"
                for kind in kinds:
                    for language in ("en", "fr"):
                        await context.clear_cookies()
                        await context.add_cookies(_cookies(stack, kind, signed_in_focal_point["cookie"]))
                        separator = "&" if "?" in kind.path else "?"
                        await page.goto(f"{stack[kind.service].url}{kind.path}{separator}lang={language}")
                        results = (await axe.run(page)).response
                        problems = _serious(results)
                        raw = sorted({m.group(0) for m in RAW.finditer(await page.locator("body").inner_text())})
                        if raw:
                            problems.append(f"raw values on the page: {raw}")
                        if urlsplit(page.url).path != urlsplit(kind.path).path:
                            problems.append(f"sent elsewhere: {page.url}")  # e.g. to sign in: not the page
                        if problems:
                            found[f"{kind.name} [{language}, {viewport['width']}px]"] = problems
                await context.close()
        finally:
            await browser.close()
    assert found == {}, "\n".join(f"{page}: {problems}" for page, problems in found.items())


@pytest.fixture
def chromium():
    from pathlib import Path

    from tests.test_registration_browser import CHROMIUM

    if not Path(CHROMIUM).is_file():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install it with `apt-get install -y chromium` (make test does)")
    return CHROMIUM
