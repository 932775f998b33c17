"""Admins create and edit calls and manage staff accounts through pages, over the real stack: the form
saves what the JSON API would (same workflows), a refused form says why beside each field (422), an
invited reviewer signs in from their email, reviewers meet the 403 page, French pages speak French."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime

import httpx
import pytest

from tests.conftest import ADMIN_TOKEN, REVIEWER_TOKEN
from tests.registration_helpers import apply, new_call
from tests.test_registration_sign_in import address, confirm, link_from_email
from tests.test_registration_staff_pages import csrf_of

ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
CRITERIA = [
    ("relevance", "Relevance", "Pertinence", "3"),
    ("experience", "Experience", "Expérience", "2"),
    ("cooperation", "Cooperation", "Coopération", "1.5"),
    ("commitment", "Commitment", "Engagement", "3.5"),
]


@pytest.fixture
async def admin(stack):
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20) as client:
        client.cookies.set("pactesur_staff", ADMIN_TOKEN)
        yield client


@pytest.fixture
async def reviewer(stack):
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20) as client:
        client.cookies.set("pactesur_staff", REVIEWER_TOKEN)
        yield client


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def post_form(client: httpx.AsyncClient, url: str, pairs: list[tuple[str, str]]) -> httpx.Response:
    """Posts the fields in order, repeated ones included (as a browser does)."""
    return await client.post(url, content=str(httpx.QueryParams(pairs)), headers=FORM)


def call_form(csrf: str, slug: str = "", weights: tuple[str, ...] = (), **changes: str) -> list[tuple[str, str]]:
    """The call form as a browser posts it: 4 criteria (`weights` replace theirs) and 2 blank rows."""
    fields = {
        "csrf_token": csrf,
        "slug": slug,
        "title_en": "Associated cities 2027",
        "description_en": "Cities protecting their public spaces.",
        "title_fr": "",
        "opens_at": "2027-03-01T09:00",
        "closes_at": "2027-04-30T17:30",
        "timezone": "Europe/Paris",
        "quota": "5",
    } | changes
    criteria = [(k, en, fr, weights[i] if i < len(weights) else w) for i, (k, en, fr, w) in enumerate(CRITERIA)]
    rows = [*criteria, ("", "", "", ""), ("", "", "", "")]
    repeated = [
        pair
        for key, en, fr, weight in rows
        for pair in (("criterion_key", key), ("criterion_name_en", en), ("criterion_name_fr", fr),
                     ("criterion_weight", weight))
    ]  # fmt: skip
    return [*fields.items(), *repeated]


def error_beside(page: httpx.Response, field: str) -> str:
    found = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', page.text)
    return found.group(1) if found else ""


async def test_an_admin_creates_a_call_with_weighted_criteria_then_edits_it(admin, db):
    listing = await admin.get("/staff")
    assert listing.status_code == 200 and 'href="/staff/new-call"' in listing.text
    form = await admin.get("/staff/new-call")
    assert form.status_code == 200 and form.text.count('name="criterion_key"') >= 4
    assert 'value="Europe/Paris">Paris (Europe/Paris)</option>' in form.text

    slug = f"page-call-{uuid.uuid4().hex[:8]}"
    created = await post_form(admin, "/staff/new-call", call_form(csrf_of(form), slug))
    assert created.status_code == 303, created.text
    assert created.headers["location"] == f"/staff/calls/{slug}"

    row = await db.fetchrow("SELECT * FROM calls WHERE slug = $1", slug)
    assert row["opens_at"] == datetime(2027, 3, 1, 8, 0, tzinfo=UTC)  # 09:00 in Paris (winter time)
    assert row["closes_at"] == datetime(2027, 4, 30, 15, 30, tzinfo=UTC)  # 17:30 in Paris (summer time)
    assert row["timezone"] == "Europe/Paris" and row["quota"] == 5
    criteria = json.loads(row["criteria"])
    assert [(c["key"], c["name"]["fr"], c["weight"]) for c in criteria] == [
        (key, fr, float(weight)) for key, _, fr, weight in CRITERIA
    ]
    assert json.loads(row["title"]) == {"en": "Associated cities 2027"}

    listing = await admin.get("/staff")
    assert "Associated cities 2027" in listing.text
    assert "1 March 2027, 09:00" in listing.text and "30 April 2027, 17:30" in listing.text  # Brussels = Paris
    assert "0 applications" in listing.text and not ISO.search(listing.text)

    page = await admin.get(f"/staff/calls/{slug}")
    assert f'href="/staff/calls/{slug}/edit"' in page.text
    edit = await admin.get(f"/staff/calls/{slug}/edit")
    assert edit.status_code == 200 and 'value="2027-03-01T09:00"' in edit.text and 'value="1.5"' in edit.text
    changes = call_form(csrf_of(edit), quota="7", title_fr="Villes associées 2027")
    changed = await post_form(admin, f"/staff/calls/{slug}/edit", changes)
    assert changed.status_code == 303, changed.text
    row = await db.fetchrow("SELECT quota, title FROM calls WHERE slug = $1", slug)
    assert row["quota"] == 7 and json.loads(row["title"])["fr"] == "Villes associées 2027"
    french = await admin.get("/staff", params={"lang": "fr"})
    assert "Villes associées 2027" in french.text and "1 mars 2027, 09:00" in french.text
    actions = await db.fetch("SELECT action, actor FROM audit_log WHERE subject = $1 ORDER BY at", slug)
    assert [(a["action"], a["actor"]) for a in actions] == [
        ("call.created", "admin:Marta"),
        ("call.changed", "admin:Marta"),
    ]


async def test_the_call_list_counts_applications_in_words(stack, admin):
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20) as api:
        slug = await new_call(api)
        await apply(api, slug, f"count-{uuid.uuid4().hex[:8]}@city.example.eu")
    listing = await admin.get("/staff")
    row = re.search(rf'href="/staff/calls/{slug}".*?</tr>', listing.text, re.S).group(0)
    assert "1 application<" in row
    french = await admin.get("/staff", params={"lang": "fr"})
    assert "1 candidature<" in re.search(rf'href="/staff/calls/{slug}.*?</tr>', french.text, re.S).group(0)


async def test_a_bad_call_form_is_a_422_page_with_each_message_beside_its_field(stack, admin, db):
    form = await admin.get("/staff/new-call")
    slug = f"bad-call-{uuid.uuid4().hex[:8]}"
    bad = call_form(csrf_of(form), slug, ("lots", "2", "1.5", "x"), closes_at="2027-02-01T09:00", title_en="", quota="")
    answer = await post_form(admin, "/staff/new-call", bad)
    assert answer.status_code == 422, answer.text
    assert error_beside(answer, "closes_at") == "The call must close after it opens."
    assert error_beside(answer, "title_en") == "An English title is required."
    assert error_beside(answer, "criterion_0_weight").startswith("A number above 0")
    assert error_beside(answer, "criterion_3_weight").startswith("A number above 0")
    assert error_beside(answer, "criterion_1_weight") == "" and error_beside(answer, "quota").startswith("A whole")
    assert f'value="{slug}"' in answer.text and 'value="lots"' in answer.text  # what was typed is kept
    assert 'value="2027-02-01T09:00"' in answer.text and 'aria-invalid="true"' in answer.text
    assert await db.fetchval("SELECT count(*) FROM calls WHERE slug = $1", slug) == 0

    french_form = await admin.get("/staff/new-call", params={"lang": "fr"})
    french = await post_form(admin, "/staff/new-call?lang=fr", [("csrf_token", csrf_of(french_form)), *bad[1:]])
    assert french.status_code == 422 and '<html lang="fr">' in french.text
    assert error_beside(french, "closes_at") == "L&#39;appel doit se clôturer après son ouverture."
    assert error_beside(french, "criterion_0_weight").startswith("Un nombre supérieur à 0")

    forged = await post_form(admin, "/staff/new-call", call_form("forged", slug))
    assert forged.status_code == 403 and "Session expired" in forged.text
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20) as api:
        existing = await new_call(api)
    taken = await post_form(admin, "/staff/new-call", call_form(csrf_of(forged), existing))
    assert taken.status_code == 409 and error_beside(taken, "slug").startswith("A call with this short name")


async def test_an_admin_invites_a_reviewer_changes_the_role_and_deactivates(stack, smtp_sink, db, admin):
    stack.run_command("registration", "staff", "add", address("admin"), "--role", "admin")  # never the last admin
    page = await admin.get("/staff/accounts")
    assert page.status_code == 200 and "Invite a colleague" in page.text
    colleague = address("invited")
    invited = await admin.post(
        "/staff/accounts",
        data={"csrf_token": csrf_of(page), "email": colleague, "name": "Élise Martin", "role": "reviewer",
              "language": "fr", "timezone": "Europe/Paris"},
    )  # fmt: skip
    assert invited.status_code == 303 and invited.headers["location"] == "/staff/accounts?done=invited"
    listing = await admin.get(invited.headers["location"])
    assert "Invitation sent" in listing.text
    row = re.search(rf"<tr><th scope=\"row\">{re.escape(colleague)}</th>.*?</tr>", listing.text, re.S).group(0)
    assert "Élise Martin" in row and "<td>Reviewer</td>" in row and "<td>French</td>" in row
    assert "<td>Active</td>" in row and "<td>never</td>" in row

    again = await admin.post(
        "/staff/accounts",
        data={"csrf_token": csrf_of(listing), "email": colleague, "role": "admin", "language": "en", "timezone": "UTC"},
    )
    assert again.status_code == 409 and error_beside(again, "email") == "This address already has an active account."
    nonsense = {"email": "not-an-address", "role": "owner", "language": "xx", "timezone": "Mars/Base"}
    wrong = await admin.post("/staff/accounts", data={"csrf_token": csrf_of(again)} | nonsense)
    assert wrong.status_code == 422 and error_beside(wrong, "email").startswith("Enter an email address")
    assert error_beside(wrong, "role") == error_beside(wrong, "language") == "Choose one of the list."
    assert error_beside(wrong, "timezone") == "Choose a timezone from the list."
    assert 'value="not-an-address"' in wrong.text

    mail, link = await link_from_email(smtp_sink, colleague)
    assert mail.language == "fr"
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20) as browser:
        signed_in = await confirm(browser, link)
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/staff"
        home = await browser.get("/staff")
        assert home.status_code == 200 and '<html lang="fr">' in home.text
        for path in ("/staff/accounts", "/staff/new-call"):
            refused = await browser.get(path)
            assert refused.status_code == 403 and "Administrat" in refused.text and "Traceback" not in refused.text

        account_id = await db.fetchval("SELECT id FROM staff_accounts WHERE email = $1", colleague)
        listing = await admin.get("/staff/accounts")
        row = re.search(rf"<tr><th scope=\"row\">{re.escape(colleague)}</th>.*?</tr>", listing.text, re.S).group(0)
        assert "<td>never</td>" not in row and not ISO.search(row)
        promoted = await admin.post(
            f"/staff/accounts/{account_id}/role", data={"csrf_token": csrf_of(listing), "role": "admin"}
        )
        assert promoted.status_code == 303
        assert (await browser.get("/staff")).status_code == 303  # a role change ends the sessions
    listing = await admin.get("/staff/accounts")
    assert "<td>Administrator</td>" in re.search(rf"{re.escape(colleague)}</th>.*?</tr>", listing.text, re.S).group(0)

    confirming = await admin.get(f"/staff/accounts/{account_id}/deactivation")
    assert confirming.status_code == 200 and 'class="danger"' in confirming.text and colleague in confirming.text
    deactivated = await admin.post(
        f"/staff/accounts/{account_id}/deactivation", data={"csrf_token": csrf_of(confirming)}
    )
    assert deactivated.status_code == 303
    listing = await admin.get("/staff/accounts")
    assert "<td>Deactivated</td>" in re.search(rf"{re.escape(colleague)}</th>.*?</tr>", listing.text, re.S).group(0)
    actions = await db.fetch("SELECT action, actor FROM audit_log WHERE subject = $1 ORDER BY at", str(account_id))
    assert [a["action"] for a in actions if a["actor"] == "Marta"] == [
        "staff.invited",
        "staff.role_changed",
        "staff.deactivated",
    ]


async def test_a_reviewer_gets_the_403_page_on_admin_pages(reviewer):
    for path in ("/staff/accounts", "/staff/new-call"):
        page = await reviewer.get(path)
        assert page.status_code == 403 and "This page needs the role: Administrator." in page.text
    assert 'href="/staff/new-call"' not in (await reviewer.get("/staff")).text


ENGLISH_LABELS = (
    "New call", "Title in ", "Description in ", "Other languages", "Window", ">Opens", ">Closes", "Timezone",
    "Scoring criteria", "Criterion 1", ">Weight", ">Key", "Create the call", "Staff accounts", "Invite a colleague",
    "Email address", "Send the invitation", "Last sign-in", "Change the role", "Deactivate", "Role of",
    " application", ">Reviewer<", ">Administrator<", ">Active<", ">never<", "English is required", "Empty rows",
)  # fmt: skip


async def test_in_french_the_pages_show_no_english_labels(admin, db):
    pages = [await admin.get(path, params={"lang": "fr"}) for path in ("/staff", "/staff/new-call", "/staff/accounts")]
    slug = await db.fetchval("SELECT slug FROM calls ORDER BY opens_at DESC LIMIT 1")
    pages.append(await admin.get(f"/staff/calls/{slug}/edit", params={"lang": "fr"}))
    account_id = await db.fetchval("SELECT id FROM staff_accounts LIMIT 1")
    if account_id:
        pages.append(await admin.get(f"/staff/accounts/{account_id}/deactivation", params={"lang": "fr"}))
    for page in pages:
        assert page.status_code == 200 and '<html lang="fr">' in page.text, page.url
        found = [label for label in ENGLISH_LABELS if label in page.text]
        assert found == [], (page.url, found)
        assert not ISO.search(page.text)
    assert "Nouvel appel" in pages[0].text and "Critères de notation" in pages[1].text
    assert "Inviter un ou une collègue" in pages[2].text and "français" in pages[2].text
