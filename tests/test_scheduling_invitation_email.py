"""End to end with notifications: a nomination becomes an invitation email in the participant's
language with a valid ICS (same UID and SEQUENCE as the event), over real Kafka, PostgreSQL, SMTP."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import icalendar

from tests.test_scheduling_flow import (
    ADMIN,
    activity_body,
    focal_point_headers,
    member_known,
    nominee,
    outbox_events,
    sign_up_city,
)


def calendar_part(mail) -> bytes:
    for part in mail.message.walk():
        if part.get_content_type() == "text/calendar":
            return part.get_payload(decode=True)
    raise AssertionError(f"no text/calendar part in {mail.subject!r}")


async def test_nomination_becomes_an_invitation_email_with_an_ics_in_the_participants_language(
    stack, infrastructure, smtp_sink
):
    city = await sign_up_city(infrastructure.kafka_bootstrap_servers, f"Rīga {uuid.uuid4().hex[:4]}")
    async with httpx.AsyncClient(base_url=stack["scheduling"].url, timeout=15) as client:
        await member_known(client, city)
        body = activity_body(timedelta(days=45))
        activity_id = (await client.post("/api/v1/activities", json=body, headers=ADMIN)).json()["activity"][
            "activity_id"
        ]
        person = nominee(city)
        answer = await client.post(
            f"/api/v1/activities/{activity_id}/nominations",
            json=person,
            headers=await focal_point_headers(client, city),
        )
        assert answer.json()["status"] == "confirmed"

    [mail] = await smtp_sink.wait_for(lambda m: person["email"] in m.rcpt_tos, timeout=60)
    assert mail.language == "lv"
    invitation = next(
        e["payload"]["invitation"]
        for e in await outbox_events(stack.config.database_url, activity_id)
        if e["type"] == "NominationConfirmed"
    )
    ics = icalendar.Calendar.from_ical(calendar_part(mail))
    event = ics.walk("VEVENT")[0]
    assert str(ics["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == invitation["ics_uid"] and int(event["SEQUENCE"]) == invitation["ics_sequence"]
    assert str(event["SUMMARY"]) == "Policijas akadēmija, Rīga"
    assert event["DTSTART"].dt.isoformat().startswith(body["starts_at"][:16])
