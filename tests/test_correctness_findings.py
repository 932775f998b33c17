"""The review findings of issue [4/6], one test each, named after the finding; each failed on the code
before its fix. Findings 8 (a selected city gives its place back from a page) and the city portal are
tested in tests/test_registration_city_portal.py; finding 10 (the rate limit) in tests/test_rate_limits.py."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import icalendar
import pytest

from services.notifications.domain.routes import plan
from services.registration.domain.calls import DEFAULT_CRITERIA, Criterion
from services.registration.domain.cities import (
    City,
    NotOverdue,
    ensure_place_may_be_given_on,
    followed_up,
    signup_follow_up,
)
from services.registration.domain.scoring import order_for_viewer, weighted_score
from services.registration.workflows.cities import follow_up_signups, give_place_to_waitlist
from services.scheduling.domain.activities import RuleBroken
from shared.calendar import build_ics, calendar, invitation_event
from shared.contracts import ActivityRescheduled
from shared.contracts.events import new_event
from tests.conftest import ADMIN_TOKEN, STAFF
from tests.registration_helpers import (
    ADMIN,
    REVIEWER,
    apply,
    deps_at,
    email,
    events,
    form,
    last_event,
    new_call,
    selected,
    signed_up,
    staff_move,
    stage,
    token_of,
)
from tests.test_notifications_calendar import activity, invitation
from tests.test_registration_city_pages import staff_browser
from tests.test_registration_staff_pages import csrf_of
from tests.test_scheduling_domain import _rows
from tests.test_scheduling_flow import activity_body, focal_point_headers, member_known, nominee, sign_up_city

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


# --- Section 2: "more information requested" is answered from the applicant's page -----------------


async def test_the_applicant_answers_the_staff_question_and_staff_read_it_beside_the_question(
    client, stack, db, smtp_sink
):
    slug = await new_call(client)
    city = f"Tartu {uuid.uuid4().hex[:6]}"
    application_id = await apply(client, slug, email(), city=city, country="EE", language="et")
    await staff_move(client, application_id, "under_review")
    question = "How many stewards work at your largest event?"
    asked = await client.post(
        f"/api/v1/staff/applications/{application_id}/more-information",
        json={"message": question, "days": 10},
        headers=ADMIN,
    )
    assert asked.status_code == 200
    token = token_of((await last_event(db, "MoreInformationRequested", application_id)).edit_url)
    assert (await client.get(f"/api/v1/applications/{token}")).json()["question"] == question

    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20) as applicant:
        page = await applicant.get(f"/applications/{token}")
        assert page.status_code == 200 and question in page.text and 'name="answer"' in page.text
        answering = f"/applications/{token}/answer"
        empty = await applicant.post(answering, data={"csrf_token": csrf_of(page), "answer": " "})
        assert empty.status_code == 422 and 'id="answer-error"' in empty.text
        answer = "About 350 stewards, with a joint control room."
        sent = await applicant.post(answering, data={"csrf_token": csrf_of(empty), "answer": answer})
        assert sent.status_code == 200 and 'role="status"' in sent.text and 'name="answer"' not in sent.text
        again = await applicant.post(answering, data={"csrf_token": csrf_of(sent), "answer": "x"})
        assert again.status_code == 409  # answered once

    provided = await last_event(db, "MoreInformationProvided", application_id)
    assert (provided.question, provided.answer) == (question, answer)
    detail = (await client.get(f"/api/v1/staff/applications/{application_id}", headers=ADMIN)).json()
    assert detail["status"] == "under_review"
    assert [(q["question"], q["answer"]) for q in detail["questions"]] == [(question, answer)]
    log = await db.fetch("SELECT action FROM audit_log WHERE subject = $1", application_id)
    assert "application.information_provided" in [r["action"] for r in log]
    async with staff_browser(stack, ADMIN_TOKEN) as staff:
        staff_page = await staff.get(f"/staff/applications/{application_id}")
        assert question in staff_page.text and answer in staff_page.text
    notices = await smtp_sink.wait_for(lambda m: city in m.subject and answer in m.text_body, count=2, timeout=30)
    assert {m.rcpt_tos[0] for m in notices} == set(STAFF) and all(question in m.text_body for m in notices)


# --- Section 2: the waiting list is told ------------------------------------------------------------


def has_calendar(mail) -> bool:
    return any(part.get_content_type() == "text/calendar" for part in mail.message.walk())


async def test_the_waitlisted_and_their_focal_point_are_told_then_told_again(stack, smtp_sink):
    bootstrap = stack.config.kafka_bootstrap_servers
    city = await sign_up_city(bootstrap, f"Jelgava {uuid.uuid4().hex[:4]}")
    async with httpx.AsyncClient(base_url=stack["scheduling"].url, timeout=15) as api:
        await member_known(api, city)
        created = await api.post("/api/v1/activities", json=activity_body(timedelta(days=40)), headers=ADMIN)
        activity_id = created.json()["activity"]["activity_id"]
        headers = await focal_point_headers(api, city)
        url = f"/api/v1/activities/{activity_id}/nominations"
        first = (await api.post(url, json=nominee(city), headers=headers)).json()
        waiting = nominee(city, name="Jānis Ozols", language="de", timezone="Europe/Berlin")
        second = (await api.post(url, json=waiting, headers=headers)).json()
        assert (second["status"], second["waitlist_position"]) == ("waitlisted", 1)

        [told] = await smtp_sink.wait_for(lambda m: waiting["email"] in m.rcpt_tos, timeout=30)
        assert told.language == "de" and "Warteliste" in told.subject and "1" in told.text_body
        assert not has_calendar(told)  # no place, no calendar entry
        [city_told] = await smtp_sink.wait_for(lambda m: "Jānis Ozols" in m.subject and m.language == "lv", timeout=30)

        cancelled = await api.post(f"/api/v1/nominations/{first['nomination_id']}/cancel", json={}, headers=headers)
        assert cancelled.status_code == 200
        invited = await smtp_sink.wait_for(lambda m: waiting["email"] in m.rcpt_tos, count=2, timeout=30)
        assert has_calendar(invited[-1])  # promoted: the invitation
        about = await smtp_sink.wait_for(lambda m: "Jānis Ozols" in m.subject and m.language == "lv", count=2)
        assert about[0].subject != about[1].subject  # waiting list, then place confirmed

        third = nominee(city, name="Ilze Kalna")
        assert (await api.post(url, json=third, headers=headers)).json()["status"] == "waitlisted"
        reason = {"reason": "The venue is no longer available."}
        assert (
            await api.post(f"/api/v1/activities/{activity_id}/cancel", json=reason, headers=ADMIN)
        ).status_code == 200
        told_third = await smtp_sink.wait_for(lambda m: third["email"] in m.rcpt_tos, count=2, timeout=30)
        assert not any(has_calendar(m) for m in told_third)  # waiting list, then its end: no calendar


# --- Section 2: review moves and staged decisions are events ----------------------------------------


async def test_review_moves_and_staged_decisions_are_emitted(client, db):
    slug = await new_call(client, quota=1)
    application_id = await apply(client, slug, email())
    await staff_move(client, application_id, "under_review", "shortlisted")
    assert (await stage(client, application_id, "selected")).status_code == 200
    moves = await events(db, "ApplicationMoved", application_id)
    assert [(m.moved_from, m.moved_to, m.moved_by) for m in moves] == [
        ("submitted", "under_review", "Marta"),
        ("under_review", "shortlisted", "Marta"),
    ]
    [staged] = await events(db, "DecisionStaged", application_id)
    assert staged.decision == "selected" and staged.staged_by == "Marta"


# --- Section 2: a selected city that never signs up -------------------------------------------------


def test_a_pending_sign_up_is_reminded_once_then_overdue_once():
    due = T0 + timedelta(days=60)
    city = City(uuid.uuid4(), "Cēsis", "LV", "associated", ("lv",), "Europe/Riga", (), application_id=uuid.uuid4(),
                signup_due_at=due)  # fmt: skip
    assert signup_follow_up(city, due - timedelta(days=20)) is None
    assert signup_follow_up(city, due - timedelta(days=13)) == "remind"
    reminded = followed_up(city, "remind", due - timedelta(days=13))
    assert signup_follow_up(reminded, due - timedelta(days=1)) is None
    assert signup_follow_up(reminded, due) == "overdue"
    assert signup_follow_up(followed_up(reminded, "overdue", due), due + timedelta(days=5)) is None
    assert signup_follow_up(dataclasses.replace(city, status="signed_up"), due) is None
    with pytest.raises(NotOverdue):
        ensure_place_may_be_given_on(city, due - timedelta(seconds=1))
    ensure_place_may_be_given_on(city, due)


async def test_a_city_that_does_not_sign_up_is_reminded_staff_told_and_its_place_given_on(client, stack, db, smtp_sink):
    city = f"Tukums {uuid.uuid4().hex[:4]}"
    decision = await selected(client, db, email(), waitlisted=1, city=city, country="LV", language="lv")
    waiting = await db.fetchval(
        "SELECT id::text FROM applications WHERE call_slug = (SELECT call_slug FROM applications WHERE id = $1)"
        " AND status = 'waitlisted'",
        decision.application_id,
    )
    due = decision.signup_expires_at
    pool = await asyncpg.create_pool(stack.config.database_url, min_size=1, max_size=2,
                                     server_settings={"search_path": "registration"})  # fmt: skip
    try:
        assert await follow_up_signups(deps_at(stack, pool, due - timedelta(days=13))) >= 1
        [reminder] = await events(db, "CitySignUpReminder", str(decision.city_id))
        assert reminder.signup_due_at == due and "/cities/signup/" in reminder.signup_url
        await smtp_sink.wait_for(lambda m: decision.recipient.email in m.rcpt_tos and m.language == "lv", count=3)
        await follow_up_signups(deps_at(stack, pool, due - timedelta(days=12)))
        assert len(await events(db, "CitySignUpReminder", str(decision.city_id))) == 1  # once

        early = await client.post(f"/api/v1/staff/cities/{decision.city_id}/place-release", headers=ADMIN)
        assert early.status_code == 409  # not overdue yet
        await follow_up_signups(deps_at(stack, pool, due + timedelta(minutes=1)))
        assert await events(db, "CitySignUpOverdue", str(decision.city_id))
        given = await give_place_to_waitlist(
            deps_at(stack, pool, due + timedelta(minutes=2)), decision.city_id, "admin:Marta"
        )
        assert given is True
        offered = await last_event(db, "PlaceOffered", waiting)
        assert offered.replaces_city == decision.city
    finally:
        await pool.close()
