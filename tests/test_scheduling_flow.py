"""Scheduling over real Kafka + PostgreSQL (the session stack): signed-up cities nominate, others
cannot; places, waitlist and promotion; reschedule re-plans reminders and re-issues invitations with a
higher SEQUENCE; decline by signed link; ICS feeds; the programme report.

To set a scene quickly these tests publish CitySignedUp themselves, on registration's topic as registration
does (same contract, same topic, same key); the chain itself (selection, sign-up, CitySignedUp over Kafka
into scheduling's cities) is tested end to end in tests/test_correctness_findings.py (finding 9).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import asyncpg
import httpx
import icalendar
import pytest

from shared.contracts import CitySignedUp, Contact, ContactChanged, PersonErased, person_id_for_email
from shared.contracts.events import new_event
from tests.conftest import ADMIN_TOKEN, REVIEWER_TOKEN, publish
from tests.test_registration_staff_pages import csrf_of

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
REVIEWER = {"Authorization": f"Bearer {REVIEWER_TOKEN}"}


async def publish_event(bootstrap: str, payload, key: uuid.UUID) -> None:
    """Publish an event on registration's topic as registration does (keyed by aggregate id)."""
    event = new_event(
        payload,
        key=str(key),
        event_id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
        producer="registration",
        correlation_id=f"test-{uuid.uuid4()}",
    )
    await publish(bootstrap, payload.TOPIC, event.to_json(), key=str(key).encode())


def contact(name: str, language: str = "lv", zone: str = "Europe/Riga") -> Contact:
    email = f"{name.lower().replace(' ', '-')}-{uuid.uuid4().hex[:8]}@city.example.eu"
    return Contact(person_id=person_id_for_email(email), name=name, email=email, language=language, timezone=zone)


async def sign_up_city(bootstrap: str, name: str, language: str = "lv", zone: str = "Europe/Riga") -> uuid.UUID:
    city_id = uuid.uuid4()
    payload = CitySignedUp(
        city_id=city_id,
        name=name,
        country="LV",
        role="associated",
        languages=(language, "en"),
        timezone=zone,
        focal_point=contact(f"Focal point of {name}", language, zone),
        signed_up_at=datetime.now(UTC),
        terms_version="2023-09",
    )  # fmt: skip
    await publish_event(bootstrap, payload, city_id)
    return city_id


async def wait_for(check, what: str, timeout: float = 60.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if result := await check():
            return result
        await asyncio.sleep(0.25)
    pytest.fail(f"timed out waiting for {what}")


async def member_known(client: httpx.AsyncClient, city_id: uuid.UUID) -> None:
    async def known():
        return any(m["city_id"] == str(city_id) for m in (await client.get("/api/v1/members", headers=REVIEWER)).json())

    await wait_for(known, f"scheduling to learn that city {city_id} signed up")


async def focal_point_headers(client: httpx.AsyncClient, city_id: uuid.UUID) -> dict[str, str]:
    answer = await client.post(f"/api/v1/cities/{city_id}/access-tokens", json={}, headers=ADMIN)
    assert answer.status_code == 201, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def activity_body(starts_in: timedelta, **overrides) -> dict:
    start = (datetime.now(UTC) + starts_in).replace(microsecond=0)
    return {
        "kind": "police_academy",
        "titles": {"en": "Police Academy, Riga", "lv": "Policijas akadēmija, Rīga", "fr": "Académie de police, Riga"},
        "host_city": "Riga",
        "country": "LV",
        "venue_name": "Riga City Hall",
        "venue_address": "Rātslaukums 1, Rīga, LV-1050",
        "timezone": "Europe/Riga",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(days=3)).isoformat(),
        "nomination_deadline": (start - timedelta(days=1)).isoformat(),
        "working_languages": ["en", "lv"],
        "capacity": 2,
        "city_quota": 1,
        **overrides,
    }


def nominee(city_id: uuid.UUID, **overrides) -> dict:
    return {
        "city_id": str(city_id),
        "name": "Anna Bērziņa",
        "email": f"officer-{uuid.uuid4().hex[:10]}@police.example.eu",
        "rank": "Inspector",
        "language": "lv",
        "timezone": "Europe/Riga",
        **overrides,
    }


