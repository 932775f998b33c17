"""Mail that bounces (issue [4/6] section 3). Alone: the return path, and what a delivery status
notification (RFC 3464) says. Over the real stack: every email leaves with its own return path; a real
report sent by SMTP to notifications' bounce inbox marks the delivery bounced (permanent) or is only
counted (transient), and the delivery log and the explainer show it; the signed webhook of hosted mail
services records a bounce, refuses an unsigned one, and a permanently bounced address receives no more
non-essential mail."""

from __future__ import annotations

import asyncio
import json
import re
import uuid

import aiosmtplib
import asyncpg
import httpx
import pytest

from services.notifications.domain.bounces import (
    SIGNATURE_HEADER,
    delivery_of,
    kind_of,
    parse_report,
    return_path,
    signature,
    signed,
)
from services.notifications.domain.emails import PlannedEmail, Preferences, Recipient, disposition
from tests.conftest import ADMIN_TOKEN, BOUNCE_ADDRESS, BOUNCE_WEBHOOK_SECRET, STAFF
from tests.registration_helpers import apply, email, new_call

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
DAEMON = "mailer-daemon@mx.city.example.eu"
SECRET = BOUNCE_WEBHOOK_SECRET.encode()


def report(recipient: str, action: str = "failed", status: str = "5.1.1", to: str = BOUNCE_ADDRESS) -> bytes:
    """A delivery status notification as a receiving mail server sends it back."""
    return f"""From: MAILER-DAEMON@mx.city.example.eu
To: {to}
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="REPORT"

--REPORT
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.city.example.eu. Your message could not be delivered.

--REPORT
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.city.example.eu
Arrival-Date: Thu, 3 Dec 2026 06:00:00 +0000

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822;{recipient}
Action: {action}
Status: {status}
Diagnostic-Code: smtp; 550 {status} <{recipient}>: Recipient address rejected: User unknown

--REPORT
Content-Type: text/rfc822-headers

Subject: Application received
--REPORT--
""".replace("\n", "\r\n").encode()


# --- Alone ----------------------------------------------------------------------------------------


def test_each_delivery_has_its_own_return_path():
    assert return_path("bounces@pactesur.efus.eu", 42) == "bounces+42@pactesur.efus.eu"
    assert delivery_of("BOUNCES+42@pactesur.efus.eu", "bounces@pactesur.efus.eu") == 42
    for other in ("bounces@pactesur.efus.eu", "bounces+x@pactesur.efus.eu", "bounces+42@evil.example.eu"):
        assert delivery_of(other, "bounces@pactesur.efus.eu") is None


def test_a_report_says_permanent_transient_or_no_bounce():
    [permanent] = parse_report(report("anna@riga.example.eu"), 7)
    assert (permanent.recipient, permanent.kind, permanent.status, permanent.delivery_id) == (
        "anna@riga.example.eu", "permanent", "5.1.1", 7,
    )  # fmt: skip
    assert "User unknown" in permanent.diagnostic
    [delayed] = parse_report(report("anna@riga.example.eu", "delayed", "4.4.1"))
    assert delayed.kind == "transient"
    assert parse_report(report("anna@riga.example.eu", "delivered", "2.0.0")) == []
    assert parse_report(b"From: someone@example.eu\r\nSubject: Out of office\r\n\r\nBack on Monday.\r\n") == []
    assert kind_of("failed", "4.2.2") == "transient" and kind_of("relayed", "") is None


def test_a_permanently_bounced_address_gets_only_essential_mail():
    notice = PlannedEmail(Recipient("a@city.example.eu", "A", "en"), "staff_new_application", False, {}, None)
    essential = PlannedEmail(Recipient("a@city.example.eu", "A", "en"), "decision_released", True, {}, None)
    bounced = Preferences(bounced=frozenset({"a@city.example.eu"}))
    assert disposition(notice, bounced).status == "suppressed"
    assert "bounced" in disposition(notice, bounced).decision
    assert disposition(essential, bounced).status == "pending"


def test_the_webhook_signature_is_the_hmac_of_the_body():
    body = b'{"recipient": "a@city.example.eu", "kind": "permanent"}'
    assert signed(b"secret", body, signature(b"secret", body))
    assert not signed(b"secret", body + b" ", signature(b"secret", body))
    assert not signed(b"secret", body, None)


# --- Over the stack ------------------------------------------------------------------------------


async def notifications_db(stack) -> asyncpg.Connection:
    return await asyncpg.connect(stack.config.database_url, server_settings={"search_path": "notifications"})


async def delivery_state(api: httpx.AsyncClient, delivery_id: int, wanted: str) -> dict:
    for _ in range(120):
        detail = (await api.get(f"/api/v1/deliveries/{delivery_id}", headers=ADMIN)).json()
        if detail["status"] == wanted:
            return detail
        await asyncio.sleep(0.25)
    pytest.fail(f"delivery {delivery_id} never became {wanted}: {detail['status']}")


