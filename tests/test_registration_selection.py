"""Review and selection over the real stack: roles, scores, staged release, the quota, freed places,
sign-up and contacts, CSV export and the audit log."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from services.registration.storage import applications
from services.registration.workflows import selection
from shared.paging import Window
from shared.security.auth import StaffMember
from shared.storage.database import create_pool
from tests.registration_helpers import (
    ADMIN,
    REVIEWER,
    apply,
    deps_at,
    email,
    events,
    last_event,
    load_applications,
    load_scores,
    new_call,
    staff_move,
    stage,
    token_of,
)

SCORES = {"relevance": 5, "experience": 4, "cooperation": 3, "commitment": 5}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/v1/staff/calls", {}),
        ("PUT", "/api/v1/staff/applications/00000000-0000-0000-0000-000000000000/decision", {"decision": None}),
        ("POST", "/api/v1/staff/calls/pactesur-2-associated-cities/release", None),
        ("GET", "/api/v1/staff/calls/pactesur-2-associated-cities/export.csv", None),
        ("POST", "/api/v1/staff/people/erasure", {"email": "a@b.eu"}),
        ("GET", "/api/v1/staff/audit", None),
        ("PUT", "/api/v1/staff/cities/00000000-0000-0000-0000-000000000000/contacts", {"contacts": []}),
    ],
)
async def test_admin_endpoints_refuse_missing_invalid_and_reviewer_tokens(client, method, path, body):
    assert (await client.request(method, path, json=body)).status_code == 401
    bad = {"Authorization": "Bearer not-a-real-token"}
    assert (await client.request(method, path, json=body, headers=bad)).status_code == 401
    assert (await client.request(method, path, json=body, headers=REVIEWER)).status_code == 403


async def test_reviewer_endpoints_need_a_token(client):
    path = "/api/v1/staff/calls/pactesur-2-associated-cities/applications"
    assert (await client.get(path)).status_code == 401
    assert (await client.get(path, headers=REVIEWER)).status_code == 200
    assert (await client.get("/api/v1/staff/cities", headers=REVIEWER)).status_code == 200


async def test_staged_decisions_quota_release_and_freed_place(client, db):
    slug = await new_call(client, quota=2)
    ids = [await apply(client, slug, email()) for _ in range(4)]
    first, second, third, fourth = ids
    for application_id in ids:
        await staff_move(client, application_id, "under_review", "shortlisted")

    # reviewers score; a reviewer sees the others' scores only once they scored
    for application_id, value in zip(ids, (5, 4, 3, 1), strict=True):
        scores = {k: value for k in SCORES}
        response = await client.put(
            f"/api/v1/staff/applications/{application_id}/review", json={"scores": scores}, headers=ADMIN
        )
        assert response.status_code == 200 and response.json()["weighted_score"] == value
    detail = (await client.get(f"/api/v1/staff/applications/{first}", headers=REVIEWER)).json()
    assert detail["reviews"] == [] and detail["reviews_hidden"] == 1 and detail["score"] is None
    mine = await client.put(f"/api/v1/staff/applications/{first}/review", json={"scores": SCORES}, headers=REVIEWER)
    assert mine.status_code == 200
    detail = (await client.get(f"/api/v1/staff/applications/{first}", headers=REVIEWER)).json()
    assert {r["reviewer"] for r in detail["reviews"]} == {"Marta", "Ilyana"}
    incomplete = await client.put(
        f"/api/v1/staff/applications/{first}/review", json={"scores": {"relevance": 5}}, headers=REVIEWER
    )
    assert incomplete.status_code == 422 and incomplete.json()["detail"][0]["loc"] == ["body", "scores"]
    assert (await last_event(db, "ApplicationReviewed", first)).review_count == 2

    # staging: the quota counts staged selections; nobody is told anything yet
    assert (await stage(client, first, "selected")).status_code == 200
    assert (await stage(client, second, "selected")).status_code == 200
    over = await stage(client, third, "selected")
    assert over.status_code == 409 and over.json()["detail"]["code"] == "quota"
    assert (await stage(client, third, "waitlisted")).status_code == 200
    assert (await stage(client, fourth, "rejected")).status_code == 200
    assert all([not await events(db, "DecisionReleased", a) for a in ids])
    reviewer_release = await client.post(f"/api/v1/staff/calls/{slug}/release", headers=REVIEWER)
    assert reviewer_release.status_code == 403

    # release: every decision at once, one event per application
    released = await client.post(f"/api/v1/staff/calls/{slug}/release", headers=ADMIN)
    assert released.status_code == 200
    assert sorted(d["decision"] for d in released.json()["released"]) == [
        "rejected",
        "selected",
        "selected",
        "waitlisted",
    ]
    decisions = {a: await last_event(db, "DecisionReleased", a) for a in ids}
    assert {a: d.decision for a, d in decisions.items()} == {
        first: "selected",
        second: "selected",
        third: "waitlisted",
        fourth: "rejected",
    }
    assert decisions[first].recipient.language == "pl" and decisions[first].call_title == "Nabór testowy"
    assert decisions[first].signup_url and decisions[third].waitlist_position == 1
    again = await client.post(f"/api/v1/staff/calls/{slug}/release", headers=ADMIN)
    assert again.status_code == 409 and again.json()["detail"]["code"] == "nothing_staged"

    # a selected city declines: the first on the waiting list is offered the place
    decline = await client.post(f"/api/v1/cities/signup/{token_of(decisions[second].signup_url)}/decline")
    assert decline.status_code == 200 and decline.json()["place_offered_to_next"] is True
    offer = await last_event(db, "PlaceOffered", third)
    assert offer.replaces_city == decisions[second].city and offer.recipient.email == decisions[third].recipient.email
    listing = (await client.get(f"/api/v1/staff/calls/{slug}/applications", headers=ADMIN)).json()
    statuses = {row["id"]: row["status"] for row in listing["applications"]}
    assert statuses == {first: "selected", second: "withdrawn", third: "selected", fourth: "rejected"}
    assert sum(1 for s in statuses.values() if s == "selected") <= listing["quota"]
    assert (await last_event(db, "ApplicationWithdrawn", second)).was_selected is True

    # the offered city's focal point signs up, then names a deputy
    signup = token_of(offer.signup_url)
    page = await client.get(f"/api/v1/cities/signup/{signup}")
    assert page.status_code == 200 and page.json()["status"] == "pending"
    assert (await client.post(f"/api/v1/cities/signup/{signup}", json={"accept_terms": False})).status_code == 422
    joined = await client.post(f"/api/v1/cities/signup/{signup}", json={"accept_terms": True})
    assert joined.status_code == 200 and joined.json()["status"] == "signed_up"
    await client.post(f"/api/v1/cities/signup/{signup}", json={"accept_terms": True})  # twice: no second event
    [signed] = await events(db, "CitySignedUp", str(offer.city_id))
    assert signed.role == "associated" and signed.focal_point.person_id == offer.recipient.person_id
    contacts = {
        "contacts": [
            {
                "designation": "focal_point",
                "name": offer.recipient.name,
                "email": str(offer.recipient.email),
                "language": "pl",
            },
            {"designation": "deputy", "name": "Piotr Zieliński", "email": email(), "language": "en"},
        ]
    }
    changed = await client.put(f"/api/v1/cities/signup/{signup}/contacts", json=contacts)
    assert changed.status_code == 200
    contact_event = await last_event(db, "ContactChanged", str(offer.city_id))
    assert contact_event.deputy.name == "Piotr Zieliński" and contact_event.changed_by == "focal point"
    assert contact_event.focal_point.person_id == signed.focal_point.person_id

    # CSV export, best first, and the audit trail
    export = await client.get(f"/api/v1/staff/calls/{slug}/export.csv", headers=ADMIN)
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.text.lstrip("\ufeff"))))
    assert [r["id"] for r in rows][:1] == [first] and rows[0]["score"] and rows[0]["contact_email"]
    log = (await client.get("/api/v1/staff/audit", params={"subject": first}, headers=ADMIN)).json()
    actions = {entry["action"] for entry in log}
    assert {"application.submitted", "review.moved", "review.scored", "decision.staged"} <= actions
    assert any(e["actor"] == "admin:Marta" and e["reason"] == "panel meeting" for e in log)


async def test_illegal_transitions_are_409(client):
    slug = await new_call(client)
    application_id = await apply(client, slug, email())
    response = await client.post(
        f"/api/v1/staff/applications/{application_id}/status", json={"status": "shortlisted"}, headers=ADMIN
    )
    assert response.status_code == 409 and response.json()["detail"]["code"] == "transition"
    assert (await stage(client, application_id, "selected")).status_code == 409


async def test_more_information_reopens_editing_and_the_answer_resumes_review(client, db):
    slug = await new_call(client)
    application_id = await apply(client, slug, email())
    await staff_move(client, application_id, "under_review")
    asked = await client.post(
        f"/api/v1/staff/applications/{application_id}/more-information",
        json={"message": "Please describe your stadium security.", "days": 10},
        headers=ADMIN,
    )
    assert asked.status_code == 200 and asked.json()["status"] == "more_info_requested"
    request = await last_event(db, "MoreInformationRequested", application_id)
    assert request.message == "Please describe your stadium security." and request.requested_by == "Marta"
    token = token_of(request.edit_url)
    current = (await client.get(f"/api/v1/applications/{token}")).json()
    answer = current["answers"] | {"experience": "Stadium: 40,000 seats, joint control room.", "consent": True}
    edited = await client.put(f"/api/v1/applications/{token}", json=answer)
    assert edited.status_code == 200, edited.text
    assert edited.json()["status"] == "under_review"
    updated = await last_event(db, "ApplicationUpdated", application_id)
    assert updated.answers_more_information_request is True and updated.changed_fields == ("experience",)


async def test_staff_create_and_change_calls_with_field_errors(client, db):
    slug = await new_call(client, quota=3)
    body = {"title": {"en": "Renamed"}, "opens_at": "2030-01-01T00:00:00+01:00", "closes_at": "2029-01-01T00:00:00Z"}
    bad = await client.put(f"/api/v1/staff/calls/{slug}", json=body, headers=ADMIN)
    assert bad.status_code == 422 and "closes_at must be after opens_at" in bad.text
    body["closes_at"] = "2030-03-01T23:59:00+01:00"
    assert (await client.put(f"/api/v1/staff/calls/{slug}", json=body, headers=ADMIN)).status_code == 200
    call = (await client.get(f"/api/v1/calls/{slug}")).json()
    assert call["title"] == {"en": "Renamed"} and call["quota"] == 11 and not call["is_open"]
    assert len(await events(db, "CallOpened", slug)) == 2
    taken = await client.post("/api/v1/staff/calls", json=body | {"slug": slug}, headers=ADMIN)
    assert taken.status_code == 409


async def _every_page(client, slug: str, headers: dict, limit: int, **filters) -> tuple[list[dict], list[dict]]:
    """The list walked a window at a time by `next_offset`, and each answer without its rows."""
    rows, answers, offset = [], [], 0
    while offset is not None:
        params = {"limit": limit, "offset": offset} | filters
        answer = await client.get(f"/api/v1/staff/calls/{slug}/applications", params=params, headers=headers)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        rows += body.pop("applications")
        answers.append(body)
        offset = body["next_offset"]
    return rows, answers


async def test_a_burst_is_listed_a_window_at_a_time_in_the_viewers_order(client, db):
    slug = await new_call(client, quota=5)
    ids = await load_applications(db, slug, 130)
    german = await load_applications(db, slug, 3, country="DE", start=datetime.now(UTC) - timedelta(hours=1))
    await load_scores(db, {a: 1 + n % 5 for n, a in enumerate(ids[:60])}, "Marta")
    await load_scores(db, {a: 5 - n for n, a in enumerate(ids[100:104])}, "Ilyana")
    path = f"/api/v1/staff/calls/{slug}/applications"

    first = (await client.get(path, headers=ADMIN)).json()
    assert (first["total"], first["offset"], first["limit"], first["next_offset"]) == (133, 0, 50, 50)
    assert len(first["applications"]) == 50
    whole = (await client.get(path, params={"limit": 200}, headers=ADMIN)).json()
    assert whole["next_offset"] is None and len(whole["applications"]) == 133
    rows, answers = await _every_page(client, slug, ADMIN, 50)
    assert rows == whole["applications"] and [a["offset"] for a in answers] == [0, 50, 100]
    assert [r["rank"] for r in rows] == list(range(1, 134))  # the admin's ranking runs on across windows
    scores = [r["score"] for r in rows if r["score"] is not None]
    assert scores == sorted(scores, reverse=True) and len(scores) == 64

    # a reviewer: the four they scored ranked first, then everyone else unranked, in order of submission
    rows, _ = await _every_page(client, slug, REVIEWER, 37)
    assert [(r["id"], r["rank"]) for r in rows[:4]] == [(a, n) for n, a in enumerate(ids[100:104], start=1)]
    others = [a for a in ids + german if a not in ids[100:104]]
    assert [r["id"] for r in rows[4:]] == others and {r["rank"] for r in rows[4:]} == {None}
    assert {r["score"] for r in rows[4:]} == {None}  # Marta's scores stay hidden, page after page

    germans, answers = await _every_page(client, slug, ADMIN, 2, country="DE")
    assert [a["total"] for a in answers] == [3, 3] and {r["id"] for r in germans} == set(german)
    past = (await client.get(path, params={"offset": 500}, headers=ADMIN)).json()
    assert past["applications"] == [] and past["total"] == 133 and past["next_offset"] is None

    export = await client.get(f"/api/v1/staff/calls/{slug}/export.csv", headers=ADMIN)
    listed = list(csv.DictReader(io.StringIO(export.text.lstrip("\ufeff"))))
    assert [r["id"] for r in listed] == [r["id"] for r in whole["applications"]]  # complete, best first


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"limit": 0}, "limit", "greater than or equal to 1"),
        ({"limit": 201}, "limit", "less than or equal to 200"),
        ({"offset": -1}, "offset", "greater than or equal to 0"),
        ({"offset": 10**9 + 1}, "offset", "less than or equal to 1000000000"),
        ({"limit": "all"}, "limit", "valid integer"),
    ],
)
async def test_a_window_out_of_bounds_is_a_422_on_its_field(client, params, field, words):
    path = "/api/v1/staff/calls/pactesur-2-associated-cities/applications"
    answer = await client.get(path, params=params, headers=ADMIN)
    assert answer.status_code == 422
    [problem] = answer.json()["detail"]
    assert problem["loc"] == ["query", field] and words in problem["msg"]


async def test_a_list_reads_the_full_rows_of_its_window_only_and_an_export_each_row_once(
    stack, client, db, monkeypatch
):
    slug = await new_call(client, quota=5)
    ids = await load_applications(db, slug, 75)
    await load_scores(db, {a: 1 + n % 5 for n, a in enumerate(ids)}, "Marta")
    read: list[int] = []
    real = applications.applications_by_id

    async def counted(conn, application_ids):
        read.append(len(application_ids))
        return await real(conn, application_ids)

    monkeypatch.setattr(applications, "applications_by_id", counted)
    monkeypatch.setattr(selection, "EXPORT_BATCH", 20)
    pool = await create_pool(stack.config.database_url, "registration", max_size=2)
    try:
        deps = deps_at(stack, pool, datetime.now(UTC))
        admin = StaffMember("Marta", "admin")
        found = await selection.call_applications(deps, slug, admin, window=Window(50, 20))
        assert read == [20] and found.page.total == 75 and [a.rank for a in found.listed] == list(range(51, 71))
        read.clear()
        text = await selection.export_applications(deps, slug)
    finally:
        await pool.close()
    assert read == [20, 20, 20, 15]
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 75 and len({r["id"] for r in rows}) == 75 and text.count("submitted_at") == 1
    scores = [float(r["score"]) for r in rows]
    assert scores == sorted(scores, reverse=True)
