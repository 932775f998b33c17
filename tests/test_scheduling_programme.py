"""The programme as data: the seed command loads the real calendar (tentative where the programme
gives only a month or a season) and is safe to run twice; the timetable refuses room clashes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import icalendar

from tests.test_scheduling_flow import ADMIN, activity_body


async def test_seed_loads_the_real_calendar_once_and_says_what_is_tentative(stack):
    stack.run_command("scheduling", "seed")
    again = stack.run_command("scheduling", "seed")
    assert "0 activities of the programme created, 12 already there" in again
    async with httpx.AsyncClient(base_url=stack["scheduling"].url, timeout=15) as client:
        programme = (await client.get("/api/v1/activities")).json()
        feed = await client.get("/api/v1/programme.ics", params={"lang": "fr"})
    by_title = {a["titles"]["en"]: a for a in programme}
    nice = by_title["Police Academy, Nice"]
    assert (nice["status"], nice["starts_at"], nice["timezone"]) == (
        "confirmed",
        "2024-05-13T07:00:00Z",
        "Europe/Paris",
    )
    madrid = by_title["Police Academy, Madrid"]
    assert madrid["status"] == "tentative" and "only the month" in madrid["tentative_note"]
    giro = by_title["Police exchange: Giro d'Italia, Turin"]
    assert "July 2024 or July 2025" in giro["tentative_note"]
    summaries = {str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(feed.text).walk("VEVENT")}
    assert "Académie de police, Nice" in summaries and len(summaries) >= 12


async def test_timetable_refuses_a_room_clash_and_sessions_outside_the_activity(stack):
    start = (datetime.now(UTC) + timedelta(days=90)).replace(hour=7, minute=0, second=0, microsecond=0)
    body = activity_body(
        timedelta(days=90), starts_at=start.isoformat(), ends_at=(start + timedelta(days=2)).isoformat()
    )
    async with httpx.AsyncClient(base_url=stack["scheduling"].url, timeout=15) as client:
        created = await client.post("/api/v1/activities", json=body, headers=ADMIN)
        activity_id = created.json()["activity"]["activity_id"]
        sessions = f"/api/v1/activities/{activity_id}/sessions"
        day = start.astimezone(UTC).date().isoformat()

        def session(begin: str, end: str, room: str = "Hall A") -> dict:
            title = {"en": f"Session {uuid.uuid4().hex[:4]}"}
            return {"starts_at": f"{day}T{begin}+00:00", "ends_at": f"{day}T{end}+00:00", "room": room, "titles": title}

        assert (await client.post(sessions, json=session("08:00", "10:00"), headers=ADMIN)).status_code == 201
        clash = await client.post(sessions, json=session("09:30", "11:00", room="hall a "), headers=ADMIN)
        assert clash.status_code == 422 and clash.json()["detail"][0]["loc"] == ["body", "room"]
        assert (await client.post(sessions, json=session("09:30", "11:00", "Hall B"), headers=ADMIN)).status_code == 201
        early = await client.post(sessions, json=session("05:00", "06:00", "Hall C"), headers=ADMIN)
        assert early.status_code == 422 and "within the activity" in early.json()["detail"][0]["msg"]
        view = (await client.get(f"/api/v1/activities/{activity_id}")).json()
    assert [s["room"] for s in view["sessions"]] == ["Hall A", "Hall B"]
    assert view["activity"]["revision"] == 3