def inbox_port(stack) -> int:
    return int(stack.config.extra_env["BOUNCE_SMTP_PORT"])


async def test_a_report_sent_back_by_smtp_marks_the_delivery_bounced_and_staff_see_it(client, stack, smtp_sink):
    slug = await new_call(client)
    address = email()
    await apply(client, slug, address)
    [confirmation] = await smtp_sink.wait_for(lambda m: address in m.rcpt_tos, timeout=30)
    delivery_id = delivery_of(confirmation.mail_from, BOUNCE_ADDRESS)
    assert delivery_id is not None, confirmation.mail_from  # its own return path
    assert str(confirmation.message["From"]).endswith("no-reply@pactesur.efus.eu>")  # the From stays

    port = inbox_port(stack)
    refused = aiosmtplib.SMTP(hostname="127.0.0.1", port=port)
    await refused.connect()
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused):
        await refused.sendmail("mailer-daemon@mx.city.example.eu", ["postmaster@pactesur.example.eu"], b"x")
    await refused.quit()

    bounce_to = return_path(BOUNCE_ADDRESS, delivery_id)
    await aiosmtplib.send(report(address, "delayed", "4.4.1", bounce_to), sender=DAEMON, recipients=[bounce_to],
                          hostname="127.0.0.1", port=port)  # fmt: skip
    conn = await notifications_db(stack)
    try:
        for _ in range(40):
            if await conn.fetchval("SELECT count(*) FROM bounces WHERE delivery_id = $1", delivery_id):
                break
            await asyncio.sleep(0.25)
        assert await conn.fetchval("SELECT status FROM deliveries WHERE id = $1", delivery_id) == "sent"  # counted only

        permanent = report(address, to=bounce_to)
        await aiosmtplib.send(permanent, sender=DAEMON, recipients=[bounce_to], hostname="127.0.0.1", port=port)
        async with httpx.AsyncClient(base_url=stack["notifications"].url, timeout=20) as api:
            detail = await delivery_state(api, delivery_id, "bounced")
            assert "5.1.1" in detail["last_error"]
            explained = (await api.get("/api/v1/explain", params={"recipient": address}, headers=ADMIN)).json()
            assert [b["kind"] for b in explained["bounces"]] == ["permanent", "transient"]
            api.cookies.set("pactesur_staff", ADMIN_TOKEN)
            page = await api.get("/staff/mail/explain", params={"recipient": address})
            assert page.status_code == 200 and "User unknown" in page.text
        assert await conn.fetchval("SELECT count(*) FROM bounced_addresses WHERE recipient = $1", address) == 1
    finally:
        await conn.close()


async def test_the_signed_webhook_records_a_bounce_and_the_address_gets_no_more_notices(client, stack):
    staff_member = STAFF[1]
    body = json.dumps(
        {"recipient": staff_member, "kind": "permanent", "status": "5.2.1", "diagnostic": "mailbox disabled"}
    ).encode()
    url = "/api/v1/bounces"
    conn = await notifications_db(stack)
    try:
        async with httpx.AsyncClient(base_url=stack["notifications"].url, timeout=20) as api:
            assert (await api.post(url, content=body)).status_code == 401
            forged = await api.post(url, content=body, headers={SIGNATURE_HEADER: signature(b"guess", body)})
            assert forged.status_code == 401
            not_json = b"{"
            bad = await api.post(
                url, content=not_json, headers={SIGNATURE_HEADER: signature(BOUNCE_WEBHOOK_SECRET.encode(), not_json)}
            )
            assert bad.status_code == 422
            recorded = await api.post(
                url, content=body, headers={SIGNATURE_HEADER: signature(BOUNCE_WEBHOOK_SECRET.encode(), body)}
            )
            assert recorded.status_code == 202, recorded.text

        slug = await new_call(client)
        city = f"Sopot {uuid.uuid4().hex[:6]}"
        await apply(client, slug, email(), city=city)
        rows = []
        for _ in range(120):
            rows = await conn.fetch(
                "SELECT recipient, status, decision FROM deliveries WHERE template = 'staff_new_application'"
                " AND subject LIKE '%' || $1 || '%'", city,
            )  # fmt: skip
            if len(rows) == len(STAFF):
                break
            await asyncio.sleep(0.25)
        states = {r["recipient"]: (r["status"], r["decision"]) for r in rows}
        assert states[staff_member][0] == "suppressed" and "bounced" in states[staff_member][1]
        assert states[STAFF[0]][0] != "suppressed"
    finally:
        await conn.execute("DELETE FROM bounced_addresses WHERE recipient = $1", staff_member)  # for the other tests
        await conn.close()


def test_the_return_path_pattern_is_the_one_the_inbox_accepts():
    assert re.fullmatch(r"bounces\+\d+@pactesur\.example\.eu", return_path(BOUNCE_ADDRESS, 123))
