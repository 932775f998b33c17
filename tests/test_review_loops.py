"""The loops of issue [4/6] that stopped halfway (section 2), over the real stack: the applicant answers
staff's question; the waiting list is told; review moves and staged decisions are events; a selected
city that does not sign up is reminded, staff told, and its place given on. The findings of section 1
are tests/test_correctness_findings.py's."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest

from services.registration.domain.cities import (
    City,
    NotOverdue,
    ensure_place_may_be_given_on,
    followed_up,
    signup_follow_up,
)
from services.registration.workflows.cities import follow_up_signups, give_place_to_waitlist
from shared.contracts.events import new_event
from tests.conftest import ADMIN_TOKEN, STAFF
from tests.registration_helpers import (
    ADMIN,
    apply,
    deps_at,
    email,
    events,
    last_event,
    new_call,
    selected,
    staff_move,
    stage,
    token_of,
)
from tests.test_registration_city_pages import staff_browser
from tests.test_registration_staff_pages import csrf_of
from tests.test_scheduling_flow import activity_body, focal_point_headers, member_known, nominee, sign_up_city

SCORES = {"relevance": 5, "experience": 4, "cooperation": 3, "commitment": 5}
T0 = datetime(2027, 1, 1, tzinfo=UTC)


def scheduling_event(payload):
    return new_event(payload, key="a", event_id=uuid.uuid4(), occurred_at=T0, producer="scheduling", correlation_id="c")


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
    person = f"Jānis Ozols {uuid.uuid4().hex[:4]}"  # the sink is shared: other tests nominate a Jānis Ozols too
    async with httpx.AsyncClient(base_url=stack["scheduling"].url, timeout=15) as api:
        await member_known(api, city)
        created = await api.post("/api/v1/activities", json=activity_body(timedelta(days=40)), headers=ADMIN)
        activity_id = created.json()["activity"]["activity_id"]
        headers = await focal_point_headers(api, city)
        url = f"/api/v1/activities/{activity_id}/nominations"
        first = (await api.post(url, json=nominee(city), headers=headers)).json()
        waiting = nominee(city, name=person, language="de", timezone="Europe/Berlin")
        second = (await api.post(url, json=waiting, headers=headers)).json()
        assert (second["status"], second["waitlist_position"]) == ("waitlisted", 1)

        [told] = await smtp_sink.wait_for(lambda m: waiting["email"] in m.rcpt_tos, timeout=30)
        assert told.language == "de" and "Warteliste" in told.subject and "1" in told.text_body
        assert not has_calendar(told)  # no place, no calendar entry
        [city_told] = await smtp_sink.wait_for(lambda m: person in m.subject and m.language == "lv", timeout=30)

        cancelled = await api.post(f"/api/v1/nominations/{first['nomination_id']}/cancel", json={}, headers=headers)
        assert cancelled.status_code == 200
        invited = await smtp_sink.wait_for(lambda m: waiting["email"] in m.rcpt_tos, count=2, timeout=30)
        assert has_calendar(invited[-1])  # promoted: the invitation
        about = await smtp_sink.wait_for(lambda m: person in m.subject and m.language == "lv", count=2)
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