def path_of(url: str) -> str:
    """A link from an event, relative to the scheduling service (it points at its port)."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def outbox_events(database_url: str, activity_id: str) -> list[dict]:
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch("SELECT body FROM scheduling.outbox WHERE key = $1 ORDER BY id", activity_id)
    finally:
        await conn.close()
    return [json.loads(r["body"]) for r in rows]


async def test_signed_up_cities_nominate_waitlist_promote_decline_and_staff_reschedule(stack, infrastructure):
    riga = await sign_up_city(infrastructure.kafka_bootstrap_servers, f"Riga {uuid.uuid4().hex[:4]}")
    liepaja = await sign_up_city(infrastructure.kafka_bootstrap_servers, f"Liepāja {uuid.uuid4().hex[:4]}")
    async with httpx.AsyncClient(base_url=stack["scheduling"].url, timeout=15) as client:
        await member_known(client, riga)
        await member_known(client, liepaja)
        created = await client.post("/api/v1/activities", json=activity_body(timedelta(days=40)), headers=ADMIN)
        assert created.status_code == 201, created.text
        activity_id = created.json()["activity"]["activity_id"]
        riga_fp = await focal_point_headers(client, riga)
        url = f"/api/v1/activities/{activity_id}/nominations"

        first = await client.post(url, json=nominee(riga), headers=riga_fp)
        assert first.status_code == 201, first.text
        assert first.json()["status"] == "confirmed"
        second = await client.post(url, json=nominee(riga, name="Jānis Ozols"), headers=riga_fp)
        assert (second.json()["status"], second.json()["waitlist_position"]) == ("waitlisted", 1)

        not_signed_up = await client.post(url, json=nominee(uuid.uuid4()), headers=ADMIN)
        assert not_signed_up.status_code == 422
        assert not_signed_up.json()["detail"][0]["loc"] == ["body", "city_id"]
        other_city = await client.post(url, json=nominee(liepaja), headers=riga_fp)
        assert other_city.status_code == 403
        duplicate = await client.post(url, json=nominee(riga, email=first.json()["email"]), headers=riga_fp)
        assert duplicate.status_code == 422 and duplicate.json()["detail"][0]["loc"] == ["body", "email"]
        assert (await client.post(url, json=nominee(riga), headers=REVIEWER)).status_code == 403

        overlapping = activity_body(
            timedelta(days=41), titles={"en": "Police exchange, Lisbon"}, timezone="Europe/Lisbon"
        )
        other = (await client.post("/api/v1/activities", json=overlapping, headers=ADMIN)).json()["activity"]
        same_person = nominee(riga, email=first.json()["email"])
        clash = await client.post(
            f"/api/v1/activities/{other['activity_id']}/nominations", json=same_person, headers=riga_fp
        )
        assert clash.status_code == 422 and "overlaps" in clash.json()["detail"][0]["msg"]

        events = await outbox_events(stack.config.database_url, activity_id)
        confirmed = next(e for e in events if e["type"] == "NominationConfirmed")
        invitation = confirmed["payload"]["invitation"]
        assert invitation["activity_title"] == "Policijas akadēmija, Rīga"
        assert invitation["ics_method"] == "REQUEST" and invitation["decline_url"].startswith("http://127.0.0.1:")
        waitlisted = next(e for e in events if e["type"] == "NominationWaitlisted")
        assert waitlisted["payload"]["explanation"]["reason"] == "city_quota_full"

        new_start = datetime.fromisoformat(created.json()["activity"]["starts_at"]) + timedelta(days=7)
        moved = await client.patch(
            f"/api/v1/activities/{activity_id}",
            json={"starts_at": new_start.isoformat(), "ends_at": (new_start + timedelta(days=3)).isoformat()},
            headers=ADMIN,
        )
        assert moved.status_code == 200, moved.text
        conn = await asyncpg.connect(stack.config.database_url)
        try:
            pending = await conn.fetch(
                "SELECT days_before, due_at FROM scheduling.reminders WHERE nomination_id = $1 AND status = 'pending'"
                " ORDER BY due_at",
                uuid.UUID(first.json()["nomination_id"]),
            )
        finally:
            await conn.close()
        assert [(r["days_before"], r["due_at"]) for r in pending] == [
            (14, new_start - timedelta(days=14)),
            (2, new_start - timedelta(days=2)),
        ]
        rescheduled = next(
            e for e in await outbox_events(stack.config.database_url, activity_id) if e["type"] == "ActivityRescheduled"
        )
        reissued = {i["nomination_id"]: i for i in rescheduled["payload"]["invitations"]}[invitation["nomination_id"]]
        assert reissued["ics_uid"] == invitation["ics_uid"] and reissued["ics_sequence"] > invitation["ics_sequence"]

        page = await client.get(path_of(invitation["decline_url"]))
        assert page.status_code == 200 and "Atteikties no vietas?" in page.text  # in the nomination's language
        token = invitation["decline_url"].split("token=", 1)[1]
        declined = await client.post("/api/v1/nominations/decline", data={"token": token, "csrf_token": csrf_of(page)})
        assert declined.status_code == 200
        listing = (await client.get(url, headers=riga_fp)).json()
        assert sorted(n["status"] for n in listing) == ["confirmed", "declined"]
        types = [e["type"] for e in await outbox_events(stack.config.database_url, activity_id)]
        assert types.count("NominationDeclined") == 1 and types.count("NominationPromoted") == 1
        promoted = [
            e for e in await outbox_events(stack.config.database_url, activity_id) if e["type"] == "NominationPromoted"
        ]
        assert promoted[0]["payload"]["explanation"]["reason"] == "nomination_declined"

        feed = await client.get(f"/api/v1/activities/{activity_id}/calendar.ics")
        vevent = icalendar.Calendar.from_ical(feed.text).walk("VEVENT")[0]
        assert vevent["DTSTART"].dt == new_start
        mine = await client.get(path_of(reissued["ics_url"]))
        assert icalendar.Calendar.from_ical(mine.text).walk("VEVENT")[0]["UID"] == invitation["ics_uid"]

        report = (await client.get("/api/v1/report", headers=REVIEWER)).json()
        line = next(r for r in report if r["activity_id"] == activity_id)
        assert (line["nominated"], line["confirmed"], line["withdrawn"]) == (2, 1, 1)
        csv = await client.get("/api/v1/report.csv", headers=REVIEWER)
        assert csv.headers["content-type"].startswith("text/csv") and activity_id in csv.text


async def test_a_restart_neither_loses_nor_duplicates_a_reminder(stack, infrastructure):
    city = await sign_up_city(
        infrastructure.kafka_bootstrap_servers, f"Tallinn {uuid.uuid4().hex[:4]}", "et", "Europe/Tallinn"
    )
    async with httpx.AsyncClient(base_url=stack["scheduling"].url, timeout=15) as client:
        await member_known(client, city)
        # due in ~8 s: after the kill below, before or after the restart, whichever is slower
        body = activity_body(timedelta(days=14, seconds=8), reminder_days=[14], capacity=5)
        body["nomination_deadline"] = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        activity_id = (await client.post("/api/v1/activities", json=body, headers=ADMIN)).json()["activity"][
            "activity_id"
        ]
        answer = await client.post(f"/api/v1/activities/{activity_id}/nominations", json=nominee(city), headers=ADMIN)
        assert answer.status_code == 201 and answer.json()["status"] == "confirmed"
    stack["scheduling"].kill()
    stack["scheduling"].start()
    stack["scheduling"].wait_ready()

    async def reminder_sent():
        events = await outbox_events(stack.config.database_url, activity_id)
        return [e for e in events if e["type"] == "ReminderDue"]

    due = await wait_for(reminder_sent, "the reminder", timeout=90)
    await asyncio.sleep(6)  # one more worker round: a duplicate would appear now
    again = await reminder_sent()
    assert len(again) == 1 and again == due
    assert due[0]["payload"]["days_before"] == 14
    assert due[0]["payload"]["invitation"]["participant"]["language"] == "lv"


async def test_a_replaced_focal_point_loses_access_and_an_erased_person_frees_their_place(stack, infrastructure):
    bootstrap = infrastructure.kafka_bootstrap_servers
    city = await sign_up_city(bootstrap, f"Vilnius {uuid.uuid4().hex[:4]}", "lt", "Europe/Vilnius")
    async with httpx.AsyncClient(base_url=stack["scheduling"].url, timeout=15) as client:
        await member_known(client, city)
        old_token = await focal_point_headers(client, city)
        body = activity_body(timedelta(days=60), capacity=1)
        activity_id = (await client.post("/api/v1/activities", json=body, headers=ADMIN)).json()["activity"][
            "activity_id"
        ]
        url = f"/api/v1/activities/{activity_id}/nominations"
        erased = nominee(city)
        assert (await client.post(url, json=erased, headers=old_token)).json()["status"] == "confirmed"
        assert (await client.post(url, json=nominee(city), headers=old_token)).json()["status"] == "waitlisted"

        members = (await client.get("/api/v1/members", headers=REVIEWER)).json()
        current = next(m for m in members if m["city_id"] == str(city))
        changed = ContactChanged(
            city_id=city, name=current["name"], country="LV", role="associated", languages=("lt",),
            timezone="Europe/Vilnius", focal_point=contact("New focal point", "lt", "Europe/Vilnius"),
            changed_at=datetime.now(UTC), changed_by="Marta",
        )  # fmt: skip
        await publish_event(bootstrap, changed, city)

        async def refused():
            return (await client.get(url, headers=old_token)).status_code == 403

        await wait_for(refused, "the former focal point's token to stop working")
        await publish_event(
            bootstrap,
            PersonErased(
                person_id=person_id_for_email(erased["email"]),
                email=erased["email"],
                erased_at=datetime.now(UTC),
                reason="request",
            ),
            person_id_for_email(erased["email"]),
        )

        async def erased_and_replaced():
            listing = (await client.get(url, headers=ADMIN)).json()
            return {n["status"]: n for n in listing} if any(n["name"] == "(erased)" for n in listing) else None

        by_status = await wait_for(erased_and_replaced, "the erasure")
        assert by_status["cancelled"]["email"].endswith("@erased.pactesur.efus.eu")
        assert by_status["confirmed"]["name"] == "Anna Bērziņa"
        assert not any(erased["email"] in json.dumps(n) for n in (await client.get(url, headers=ADMIN)).json())
