"""The demo `make run` seeds besides the real (past) calendar: a programme dated from today and a
signed-up demo city, reached through the same workflows and events as any; seeding twice adds nothing."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from services.registration.domain import demo as demo_city
from services.scheduling.domain import demo
from services.scheduling.domain.activities import new_activity, new_session
from tests.test_scheduling_flow import ADMIN, nominee, wait_for


def test_the_demo_programme_lies_ahead_of_the_day_it_is_dated_from():
    today = date(2031, 2, 26)
    now = datetime(2031, 2, 26, 23, 0, tzinfo=ZoneInfo(demo.TIMEZONE))
    seeds = demo.demo_programme(today)
    assert {s.values["kind"] for s in seeds} == {"police_academy", "police_exchange", "public_private_workshop"}
    for seed in seeds:
        activity = new_activity(uuid.uuid4(), seed.values, now, seed_key=seed.key)
        zone = ZoneInfo(activity.timezone)
        assert activity.starts_at.astimezone(zone).date() >= today + timedelta(days=21)
        assert now + timedelta(days=13) < activity.nomination_deadline < activity.starts_at
        activity.accepts_nominations(now)
        assert activity.titles["en"].startswith("[Demo] ") and activity.titles["fr"].startswith("[Démo] ")
        assert activity.venue_address and activity.working_languages and seed.key.startswith("demo-")
        sessions = [new_session(activity, uuid.uuid4(), values) for values in seed.sessions]
        assert len({s.starts_at.astimezone(zone).date() for s in sessions}) >= 2
    academy = next(s for s in seeds if s.values["kind"] == "police_academy")
    assert academy.values["city_quota"] == 1
    assert demo.demo_programme(today + timedelta(days=1))[0].values["starts_at"] - academy.values["starts_at"] == (
        timedelta(days=1)
    )


async def test_seeding_the_demo_twice_gives_a_signed_up_city_that_nominates_to_future_activities(stack):
    first_city = stack.run_command("registration", "seed", "--demo", "--link")
    stack.run_command("scheduling", "seed", "--demo")
    again_city = stack.run_command("registration", "seed", "--demo")
    again = stack.run_command("scheduling", "seed", "--demo")
    assert "demo city: Demo City (LU), signed_up: already there" in again_city
    assert "demo programme: 0 activities created, 3 already there" in again
    assert "0 activities of the programme created, 12 already there" in again
    assert demo_city.FOCAL_POINT in first_city and demo_city.DEPUTY in first_city
    link = re.search(r"focal point sign-in link \(once, 15 minutes\): (\S+)", first_city).group(1)

    now = datetime.now(UTC)
    async with httpx.AsyncClient(base_url=stack["scheduling"].url, timeout=20) as scheduling:
        programme = (await scheduling.get("/api/v1/activities")).json()
        shown = [a for a in programme if a["titles"]["en"].startswith("[Demo]")]
        assert len(shown) == 3
        for activity in shown:
            assert datetime.fromisoformat(activity["nomination_deadline"]) > now + timedelta(days=13)
            assert datetime.fromisoformat(activity["starts_at"]) > now + timedelta(days=20)
        academy = next(a for a in shown if a["kind"] == "police_academy")
        timetable = (await scheduling.get(f"/api/v1/activities/{academy['activity_id']}")).json()
        assert len(timetable["sessions"]) == 5

        async def member():
            members = (await scheduling.get("/api/v1/members", headers=ADMIN)).json()
            return next((m for m in members if m["name"] == demo_city.NAME), None)

        city = await wait_for(member, "the demo city in scheduling (CitySignedUp by Kafka)")
        assert city["focal_point_email"] == demo_city.FOCAL_POINT

        async def deputy_known():
            issued = await scheduling.post(
                f"/api/v1/cities/{city['city_id']}/access-tokens", json={"deputy": True}, headers=ADMIN
            )
            return issued.status_code == 201 and issued.json()["person_email"] == demo_city.DEPUTY

        await wait_for(deputy_known, "the demo city's deputy in scheduling (ContactChanged by Kafka)")
        nominations = f"/api/v1/activities/{academy['activity_id']}/nominations"
        first = await scheduling.post(nominations, json=nominee(uuid.UUID(city["city_id"])), headers=ADMIN)
        second = await scheduling.post(nominations, json=nominee(uuid.UUID(city["city_id"])), headers=ADMIN)
        assert (first.status_code, second.status_code) == (201, 201), (first.text, second.text)
        assert (first.json()["status"], second.json()["status"]) == ("confirmed", "waitlisted")

    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20) as registration:
        cities = (await registration.get("/api/v1/staff/cities", headers=ADMIN)).json()
        demo_cities = [c for c in cities if c["name"] == demo_city.NAME]
        assert len(demo_cities) == 1 and demo_cities[0]["status"] == "signed_up"
        assert str(demo_cities[0]["id"]) == city["city_id"]
        assert (await registration.get("/sign-in" + link.split("/sign-in", 1)[1])).status_code == 200
