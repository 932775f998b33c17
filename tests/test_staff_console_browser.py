"""The staff console as people use it, in real Chromium, reading their emails at the test SMTP sink
(issue 11, section 4): sign in from the emailed link, create a call, invite a reviewer who scores; run
an activity, its nominations, the report and its CSV, the delivery log and the explainer, one's own
digest choice; and the refusals a person meets (403 page, sign-in, used link, unknown address).
"""

import csv
import io
import re
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Page, async_playwright

from tests.conftest import STAFF
from tests.registration_helpers import apply
from tests.test_registration_browser import ARGS
from tests.test_registration_sign_in import LINK
from tests.test_scheduling_flow import ADMIN, member_known, nominee, sign_up_city

BRUSSELS = ZoneInfo("Europe/Brussels")
ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}")


@pytest.fixture
async def browser(chromium):
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium, args=ARGS, headless=True)
        yield launched
        await launched.close()


@pytest.fixture
def chromium():
    from pathlib import Path

    from tests.test_registration_browser import CHROMIUM

    if not Path(CHROMIUM).is_file():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install it with `apt-get install -y chromium` (make test does)")
    return CHROMIUM


async def new_page(browser) -> Page:
    page = await (await browser.new_context(locale="en-GB", viewport={"width": 1200, "height": 900})).new_page()
    page.set_default_timeout(30_000)
    return page


async def inbox_link(smtp_sink, address: str, after: int = 0) -> str:
    """The sign-in link of the newest email to `address` beyond the first `after` ones, as a person
    opens it from their inbox."""
    mails = await smtp_sink.wait_for(lambda m: _is_sign_in_link(m, address), count=after + 1, timeout=30)
    return LINK.search(mails[after].text_body).group(0)


def _is_sign_in_link(mail, address: str) -> bool:
    return address in mail.rcpt_tos and LINK.search(mail.text_body) is not None


async def sign_in_from_email(page: Page, stack, smtp_sink, address: str, after: int = 0) -> None:
    await page.goto(f"{stack['registration'].url}/sign-in")
    await page.get_by_label("Your email address").fill(address)
    await page.get_by_role("button", name="Send me a sign-in link").click()
    await page.get_by_role("status").wait_for()
    await page.goto(await inbox_link(smtp_sink, address, after))
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{stack['registration'].url}/staff")


def local(moment: datetime, zone: ZoneInfo = BRUSSELS) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


async def test_an_admin_creates_a_call_and_invites_a_reviewer_who_scores(stack, smtp_sink, browser):
    admin_address = f"admin-{uuid.uuid4().hex[:8]}@efus.example.eu"
    stack.run_command("registration", "staff", "add", admin_address, "--role", "admin", "--name", "Marta Admin")
    admin = await new_page(browser)
    await sign_in_from_email(admin, stack, smtp_sink, admin_address)

    await admin.get_by_role("link", name="New call").click()
    slug = f"browser-call-{uuid.uuid4().hex[:6]}"
    now = datetime.now(UTC)
    await admin.locator("#slug").fill(slug)
    await admin.locator("#title_en").fill("Associated cities, browser call")
    await admin.locator("#title_fr").fill("Villes associées, appel du navigateur")
    await admin.locator("#description_en").fill("Cities that protect their public spaces together.")
    await admin.locator("#opens_at").fill(local(now - timedelta(hours=1)))
    await admin.locator("#closes_at").fill(local(now + timedelta(days=30)))
    await admin.locator("#timezone").select_option("Europe/Brussels")
    await admin.locator("#quota").fill("3")
    for n, (key, name, weight) in enumerate((("relevance", "Relevance", "2"), ("experience", "Experience", "1"))):
        await admin.locator(f"#criterion_{n}_key").fill(key)
        await admin.locator(f"#criterion_{n}_name_en").fill(name)
        await admin.locator(f"#criterion_{n}_weight").fill(weight)
    await admin.get_by_role("button", name="Create the call").click()
    await admin.get_by_role("heading", name="Associated cities, browser call").wait_for()
    assert not ISO.search(await admin.locator("main").inner_text())

    reviewer_address = f"reviewer-{uuid.uuid4().hex[:8]}@efus.example.eu"
    await admin.get_by_role("link", name="Accounts").click()
    await admin.locator("#email").fill(reviewer_address)
    await admin.locator("#name").fill("Ilyana Reviewer")
    await admin.locator("#role").select_option("reviewer")
    await admin.locator("#language").select_option("en")
    await admin.get_by_role("button", name="Send the invitation").click()
    assert reviewer_address in await admin.locator("main").inner_text()

    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20) as api:
        application_id = await apply(api, slug, f"city-{uuid.uuid4().hex[:8]}@city.example.eu")
    reviewer = await new_page(browser)
    await reviewer.goto(await inbox_link(smtp_sink, reviewer_address))
    await reviewer.get_by_role("button", name="Sign in").click()
    await reviewer.wait_for_url(f"{stack['registration'].url}/staff")
    await reviewer.goto(f"{stack['registration'].url}/staff/applications/{application_id}")
    await reviewer.get_by_label("Relevance").select_option("4")
    await reviewer.get_by_label("Experience").select_option("3")
    await reviewer.get_by_role("button", name="Save my scores").click()
    assert "Scores saved." in await reviewer.get_by_role("status").inner_text()


