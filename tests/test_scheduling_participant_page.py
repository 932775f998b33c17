"""The participant page over the real stack (Kafka, PostgreSQL, SMTP): the invitation email, in the
participant's language, links their page; the page shows their activities in that language with
localized dates; the personal calendar feed parses and holds the activity and its session; declining
on the page frees the place, the waitlisted person is promoted and emailed; a tampered link is a
readable 404 page."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
import icalendar
from babel.dates import format_date

from shared.web import csrf
from tests.test_scheduling_flow import (
    ADMIN,
    activity_body,
    focal_point_headers,
    member_known,
    nominee,
    outbox_events,
    sign_up_city,
)

PARTICIPANT_LINK = re.compile(r"(https?://[^\s\"<>]+/participants/[A-Za-z0-9_.\-]+)")


def csrf_of(response: httpx.Response) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', response.text).group(1)


def path_of(url: str) -> str:
    return urlsplit(url).path


async def test_the_invitation_leads_to_the_participant_page_its_feed_and_declining(stack, infrastructure, smtp_sink):
    city = await sign_up_city(infrastructure.kafka_bootstrap_servers, f"Ventspils {uuid.uuid4().hex[:4]}")
    async with httpx.AsyncClient(base_url=stack["scheduling"].url, timeout=20) as client:
        await member_known(client, city)
        body = activity_body(timedelta(days=50))
        created = await client.post("/api/v1/activities", json=body, headers=ADMIN)
        activity_id = created.json()["activity"]["activity_id"]
        start = datetime.fromisoformat(body["starts_at"])
        session = {
            "starts_at": (start + timedelta(hours=1)).isoformat(),
            "ends_at": (start + timedelta(hours=2)).isoformat(),
            "room": "Zāle A",
            "titles": {"en": "Opening", "lv": "Atklāšana"},
        }
        added = await client.post(f"/api/v1/activities/{activity_id}/sessions", json=session, headers=ADMIN)
        assert added.status_code == 201, added.text
        url = f"/api/v1/activities/{activity_id}/nominations"
        city_fp = await focal_point_headers(client, city)
        first, second = nominee(city), nominee(city, name="Jānis Ozols")
        assert (await client.post(url, json=first, headers=city_fp)).json()["status"] == "confirmed"
        assert (await client.post(url, json=second, headers=city_fp)).json()["waitlist_position"] == 1

        [mail] = await smtp_sink.wait_for(lambda m: first["email"] in m.rcpt_tos, timeout=60)
        assert mail.language == "lv" and mail.subject.startswith("Uzaicinājums:")
        assert "Jūsu personīgā lapa" in mail.text_body
        link = PARTICIPANT_LINK.search(mail.text_body).group(1)
        assert f'href="{link}"' in mail.html_body

        page = await client.get(path_of(link))
        assert page.status_code == 200, page.text
        assert page.headers["content-language"] == "lv"
        assert "Jūsu aktivitātes PACTESUR 2" in page.text and "Policijas akadēmija, Rīga" in page.text
        assert format_date(start.astimezone(ZoneInfo("Europe/Riga")).date(), "long", locale="lv") in page.text
        assert "Apstiprināts" in page.text and "Rātslaukums 1" in page.text and "Atklāšana" in page.text
        assert "webcal://" in page.text and "Staff console" not in page.text

        feed = await client.get(f"{path_of(link)}/calendar.ics")
        assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
        events = icalendar.Calendar.from_ical(feed.text).walk("VEVENT")
        invitation = next(
            e["payload"]["invitation"]
            for e in await outbox_events(stack.config.database_url, activity_id)
            if e["type"] == "NominationConfirmed"
        )
        [activity] = [e for e in events if str(e["UID"]) == invitation["ics_uid"]]
        assert str(activity["SUMMARY"]) == "Policijas akadēmija, Rīga" and activity["DTSTART"].dt == start
        assert int(activity["SEQUENCE"]) >= invitation["ics_sequence"]
        assert any("Atklāšana" in str(e["SUMMARY"]) for e in events)

        waitlisted = next(
            e["payload"]["invitation"]
            for e in await outbox_events(stack.config.database_url, activity_id)
            if e["type"] == "NominationWaitlisted"
        )
        waiting = await client.get(path_of(waitlisted["participant_url"]))
        assert "Gaidīšanas sarakstā, 1. vieta" in waiting.text

        [decline_link] = re.findall(r'href="(/participants/[^"]+/decline)"', page.text)
        confirm = await client.get(decline_link)
        assert confirm.status_code == 200 and "Atteikties no vietas?" in confirm.text
        refused = await client.post(decline_link, data={"csrf_token": "forged"})
        assert refused.status_code == 403
        confirm = await client.get(decline_link)  # the refusal's page gave a new CSRF cookie
        declined = await client.post(decline_link, data={"csrf_token": csrf_of(confirm)})
        assert declined.status_code == 303
        after = await client.get(declined.headers["location"])
        assert "Jūs atteicāties no savas vietas" in after.text and "Atteikts" in after.text
        assert "/decline" not in after.text
        again = await client.post(decline_link, data={"csrf_token": client.cookies[csrf.COOKIE]})
        assert again.status_code == 409

    waiting, promoted = await smtp_sink.wait_for(lambda m: second["email"] in m.rcpt_tos, count=2, timeout=60)
    assert waiting.subject.startswith("Gaidīšanas sarakstā:")  # told of the waiting list first
    assert promoted.subject.startswith("Uzaicinājums:") and PARTICIPANT_LINK.search(promoted.text_body)
    async with httpx.AsyncClient(base_url=stack["scheduling"].url, timeout=20) as client:
        now_confirmed = await client.get(path_of(PARTICIPANT_LINK.search(promoted.text_body).group(1)))
        assert "Apstiprināts" in now_confirmed.text


async def test_a_tampered_link_is_a_readable_not_found_page(stack):
    async with httpx.AsyncClient(base_url=stack["scheduling"].url, timeout=20) as client:
        page = await client.get("/participants/eyJwIjoiMSJ9.tampered")
        assert page.status_code == 404 and "This link is not valid" in page.text
        latvian = await client.get("/participants/eyJwIjoiMSJ9.tampered/calendar.ics?lang=lv")
        assert latvian.status_code == 404 and "Šī saite nav derīga" in latvian.text
