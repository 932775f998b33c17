"""Retention by stage (issue 13 §4): the "is it due" rules of each service, then each job over the session
stack's real PostgreSQL with its clock moved on: withdrawn and waitlisted applicants (registration),
participants of ended activities (scheduling), the bodies of old emails (notifications)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from services.notifications.domain.delivery import NewDelivery
from services.notifications.domain.retention import KeptBody, body_erasure_due
from services.notifications.storage.deliveries import add_deliveries
from services.notifications.workflows.retention import erase_old_bodies
from services.registration.domain.retention import Retention, erasure_due
from services.registration.workflows.applicant import withdraw
from services.registration.workflows.cities import city as city_of
from services.registration.workflows.cities import decline_place, sign_up
from services.registration.workflows.privacy import erase_expired
from services.scheduling.domain.cities import Actor
from services.scheduling.domain.retention import participants_erasure_due
from services.scheduling.workflows.nominating import record_attendance
from services.scheduling.workflows.retention import erase_ended
from shared.dependencies import Dependencies
from shared.settings import Settings
from shared.storage.database import create_pool
from tests.registration_helpers import ADMIN, apply, email, events, last_event, new_call, staff_move, stage
from tests.test_scheduling_flow import REVIEWER, activity_body, member_known, nominee, sign_up_city

DAY = timedelta(days=1)
CLOSES = datetime(2027, 3, 1, 12, tzinfo=UTC)
RETENTION = Retention(withdrawn=90 * DAY, waitlisted=180 * DAY, rejected=180 * DAY)


# --- the rules ---------------------------------------------------------------------------------------


def due(status: str, now: datetime, *, withdrawn_at=None, erased_at=None, places_to_offer=False) -> bool:
    return erasure_due(status, erased_at, CLOSES, withdrawn_at, now, RETENTION, places_to_offer=places_to_offer)


def test_a_withdrawn_application_is_kept_after_the_withdrawal_or_the_close_whichever_is_later():
    before_close = CLOSES - 20 * DAY
    assert not due("withdrawn", CLOSES + 90 * DAY - timedelta(seconds=1), withdrawn_at=before_close)
    assert due("withdrawn", CLOSES + 90 * DAY, withdrawn_at=before_close)
    after_close = CLOSES + 30 * DAY  # a selected city gave its place back
    assert not due("withdrawn", CLOSES + 119 * DAY, withdrawn_at=after_close)
    assert due("withdrawn", CLOSES + 120 * DAY, withdrawn_at=after_close)
    assert due("withdrawn", CLOSES + 90 * DAY)  # rows of before withdrawn_at: from the close


def test_a_waitlisted_city_is_kept_while_still_in_line():
    assert not due("waitlisted", CLOSES + 180 * DAY - timedelta(seconds=1))
    assert due("waitlisted", CLOSES + 180 * DAY)
    assert not due("waitlisted", CLOSES + 900 * DAY, places_to_offer=True)
    assert due("rejected", CLOSES + 180 * DAY, places_to_offer=True)  # only the waiting list waits


def test_selected_undecided_and_erased_applications_are_not_due():
    for status in ("selected", "submitted", "under_review", "more_info_requested", "shortlisted"):
        assert not due(status, CLOSES + 9000 * DAY)
    assert not due("rejected", CLOSES + 900 * DAY, erased_at=CLOSES)


def test_the_periods_come_from_the_settings():
    settings = Settings(database_url="postgresql://x/y", kafka_bootstrap_servers="k:9092", secret_key="s" * 32)
    assert Retention.of(settings) == RETENTION
    assert (settings.participant_retention_days, settings.delivery_body_retention_days) == (365, 90)
    assert settings.waitlisted_retention_days <= settings.rejected_retention_days  # what the consent says


def test_participants_are_kept_a_period_after_the_activity_ended():
    ends, keep = CLOSES, 365 * DAY
    assert not participants_erasure_due("done", ends, ends + keep - timedelta(seconds=1), keep)
    assert participants_erasure_due("done", ends, ends + keep, keep)
    assert participants_erasure_due("planned", ends, ends + keep, keep)  # never marked done
    assert participants_erasure_due("cancelled", ends, ends + keep, keep)
    assert not participants_erasure_due("tentative", ends, ends + keep * 3, keep)  # its dates are a placeholder


@pytest.mark.parametrize("status", ["sent", "failed", "suppressed", "bounced", "digested"])
def test_a_settled_email_loses_its_body_after_the_period(status):
    keep, sent = 90 * DAY, CLOSES if status in ("sent", "bounced") else None
    row = KeptBody(1, status, created_at=CLOSES - 2 * DAY if sent else CLOSES, sent_at=sent)
    assert not body_erasure_due(row, CLOSES + keep - timedelta(seconds=1), keep)
    assert body_erasure_due(row, CLOSES + keep, keep)


@pytest.mark.parametrize("status", ["pending", "sending", "retrying", "held"])
def test_an_email_still_to_send_keeps_its_body(status):
    assert not body_erasure_due(KeptBody(1, status, CLOSES, None), CLOSES + 900 * DAY, 90 * DAY)


# --- registration ------------------------------------------------------------------------------------


async def erase_all(job, deps: Dependencies) -> None:
    """Run a retention job until a round erases nothing (the session database holds every test's rows,
    more than one round's batch)."""
    for _ in range(100):
        if await job(deps) == 0:
            return
    pytest.fail("the retention job never caught up")


async def erased_at(db, application_id: str):
    return await db.fetchval("SELECT erased_at FROM applications WHERE id = $1", uuid.UUID(application_id))


async def erasures(db, application_id: str) -> list[dict]:
    rows = await db.fetch(
        "SELECT actor, reason, details::text AS details FROM audit_log WHERE action = 'application.erased'"
        " AND subject = $1",
        application_id,
    )
    return [dict(r) for r in rows]


async def test_a_withdrawn_applicant_is_erased_after_the_period_and_erased_everywhere(client, db, at):
    slug = await new_call(client)
    person = email()
    application_id = await apply(client, slug, person)
    await withdraw(at(datetime.now(UTC)), uuid.UUID(application_id))
    closes = datetime.fromisoformat((await client.get(f"/api/v1/calls/{slug}")).json()["closes_at"])

    await erase_all(erase_expired, at(closes + 90 * DAY - timedelta(minutes=1)))
    assert await erased_at(db, application_id) is None
    await erase_all(erase_expired, at(closes + 90 * DAY))
    row = await db.fetchrow(
        "SELECT contact_email, erased_at FROM applications WHERE id = $1", uuid.UUID(application_id)
    )
    assert row["contact_email"] is None and row["erased_at"] == closes + 90 * DAY
    person_id = (await last_event(db, "ApplicationSubmitted", application_id)).contact_person_id
    [erased] = await events(db, "PersonErased", str(person_id))
    assert erased.reason == "retention" and str(erased.email).lower() == person
    [audited] = await erasures(db, application_id)
    assert audited["actor"] == "system:retention" and '"stage": "withdrawn"' in audited["details"]
    assert '"kept_days": 90' in audited["details"]


async def test_the_waiting_list_is_kept_while_a_place_may_still_be_offered(client, db, at):
    slug = await new_call(client, quota=1)
    chosen, first, second = [await apply(client, slug, email()) for _ in range(3)]
    for application_id, decision in [(chosen, "selected"), (first, "waitlisted"), (second, "waitlisted")]:
        await staff_move(client, application_id, "under_review", "shortlisted")
        assert (await stage(client, application_id, decision)).status_code == 200
    assert (await client.post(f"/api/v1/staff/calls/{slug}/release", headers=ADMIN)).status_code == 200
    closes = datetime.fromisoformat((await client.get(f"/api/v1/calls/{slug}")).json()["closes_at"])
    selected_city = (await last_event(db, "DecisionReleased", chosen)).city_id

    await erase_all(erase_expired, at(closes + 200 * DAY))  # period over, but the selected city has not signed up
    assert [await erased_at(db, a) for a in (first, second)] == [None, None]

    gave_back = at(closes + 210 * DAY)
    assert await decline_place(gave_back, await city_of(gave_back, selected_city))
    offered = await last_event(db, "PlaceOffered", first)
    await erase_all(erase_expired, at(closes + 299 * DAY))  # the first one was offered the place: still pending
    assert [await erased_at(db, a) for a in (chosen, second)] == [None, None]  # withdrawn at +210: due at +300

    await sign_up(at(closes + 299 * DAY), offered.city_id)  # no place left to offer
    await erase_all(erase_expired, at(closes + 300 * DAY))
    assert await erased_at(db, first) is None  # selected and signed up: the city's own record
    assert await erased_at(db, chosen) == closes + 300 * DAY
    assert await erased_at(db, second) == closes + 300 * DAY
    [audited] = await erasures(db, second)
    assert '"stage": "waitlisted"' in audited["details"] and '"kept_days": 180' in audited["details"]
    assert '"stage": "withdrawn"' in (await erasures(db, chosen))[0]["details"]


# --- scheduling --------------------------------------------------------------------------------------


@pytest.fixture
async def scheduling(stack):
    pool = await create_pool(stack.config.database_url, "scheduling", max_size=2)
    settings = Settings(
        database_url=stack.config.database_url,
        kafka_bootstrap_servers=stack.config.kafka_bootstrap_servers,
        secret_key=stack.config.secret_key,
    )
    yield pool, lambda moment: Dependencies.of("scheduling", pool, settings, clock=lambda: moment)
    await pool.close()


async def test_participants_of_an_ended_activity_become_placeholders_and_the_report_stays(
    stack, infrastructure, scheduling
):
    pool, at_time = scheduling
    city = await sign_up_city(infrastructure.kafka_bootstrap_servers, f"Ventspils {uuid.uuid4().hex[:4]}")
    async with httpx.AsyncClient(base_url=stack["scheduling"].url, timeout=15, headers=ADMIN) as client:
        await member_known(client, city)
        created = await client.post("/api/v1/activities", json=activity_body(timedelta(days=2)))
        assert created.status_code == 201, created.text
        activity = created.json()["activity"]
        url = f"/api/v1/activities/{activity['activity_id']}/nominations"
        people = [nominee(city, accessibility_needs="wheelchair"), nominee(city, name="Jānis Ozols")]
        confirmed, waitlisted = [(await client.post(url, json=p)).json() for p in people]
        assert (confirmed["status"], waitlisted["status"]) == ("confirmed", "waitlisted")
        starts, ends = (datetime.fromisoformat(activity[k]) for k in ("starts_at", "ends_at"))
        await record_attendance(at_time(starts + DAY), uuid.UUID(confirmed["nomination_id"]), True, Actor("staff"))
        report = await line_of(client, activity["activity_id"])

        await erase_all(erase_ended, at_time(ends + 365 * DAY - timedelta(minutes=1)))
        assert (await nomination_rows(pool, activity["activity_id"]))[0]["erased_at"] is None
        await erase_all(erase_ended, at_time(ends + 365 * DAY))
        rows = await nomination_rows(pool, activity["activity_id"])
        assert [(r["status"], r["attended"]) for r in rows] == [("confirmed", True), ("waitlisted", None)]
        for row in rows:
            assert row["name"] == "(erased)" and row["email"].endswith("@erased.pactesur.efus.eu")
            assert row["rank"] is None and row["accessibility_needs"] is None
            assert row["erased_at"] == ends + 365 * DAY
        assert await line_of(client, activity["activity_id"]) == report


async def nomination_rows(pool, activity_id: str) -> list:
    return await pool.fetch(
        "SELECT name, email, rank, accessibility_needs, status, attended, erased_at FROM nominations"
        " WHERE activity_id = $1 ORDER BY waiting_since",
        uuid.UUID(activity_id),
    )


async def line_of(client: httpx.AsyncClient, activity_id: str) -> dict:
    report = (await client.get("/api/v1/report", headers=REVIEWER)).json()
    return next(r for r in report if r["activity_id"] == activity_id)


# --- notifications -----------------------------------------------------------------------------------


@pytest.fixture
async def notifications(stack):
    pool = await create_pool(stack.config.database_url, "notifications", max_size=2)
    settings = Settings(
        database_url=stack.config.database_url,
        kafka_bootstrap_servers=stack.config.kafka_bootstrap_servers,
        secret_key=stack.config.secret_key,
    )
    yield pool, lambda moment: Dependencies.of("notifications", pool, settings, clock=lambda: moment)
    await pool.close()


def an_email(status: str) -> NewDelivery:
    return NewDelivery(
        event_id=uuid.uuid4(), recipient=email(), template="application_received", event_type="ApplicationSubmitted",
        essential=True, language="en", message_id=f"<{uuid.uuid4()}@test>", subject="Your application",
        body_text="Dear Agnieszka Nowak", body_html="<p>Dear Agnieszka Nowak</p>", correlation_id="test",
        status=status, decision="essential", event='{"payload": {}}', calendar="BEGIN:VCALENDAR",
    )  # fmt: skip


async def test_old_emails_lose_their_bodies_and_keep_their_row(stack, notifications):
    pool, at_time = notifications
    recorded = datetime.now(UTC) - 400 * DAY  # before anything else of the session: each row is ours
    statuses = ["sent", "failed", "suppressed", "retrying", "sent"]
    async with pool.acquire() as conn, conn.transaction():  # the stack's worker never sees the retrying one due
        ids = await add_deliveries(conn, [an_email(s) for s in statuses])
        await conn.execute(
            "UPDATE deliveries SET created_at = $2::timestamptz, sent_at = CASE WHEN status = 'sent' THEN $2 END,"
            " next_attempt_at = $2 + interval '1000 days' WHERE id = ANY($1::bigint[])",
            ids,
            recorded,
        )
        await conn.execute("UPDATE deliveries SET sent_at = $2 WHERE id = $1", ids[-1], recorded + 10 * DAY)

    await erase_all(erase_old_bodies, at_time(recorded + 90 * DAY))
    rows = await pool.fetch(
        "SELECT status, subject, body_text, body_html, calendar, event, decision, body_erased_at, recipient"
        " FROM deliveries WHERE id = ANY($1::bigint[]) ORDER BY id",
        ids,
    )
    assert [r["status"] for r in rows] == statuses
    for row in rows[:3]:
        assert (row["subject"], row["body_text"], row["body_html"], row["calendar"], row["event"]) == (
            "",
            "",
            "",
            None,
            None,
        )
        assert row["decision"] == "essential | body erased after 90 days" and row["body_erased_at"] is not None
        assert row["recipient"].endswith("@city.example.eu")  # the log still says who got what
    for row in rows[3:]:  # still to be sent; sent 10 days later
        assert row["body_text"] == "Dear Agnieszka Nowak" and row["body_erased_at"] is None

    async with httpx.AsyncClient(base_url=stack["notifications"].url, timeout=10, headers=ADMIN) as client:
        refused = await client.post(f"/api/v1/deliveries/{ids[0]}/resend")
    assert refused.status_code == 409
