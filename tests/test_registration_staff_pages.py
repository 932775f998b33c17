"""The staff pages over the real stack: sign-in, list, score, stage, release, export; roles and CSRF."""

import re
import uuid

import httpx
import pytest

from tests.conftest import ADMIN_TOKEN, REVIEWER_TOKEN
from tests.registration_helpers import apply, load_applications, new_call, staff_move


@pytest.fixture
async def base(stack):
    return stack["registration"].url


def csrf_of(response: httpx.Response) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', response.text).group(1)


async def signed_in(base: str, token: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base, timeout=20)
    page = await client.get("/staff/login")
    response = await client.post("/staff/login", data={"csrf_token": csrf_of(page), "token": token})
    assert response.status_code == 303, response.text
    return client


async def test_pages_need_a_valid_sign_in(base):
    async with httpx.AsyncClient(base_url=base) as client:
        assert (await client.get("/staff")).status_code == 303
        page = await client.get("/staff/login")
        wrong = await client.post("/staff/login", data={"csrf_token": csrf_of(page), "token": "guess"})
        assert wrong.status_code == 401 and "not valid" in wrong.text


async def test_admin_scores_stages_and_releases_from_the_pages(base):
    async with httpx.AsyncClient(base_url=base, timeout=20) as api:
        slug = await new_call(api, quota=1)
        application_id = await apply(api, slug, f"pages-{uuid.uuid4().hex[:8]}@city.example.eu")
        await staff_move(api, application_id, "under_review", "shortlisted")
    admin = await signed_in(base, ADMIN_TOKEN)
    reviewer = await signed_in(base, REVIEWER_TOKEN)
    try:
        listing = await admin.get(f"/staff/calls/{slug}", params={"status": "shortlisted"})
        assert listing.status_code == 200 and f"/staff/applications/{application_id}" in listing.text
        page = await admin.get(f"/staff/applications/{application_id}")
        scores = {f"score_{k}": "4" for k in ("relevance", "experience", "cooperation", "commitment")}
        scored = await admin.post(
            f"/staff/applications/{application_id}/review", data=scores | {"csrf_token": csrf_of(page), "comment": "ok"}
        )
        assert scored.status_code == 303

        hidden = await reviewer.get(f"/staff/applications/{application_id}")
        assert "1 review hidden until you score." in hidden.text
        refused = await reviewer.post(
            f"/staff/applications/{application_id}/decision",
            data={"csrf_token": csrf_of(hidden), "decision": "selected"},
        )
        assert refused.status_code == 403 and "needs the role: Administrator" in refused.text

        no_csrf = await admin.post(f"/staff/applications/{application_id}/decision", data={"decision": "selected"})
        assert no_csrf.status_code == 403 and "Session expired" in no_csrf.text
        staged = await admin.post(
            f"/staff/applications/{application_id}/decision",
            data={"csrf_token": csrf_of(no_csrf), "decision": "selected"},  # the page it answered with
        )
        assert staged.status_code == 303
        call_page = await admin.get(f"/staff/calls/{slug}")
        released = await admin.post(f"/staff/calls/{slug}/release", data={"csrf_token": csrf_of(call_page)})
        assert released.status_code == 200 and "1 applicants notified." in released.text
        export = await admin.get(f"/staff/calls/{slug}/export.csv")
        assert export.status_code == 200 and application_id in export.text and ",selected," in export.text
    finally:
        await admin.aclose()
        await reviewer.aclose()


async def test_a_burst_is_shown_fifty_at_a_time_with_links_that_keep_the_filters(base, db):
    async with httpx.AsyncClient(base_url=base, timeout=20) as api:
        slug = await new_call(api, quota=5)
    await load_applications(db, slug, 1050)
    await load_applications(db, slug, 3, country="DE")
    admin = await signed_in(base, ADMIN_TOKEN)
    path = f"/staff/calls/{slug}"
    try:
        first = await admin.get(path, params={"status": "submitted", "country": "pl"})
        second = await admin.get(path, params={"status": "submitted", "country": "PL", "page": "2"})
        last = await admin.get(path, params={"country": "PL", "page": "21"})
        past = await admin.get(path, params={"country": "PL", "page": "99"})
        mangled = await admin.get(path, params={"page": "second"})
        french = await admin.get(path, params={"country": "PL", "page": "2", "lang": "fr"})
    finally:
        await admin.aclose()

    assert first.status_code == 200 and "Showing 1–50 of 1,050" in first.text
    assert f'href="{path}?status=submitted&amp;country=pl&amp;page=2" rel="next">Next page' in first.text
    assert 'rel="prev"' not in first.text and first.text.count("/staff/applications/") == 50
    assert "Showing 51–100 of 1,050" in second.text
    assert f'href="{path}?status=submitted&amp;country=PL" rel="prev">Previous page' in second.text
    assert f'href="{path}?status=submitted&amp;country=PL&amp;page=3" rel="next"' in second.text
    assert "Showing 1,001–1,050 of 1,050" in last.text and 'rel="next"' not in last.text
    assert "past the end of the list" in past.text and f'href="{path}?country=PL&amp;page=21" rel="prev"' in past.text
    assert "Showing 1–50 of 1,053" in mangled.text  # a page that is not a number is the first

    assert '<html lang="fr">' in french.text and "Candidatures 51 à 100 sur 1\u202f050" in french.text
    assert f'href="{path}?country=PL&amp;lang=fr" rel="prev">Page précédente' in french.text
    assert f'href="{path}?country=PL&amp;lang=fr&amp;page=3" rel="next">Page suivante' in french.text
    assert 'aria-label="Pages de la liste"' in french.text
