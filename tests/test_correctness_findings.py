"""The review findings of issue [4/6], one test each, named after the finding; each failed on the code
before its fix. Findings 8 (a selected city gives its place back from a page) and the city portal are
tested in tests/test_registration_city_portal.py; finding 10 (the rate limit) in tests/test_rate_limits.py."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import icalendar
import pytest

from services.notifications.domain.routes import plan
from services.registration.domain.calls import DEFAULT_CRITERIA, Criterion
from services.registration.domain.scoring import order_for_viewer, weighted_score
from services.scheduling.domain.activities import RuleBroken
from shared.calendar import build_ics, calendar, invitation_event
from shared.contracts import ActivityRescheduled
from shared.contracts.events import new_event
from tests.conftest import ADMIN_TOKEN
from tests.registration_helpers import (
    ADMIN,
    REVIEWER,
    apply,
    email,
    form,
    new_call,
    signed_up,
    staff_move,
    stage,
)
from tests.test_notifications_calendar import activity, invitation
from tests.test_registration_city_pages import staff_browser
from tests.test_scheduling_domain import _rows
from tests.test_scheduling_flow import member_known

SCORES = {"relevance": 5, "experience": 4, "cooperation": 3, "commitment": 5}
T0 = datetime(2027, 1, 1, tzinfo=UTC)


def scheduling_event(payload):
    return new_event(payload, key="a", event_id=uuid.uuid4(), occurred_at=T0, producer="scheduling", correlation_id="c")


# --- 1. Hidden peer scores leak through the order ------------------------------------------------


def test_1_hidden_peer_scores_do_not_leak_through_the_order_rule():
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    scores = {a: 2.0, b: 4.5, c: 3.0}
    submitted = {a: T0, b: T0 + timedelta(hours=1), c: T0 + timedelta(hours=2)}
    assert order_for_viewer(scores, submitted, set(), viewer_is_admin=True) == [(b, 1), (c, 2), (a, 3)]
    assert order_for_viewer(scores, submitted, set(), viewer_is_admin=False) == [(a, None), (b, None), (c, None)]
    assert order_for_viewer(scores, submitted, {c, a}, viewer_is_admin=False) == [(c, 1), (a, 2), (b, None)]


async def test_1_hidden_peer_scores_do_not_leak_to_an_unscored_reviewer(client):
    slug = await new_call(client, quota=3)
    ids = [await apply(client, slug, email()) for _ in range(3)]
    for application_id, value in zip(ids, (2, 5, 3), strict=True):
        await staff_move(client, application_id, "under_review")
        scored = await client.put(
            f"/api/v1/staff/applications/{application_id}/review",
            json={"scores": dict.fromkeys(SCORES, value)},
            headers=ADMIN,
        )
        assert scored.status_code == 200
    path = f"/api/v1/staff/calls/{slug}/applications"
    admin = (await client.get(path, headers=ADMIN)).json()["applications"]
    assert [a["id"] for a in admin] == [ids[1], ids[2], ids[0]] and [a["rank"] for a in admin] == [1, 2, 3]
    reviewer = (await client.get(path, headers=REVIEWER)).json()["applications"]
    assert [a["id"] for a in reviewer] == ids  # in order of submission
    assert {a["rank"] for a in reviewer} == {None} and {a["score"] for a in reviewer} == {None}

    mine = await client.put(f"/api/v1/staff/applications/{ids[0]}/review", json={"scores": SCORES}, headers=REVIEWER)
    assert mine.status_code == 200
    reviewer = (await client.get(path, headers=REVIEWER)).json()["applications"]
    assert [(a["id"], a["rank"]) for a in reviewer] == [(ids[0], 1), (ids[1], None), (ids[2], None)]


# --- 2. A criterion added after reviews: KeyError, 500 -------------------------------------------


def test_2_a_review_keeps_the_criteria_it_was_given():
    added = (*DEFAULT_CRITERIA, Criterion(key="innovation", name={"en": "Innovation"}, weight=5))
    assert weighted_score(SCORES, added) == weighted_score(SCORES, DEFAULT_CRITERIA) == 4.4
    assert weighted_score(SCORES, (Criterion(key="other", name={"en": "Other"}, weight=1),)) is None


async def test_2_adding_a_criterion_after_reviews_keeps_lists_and_pages_working(client, stack):
    slug = await new_call(client, quota=2)
    application_id = await apply(client, slug, email())
    await staff_move(client, application_id, "under_review")
    review = f"/api/v1/staff/applications/{application_id}/review"
    assert (await client.put(review, json={"scores": SCORES}, headers=ADMIN)).status_code == 200
    call = (await client.get(f"/api/v1/calls/{slug}")).json()
    criteria = [
        {"key": "relevance", "name": {"en": "Relevance"}, "weight": 3},
        {"key": "experience", "name": {"en": "Experience"}, "weight": 2},
        {"key": "cooperation", "name": {"en": "Cooperation"}, "weight": 2},
        {"key": "commitment", "name": {"en": "Commitment"}, "weight": 3},
        {"key": "innovation", "name": {"en": "Innovation"}, "weight": 5},
    ]
    spec = {"title": {"en": "Test call"}, "opens_at": call["opens_at"], "closes_at": call["closes_at"], "quota": 2}
    changed = await client.put(f"/api/v1/staff/calls/{slug}", json=spec | {"criteria": criteria}, headers=ADMIN)
    assert changed.status_code == 200, changed.text

    listed = await client.get(f"/api/v1/staff/calls/{slug}/applications", headers=ADMIN)
    assert listed.status_code == 200 and listed.json()["applications"][0]["score"] == 4.4
    detail = await client.get(f"/api/v1/staff/applications/{application_id}", headers=ADMIN)
    assert detail.status_code == 200
    [shown] = detail.json()["reviews"]
    assert shown["weighted"] == 4.4 and shown["weighted_from"] == [
        "relevance",
        "experience",
        "cooperation",
        "commitment",
    ]
    incomplete = await client.put(review, json={"scores": SCORES}, headers=REVIEWER)
    assert incomplete.status_code == 422  # a new review scores today's criteria, all of them

    async with staff_browser(stack, ADMIN_TOKEN) as browser:
        assert (await browser.get(f"/staff/calls/{slug}")).status_code == 200
        page = await browser.get(f"/staff/applications/{application_id}")
        assert page.status_code == 200 and "computed from" in page.text


# --- 3. A quota lowered below the selected ---------------------------------------------------------


async def test_3_lowering_the_quota_below_the_places_taken_is_refused(client):
    slug = await new_call(client, quota=2)
    ids = [await apply(client, slug, email()) for _ in range(2)]
    for application_id in ids:
        await staff_move(client, application_id, "under_review", "shortlisted")
        assert (await stage(client, application_id, "selected")).status_code == 200
    call = (await client.get(f"/api/v1/calls/{slug}")).json()
    spec = {"title": {"en": "Test call"}, "opens_at": call["opens_at"], "closes_at": call["closes_at"]}
    lowered = await client.put(f"/api/v1/staff/calls/{slug}", json=spec | {"quota": 1}, headers=ADMIN)
    assert lowered.status_code == 409 and "2 places are taken" in lowered.json()["detail"]
    assert (await client.get(f"/api/v1/calls/{slug}")).json()["quota"] == 2  # nothing saved
    released = await client.post(f"/api/v1/staff/calls/{slug}/release", headers=ADMIN)
    assert released.status_code == 200, released.text
    raised = await client.put(f"/api/v1/staff/calls/{slug}", json=spec | {"quota": 5}, headers=ADMIN)
    assert raised.status_code == 200


# --- 4. The emailed ICS and the linked ICS disagree on tentative dates -----------------------------


def test_4_the_emailed_and_the_linked_ics_say_the_same_of_tentative_dates():
    tentative = activity().model_copy(update={"status": "tentative", "tentative_note": "only the month is known"})
    person = invitation("camille@lyon.example.eu")
    payload = ActivityRescheduled(
        activity=tentative, changed_by="Marta", occurred_at=T0, invitations=(person,), changed_fields=("status",),
        previous_starts_at=tentative.starts_at, previous_ends_at=tentative.ends_at, previous_venue=tentative.venue,
    )  # fmt: skip
    event = new_event(
        payload, key="a", event_id=uuid.uuid4(), occurred_at=T0, producer="scheduling", correlation_id="c"
    )
    [planned] = plan(event, ())
    emailed = icalendar.Calendar.from_ical(build_ics(planned.calendar)).walk("VEVENT")[0]
    linked = icalendar.Calendar.from_ical(calendar([invitation_event(tentative, person)], stamp=T0)).walk("VEVENT")[0]
    for vevent in (emailed, linked):
        assert str(vevent["STATUS"]) == "TENTATIVE" and "only the month is known" in str(vevent["DESCRIPTION"])


# --- 5. Waitlisted people re-invited on a reschedule -----------------------------------------------


def test_5_a_reschedule_reinvites_only_those_holding_a_place():
    confirmed = invitation("held@city.example.eu")
    waitlisted = invitation("waiting@city.example.eu").model_copy(update={"status": "waitlisted"})
    moved = activity(revision=3)
    payload = ActivityRescheduled(
        activity=moved, changed_by="Marta", occurred_at=T0, invitations=(confirmed, waitlisted),
        changed_fields=("starts_at",), previous_starts_at=moved.starts_at, previous_ends_at=moved.ends_at,
        previous_venue=moved.venue,
    )  # fmt: skip
    event = new_event(
        payload, key="a", event_id=uuid.uuid4(), occurred_at=T0, producer="scheduling", correlation_id="c"
    )
    assert [p.recipient.email for p in plan(event, ())] == ["held@city.example.eu"]


# --- 6. Tentative dates block everyone's year ------------------------------------------------------


def test_6_a_tentative_activity_takes_nominations_only_once_its_dates_are_real():
    tentative = _rows(activity_status="tentative")[0]
    before_deadline = tentative.nomination_deadline - timedelta(days=1)
    with pytest.raises(RuleBroken, match="to be confirmed"):
        tentative.accepts_nominations(before_deadline)
    _rows(activity_status="confirmed")[0].accepts_nominations(before_deadline)


# --- 7. A city that withdrew may apply again; names fold diacritics --------------------------------


async def test_7_a_city_that_withdrew_may_apply_again(client):
    slug = await new_call(client)
    first = await apply(client, slug, email(), city="Cēsis", country="LV")
    withdrawn = await client.post(
        f"/api/v1/staff/applications/{first}/withdrawal", json={"reason": "the city asked by phone"}, headers=ADMIN
    )
    assert withdrawn.status_code == 200, withdrawn.text
    again = await apply(client, slug, email(), city="Cēsis", country="LV")
    assert again != first


async def test_7_city_names_are_one_city_whatever_their_diacritics_and_case(client):
    slug = await new_call(client)
    await apply(client, slug, email(), city="Rīga", country="LV")
    path = f"/api/v1/calls/{slug}/applications"
    for spelling in ("Riga", "RĪGA", " rīga "):
        twice = await client.post(path, json=form(email(), city=spelling, country="LV"))
        assert twice.status_code == 409, (spelling, twice.text)
    other_country = await client.post(path, json=form(email(), city="Riga", country="EE"))
    assert other_country.status_code == 201


# --- 9. The registration -> scheduling chain, end to end -------------------------------------------


async def test_9_a_city_signed_up_in_registration_reaches_scheduling(client, stack, db):
    decision = await signed_up(client, db, email(), city="Valmiera", country="LV", language="lv")

    async with httpx.AsyncClient(base_url=stack["scheduling"].url, timeout=20) as scheduling:
        await member_known(scheduling, decision.city_id)
        [member] = [m for m in (await scheduling.get("/api/v1/members", headers=REVIEWER)).json()
                    if m["city_id"] == str(decision.city_id)]  # fmt: skip
    assert member["name"] == "Valmiera" and member["country"] == "LV"
