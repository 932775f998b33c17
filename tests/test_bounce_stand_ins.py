"""A focal point's email bounces for good (issue [4/6] section 3): the city's deputy receives the same
email in their own language, staff are told once, and an email that is personal (a sign-in link) is
never forwarded. Alone: the rule. Over the real stack: a real delivery status notification sent by SMTP
to the bounce inbox, the deputy's copy read at the sink."""

from __future__ import annotations

import asyncio

import aiosmtplib

from services.notifications.domain.bounces import delivery_of, return_path
from services.notifications.domain.emails import PlannedEmail, Recipient
from services.notifications.domain.stand_ins import BouncedCityEmail, forwarded_to, stand_in_notices
from tests.conftest import BOUNCE_ADDRESS, STAFF
from tests.registration_helpers import email, signed_up, token_of
from tests.test_bounces import DAEMON, inbox_port, notifications_db, report

FOCAL = "focal@city.example.eu"
DEPUTY = Recipient("deputy@city.example.eu", "Hans Weber", "de", "Europe/Berlin")


def planned(template: str, to: str = FOCAL) -> PlannedEmail:
    return PlannedEmail(Recipient(to, "Ieva Kalniņa", "lv"), template, True, {"recipient_name": "Ieva Kalniņa"})


def bounced(deputy: Recipient | None = DEPUTY) -> BouncedCityEmail:
    return BouncedCityEmail(7, FOCAL, "Riga", "Welcome", deputy)


def test_city_business_goes_to_the_deputy_in_their_name_and_language():
    mine, other = planned("city_signed_up"), planned("city_signed_up", to="other@city.example.eu")
    copy = forwarded_to([other, mine], bounced(), "city_signed_up")
    assert copy is not None and copy.recipient == DEPUTY and copy.context["recipient_name"] == "Hans Weber"


def test_a_personal_email_or_a_city_without_deputy_is_not_forwarded():
    assert forwarded_to([planned("sign_in_link")], bounced(), "sign_in_link") is None
    assert forwarded_to([planned("edit_link_requested")], bounced(), "edit_link_requested") is None
    assert forwarded_to([planned("city_signed_up")], bounced(deputy=None), "city_signed_up") is None


def test_staff_are_told_once_per_bounced_delivery():
    staff = (Recipient("staff@efus.eu", "Efus staff", "en", is_staff=True),)
    first_id, [notice] = stand_in_notices(bounced(), True, staff)
    again_id, _ = stand_in_notices(bounced(), True, staff)
    assert first_id == again_id and notice.context == {"bounced": bounced(), "forwarded": True}


async def test_the_deputy_receives_the_bounced_welcome_and_staff_hear_of_it(client, stack, db, smtp_sink):
    focal, deputy = email(), email()
    decision = await signed_up(client, db, focal, country="LV", language="lv")
    contacts = {
        "contacts": [
            {"designation": "focal_point", "name": decision.recipient.name, "email": focal, "language": "lv"},
            {"designation": "deputy", "name": "Hans Weber", "email": deputy, "language": "de"},
        ]
    }
    changed = await client.put(f"/api/v1/cities/signup/{token_of(decision.signup_url)}/contacts", json=contacts)
    assert changed.status_code == 200, changed.text
    conn = await notifications_db(stack)
    try:
        for _ in range(120):
            if await conn.fetchval("SELECT deputy_email FROM focal_points WHERE email = $1", focal) == deputy:
                break
            await asyncio.sleep(0.25)
        else:
            raise AssertionError("notifications never learnt the city's deputy (ContactChanged)")
        await smtp_sink.wait_for(lambda m: focal in m.rcpt_tos and m.language == "lv", count=2, timeout=30)
        delivery_id = await conn.fetchval(
            "SELECT id FROM deliveries WHERE recipient = $1 AND template = 'city_signed_up' AND status = 'sent'", focal
        )
        assert delivery_id is not None
        bounce_to = return_path(BOUNCE_ADDRESS, delivery_id)
        for _ in range(2):  # the same report twice: one copy, one notice per staff member
            await aiosmtplib.send(report(focal, to=bounce_to), sender=DAEMON, recipients=[bounce_to],
                                  hostname="127.0.0.1", port=inbox_port(stack))  # fmt: skip
        [copy] = await smtp_sink.wait_for(lambda m: deputy in m.rcpt_tos, timeout=30)
        assert copy.language == "de" and "Hans Weber" in copy.text_body and delivery_of(copy.mail_from, BOUNCE_ADDRESS)
        notices = await smtp_sink.wait_for(lambda m: focal in m.text_body and deputy in m.text_body, count=len(STAFF))
        assert {r for m in notices for r in m.rcpt_tos} == set(STAFF)
        await asyncio.sleep(1)
        assert len(await smtp_sink.wait_for(lambda m: deputy in m.rcpt_tos)) == 1
        rows = await conn.fetch("SELECT template, status FROM deliveries WHERE recipient = $1", deputy)
        assert [r["template"] for r in rows] == ["city_signed_up"]
    finally:
        await conn.close()
