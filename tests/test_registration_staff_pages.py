"""The staff pages over the real stack: sign-in, list, score, stage, release, export; roles and CSRF."""

import re
import uuid

import httpx
import pytest

from tests.conftest import ADMIN_TOKEN, REVIEWER_TOKEN
from tests.registration_helpers import apply, new_call, staff_move


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