async def test_an_admin_runs_an_activity_reads_the_report_and_the_mail_and_sets_their_digest(
    stack, infrastructure, smtp_sink, browser
):
    admin_address = STAFF[0]  # staff notices go to STAFF_EMAILS: the profile page is for them
    stack.run_command("registration", "staff", "add", admin_address, "--role", "admin")
    admin = await new_page(browser)
    earlier = len([m for m in smtp_sink.messages() if _is_sign_in_link(m, admin_address)])
    await sign_in_from_email(admin, stack, smtp_sink, admin_address, after=earlier)

    await admin.get_by_role("link", name="Programme").click()
    title = f"Police Academy {uuid.uuid4().hex[:6]}"
    starts = datetime.now(UTC) + timedelta(days=45)
    riga = ZoneInfo("Europe/Riga")
    for field, value in {
        "#new-title_en": title,
        "#new-host_city": "Riga",
        "#new-country": "LV",
        "#new-venue_name": "Riga City Hall",
        "#new-venue_address": "Rātslaukums 1, Rīga",
        "#new-timezone": "Europe/Riga",
        "#new-starts_at": local(starts, riga),
        "#new-ends_at": local(starts + timedelta(days=3), riga),
        "#new-nomination_deadline": local(starts - timedelta(days=7), riga),
        "#new-working_languages": "en, lv",
        "#new-capacity": "10",
        "#new-city_quota": "1",
    }.items():
        await admin.locator(field).fill(value)
    await admin.get_by_role("button", name="Create the activity").click()
    await admin.get_by_role("heading", name=title).wait_for()  # the new activity's page
    activity_id = admin.url.split("?")[0].rstrip("/").split("/")[-1]

    city = await sign_up_city(infrastructure.kafka_bootstrap_servers, f"Valmiera {uuid.uuid4().hex[:4]}")
    async with httpx.AsyncClient(base_url=stack["scheduling"].url, timeout=20, headers=ADMIN) as api:
        await member_known(api, city)
        url = f"/api/v1/activities/{activity_id}/nominations"
        confirmed = await api.post(url, json=nominee(city, name="Anna Bērziņa"))
        waitlisted = await api.post(url, json=nominee(city, name="Jānis Ozols"))
    assert (confirmed.json()["status"], waitlisted.json()["status"]) == ("confirmed", "waitlisted")
    await admin.reload()
    page_text = await admin.locator("main").inner_text()
    assert "Anna Bērziņa" in page_text and "Jānis Ozols" in page_text and not ISO.search(page_text)

    await admin.get_by_role("link", name="Report").click()
    assert await admin.locator("svg[role=img]").count() >= 1
    async with admin.expect_download() as download_info:
        await admin.get_by_role("link", name="Download CSV").click()
    download = await download_info.value
    rows = list(csv.reader(io.StringIO((await download.path()).read_text(encoding="utf-8"))))
    assert any(title in " ".join(row) for row in rows), rows[:3]

    await admin.get_by_role("link", name="Mail").click()
    await admin.get_by_label("Address").first.fill(admin_address)
    await admin.get_by_role("button", name="Search").click()
    await admin.locator("main table a").first.click()
    assert admin_address in await admin.locator("main").inner_text()

    await admin.goto(f"{stack['notifications'].url}/staff/mail/explain")
    nobody = f"nobody-{uuid.uuid4().hex[:6]}@example.eu"
    await admin.locator("#recipient").fill(nobody)
    await admin.get_by_role("button", name="Explain").click()
    answer = await admin.locator("main").inner_text()
    assert nobody in answer and "_" not in answer.split(nobody)[-1][:200]

    await admin.get_by_role("link", name="My profile").click()
    first_choice = admin.locator("input[type=radio][value=digest]").first
    await first_choice.check()
    await admin.get_by_role("button", name="Save").click()
    await admin.get_by_role("status").wait_for()
    assert await admin.locator("input[type=radio][value=digest]").first.is_checked()
    await admin.locator("input[type=radio][value=at-once]").first.check()
    await admin.get_by_role("button", name="Save").click()


async def test_what_a_person_meets_when_refused(stack, smtp_sink, browser):
    reviewer_address = f"reviewer-{uuid.uuid4().hex[:8]}@efus.example.eu"
    stack.run_command("registration", "staff", "add", reviewer_address, "--role", "reviewer")
    visitor = await new_page(browser)
    for service, path in (("registration", "/staff/accounts"), ("scheduling", "/staff/programme"),
                          ("notifications", "/staff/mail")):  # fmt: skip
        await visitor.goto(f"{stack[service].url}{path}")
        await visitor.wait_for_url(f"{stack['registration'].url}/sign-in")

    await visitor.get_by_label("Your email address").fill(reviewer_address)
    await visitor.get_by_role("button", name="Send me a sign-in link").click()
    known = await visitor.locator("main").inner_text()
    await visitor.goto(f"{stack['registration'].url}/sign-in")
    await visitor.get_by_label("Your email address").fill(f"unknown-{uuid.uuid4().hex[:8]}@efus.example.eu")
    await visitor.get_by_role("button", name="Send me a sign-in link").click()
    assert await visitor.locator("main").inner_text() == known

    link = await inbox_link(smtp_sink, reviewer_address)
    await visitor.goto(link)
    await visitor.get_by_role("button", name="Sign in").click()
    await visitor.wait_for_url(f"{stack['registration'].url}/staff")
    for service, path in (("registration", "/staff/accounts"), ("notifications", "/staff/mail")):
        answer = await visitor.goto(f"{stack[service].url}{path}")
        assert answer.status == 403
        assert "This page needs the role: Administrator." in await visitor.locator("main").inner_text()

    other = await new_page(browser)
    answer = await other.goto(link)
    assert answer.status == 410
    assert "already been used" in await other.locator("main").inner_text()
