"""Delivery over real Kafka, PostgreSQL and SMTP, with faults: 451 then OK, 550, retries exhausted,
the SMTP server down then up, poison messages, two replicas in one consumer group.

Runs notifications alone on a broker, database and SMTP sink of its own (the faults here must not
touch the session stack), with short retry delays. The staff/ops API, unsubscribing, the digest
and erasure are tested on the same deployment.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import icalendar
import pytest

from deploy.local.kafka import LocalKafka
from deploy.local.processes import free_port
from deploy.local.smtp_sink import SmtpSink
from deploy.local.stack import ServiceProcess, ServiceStack, StackConfig
from services.notifications.storage.deliveries import WAKEUP_CHANNEL
from services.notifications.workflows.digest import compose_due
from shared.contracts import PersonErased, topics
from shared.contracts.events import new_event
from shared.dependencies import Dependencies
from shared.messaging.wakeup import NotifyWakeup
from shared.settings import load_settings
from shared.storage.database import create_pool
from tests.conftest import ADMIN_TOKEN, REVIEWER_TOKEN, STAFF, STAFF_TOKENS, create_database, publish, read_dead_letters
from tests.test_events import submitted_event
from tests.test_notifications_calendar import confirmed

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
REVIEWER = {"Authorization": f"Bearer {REVIEWER_TOKEN}"}
MAX_ATTEMPTS = 6


class Notifications:
    """The module's own notifications deployment."""

    def __init__(self, config: StackConfig, stack: ServiceStack, sink: SmtpSink, kafka: LocalKafka) -> None:
        self.config, self.stack, self.sink, self.kafka = config, stack, sink, kafka

    @property
    def url(self) -> str:
        return self.stack["notifications"].url

    async def publish(self, *messages: bytes, key: bytes | None = None, topic: str = topics.REGISTRATION.name) -> None:
        await publish(self.kafka.bootstrap_servers, topic, *messages, key=key)

    async def deliveries(self, **query: str) -> list[dict]:
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as client:
            response = await client.get("/api/v1/deliveries", params=query, headers=REVIEWER)
        assert response.status_code == 200, response.text
        return response.json()["deliveries"]

    async def wait_for_deliveries(self, predicate, timeout: float = 60, **query: str) -> list[dict]:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            rows = await self.deliveries(**query)
            if predicate(rows):
                return rows
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"deliveries {query} never matched: {rows}")
            await asyncio.sleep(0.2)


@pytest.fixture(scope="module")
def notifications(infrastructure, tmp_path_factory) -> Iterator[Notifications]:
    base = tmp_path_factory.mktemp("notifications")
    sink = SmtpSink(port=free_port())
    sink.start()
    kafka = LocalKafka(base / "kafka")
    kafka.start()
    config = StackConfig(
        database_url=asyncio.run(create_database(infrastructure.database_url, "notif")),
        kafka_bootstrap_servers=kafka.bootstrap_servers,
        smtp_host="127.0.0.1",
        smtp_port=sink.port,
        ports={"registration": free_port(), "scheduling": free_port(), "notifications": free_port()},
        log_dir=base / "logs",
        secret_key=uuid.uuid4().hex + uuid.uuid4().hex,
        staff_emails=STAFF,
        staff_tokens=STAFF_TOKENS,
        extra_env={
            "NOTIFICATIONS_RETRY_BASE_SECONDS": "0.2",
            "NOTIFICATIONS_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
            "NOTIFICATIONS_MAX_SEND_RATE": "200",
            "STAFF_NOTICE_WINDOW_SECONDS": "0",  # these tests count each staff notice
        },
    )
    stack = ServiceStack(config, names=("notifications",))
    try:
        stack.start()
        yield Notifications(config, stack, sink, kafka)
    finally:
        stack.stop()
        kafka.stop()
        sink.stop()


def address() -> str:
    return f"focal-{uuid.uuid4().hex[:12]}@city.example.eu"


def refuse(sink: SmtpSink, target: str, reply: str, times: int | None = None) -> None:
    """Answer `reply` to RCPT TO `target` (`times` times, or always); other addresses are accepted."""
    refused = {"n": 0}

    def rule(rcpt: str) -> str | None:
        if rcpt.lower() == target and (times is None or refused["n"] < times):
            refused["n"] += 1
            return reply
        return None

    sink.rcpt_rule = rule


async def test_451_twice_then_accepted_sends_one_email(notifications):
    target = address()
    refuse(notifications.sink, target, "451 4.3.0 try again later", times=2)
    await notifications.publish(submitted_event(contact_email=target, language="fi").to_json())
    await notifications.sink.wait_for(lambda m: target in m.rcpt_tos, timeout=60)
    rows = await notifications.wait_for_deliveries(lambda r: r and r[0]["status"] == "sent", recipient=target)
    assert rows[0]["attempts"] == 3 and rows[0]["language"] == "fi"
    await asyncio.sleep(1)
    mails = [m for m in notifications.sink.messages() if target in m.rcpt_tos]
    assert len(mails) == 1 and mails[0].language == "fi" and "List-Unsubscribe" not in mails[0].message


async def test_550_fails_at_once_tells_staff_and_is_not_retried(notifications):
    target = address()
    refuse(notifications.sink, target, "550 5.1.1 no such mailbox")
    await notifications.publish(submitted_event(contact_email=target, language="sk").to_json())
    notices = await notifications.sink.wait_for(lambda m: target in m.subject and m.rcpt_tos[0] in STAFF, count=2)
    assert {m.rcpt_tos[0] for m in notices} == set(STAFF)
    assert notices[0].subject == f"Email not delivered: {target}" and "550" in notices[0].text_body
    assert "List-Unsubscribe-Post" in notices[0].message
    rows = await notifications.deliveries(recipient=target)
    assert [(r["status"], r["attempts"]) for r in rows] == [("failed", 1)]
    await asyncio.sleep(1.5)
    assert [(r["status"], r["attempts"]) for r in await notifications.deliveries(recipient=target)] == [("failed", 1)]
    assert not [m for m in notifications.sink.messages() if target in m.rcpt_tos]


async def test_transient_failures_until_the_limit_fail_and_dead_letter_the_event(notifications):
    target = address()
    refuse(notifications.sink, target, "451 4.7.1 greylisted")
    event = submitted_event(contact_email=target)
    await notifications.publish(event.to_json())
    rows = await notifications.wait_for_deliveries(lambda r: r and r[0]["status"] == "failed", recipient=target)
    assert rows[0]["attempts"] == MAX_ATTEMPTS and "gave up" in rows[0]["last_error"]
    dead = await dead_letters(notifications.kafka.bootstrap_servers, str(event.event_id).encode())
    assert dead and dead[0]["dlq.consumer"] == "notifications.delivery" and "451" in dead[0]["dlq.reason"]
    await notifications.sink.wait_for(lambda m: target in m.subject and m.rcpt_tos[0] in STAFF, count=2)


async def test_poison_message_is_dead_lettered_and_the_next_one_delivered(notifications):
    target = address()
    poison = b"{not json " + uuid.uuid4().hex.encode()
    await notifications.publish(poison, submitted_event(contact_email=target).to_json(), key=b"same-partition")
    await notifications.sink.wait_for(lambda m: target in m.rcpt_tos)
    dead = await dead_letters(notifications.kafka.bootstrap_servers, poison)
    assert dead and dead[0]["dlq.reason"].startswith("not JSON")


async def test_smtp_server_down_then_up_delivers_everything(notifications):
    targets = [address() for _ in range(5)]
    notifications.sink.stop()
    try:
        await notifications.publish(*(submitted_event(contact_email=t).to_json() for t in targets))
        await notifications.wait_for_deliveries(
            lambda rows: len([r for r in rows if r["status"] == "retrying"]) >= 5, status="retrying"
        )
    finally:
        notifications.sink.start()
    for target in targets:
        await notifications.sink.wait_for(lambda m, t=target: t in m.rcpt_tos, timeout=60)
    await asyncio.sleep(1)
    assert sorted(t for m in notifications.sink.messages() for t in m.rcpt_tos if t in targets) == sorted(targets)


async def test_two_replicas_in_one_group_send_each_email_once(notifications):
    second = ServiceProcess(
        "notifications",
        replace(notifications.config, ports={**notifications.config.ports, "notifications": free_port()}),
    )
    second.log_path = notifications.config.log_dir / "notifications-2.log"
    second.start()
    try:
        second.wait_ready()
        events = [submitted_event(contact_email=address()) for _ in range(30)]
        await notifications.publish(*(e.to_json() for e in events))
        # redeliver a few: a rebalance re-reads uncommitted offsets in the same way
        await notifications.publish(*(e.to_json() for e in events[:5]))
        targets = {str(e.payload.contact_email) for e in events}
        await notifications.sink.wait_for(lambda m: m.rcpt_tos[0] in targets, count=30, timeout=90)
        await asyncio.sleep(2)
        mails = [m for m in notifications.sink.messages() if m.rcpt_tos[0] in targets]
        assert len(mails) == 30 and len({m.message_id for m in mails}) == 30
    finally:
        second.stop()


async def test_staff_api_needs_a_token_and_the_right_role(notifications):
    async with httpx.AsyncClient(base_url=notifications.url, timeout=10) as client:
        assert (await client.get("/api/v1/deliveries")).status_code == 401
        assert (await client.get("/api/v1/deliveries", headers={"Authorization": "Bearer nope"})).status_code == 401
        assert (await client.post("/api/v1/deliveries/1/resend", headers=REVIEWER)).status_code == 403
        bad = await client.get("/api/v1/deliveries", params={"status": "lost"}, headers=REVIEWER)
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "status"]


async def test_preview_any_template_in_any_language(notifications):
    async with httpx.AsyncClient(base_url=notifications.url, timeout=10, headers=REVIEWER) as client:
        names = (await client.get("/api/v1/templates")).json()
        assert "application_received" in names and "staff_digest" in names
        preview = (await client.get("/api/v1/templates/application_received/preview", params={"language": "lv"})).json()
        assert preview["language"] == "lv" and preview["subject"].startswith("Pieteikums saņemts")
        fallback = (await client.get("/api/v1/templates/staff_digest/preview", params={"language": "pt-PT"})).json()
        assert fallback["language"] == "pt" and "2 notificações" in fallback["subject"]
        assert (await client.get("/api/v1/templates/nope/preview")).status_code == 404


async def test_resend_sends_the_same_email_again_and_explain_says_why(notifications):
    target = address()
    event = submitted_event(contact_email=target, language="da")
    await notifications.publish(event.to_json())
    await notifications.sink.wait_for(lambda m: target in m.rcpt_tos)
    [row] = await notifications.deliveries(recipient=target)
    async with httpx.AsyncClient(base_url=notifications.url, timeout=10) as client:
        response = await client.post(f"/api/v1/deliveries/{row['id']}/resend", headers=ADMIN)
        assert response.status_code == 200, response.text
        mails = await notifications.sink.wait_for(lambda m: target in m.rcpt_tos, count=2)
        assert mails[0].message_id == mails[1].message_id
        why = (
            await client.get(
                "/api/v1/explain", params={"recipient": target, "event_id": str(event.event_id)}, headers=REVIEWER
            )
        ).json()
        assert why["event_processed"] is True and "accepted by the mail server" in why["verdict"]
        assert why["deliveries"][0]["language"] == "da" and "essential" in why["deliveries"][0]["decision"]
        stranger = (
            await client.get(
                "/api/v1/explain", params={"recipient": address(), "event_id": str(event.event_id)}, headers=REVIEWER
            )
        ).json()
        assert "not a recipient" in stranger["verdict"]
        unknown = (
            await client.get(
                "/api/v1/explain", params={"recipient": target, "event_id": str(uuid.uuid4())}, headers=REVIEWER
            )
        ).json()
        assert unknown["event_processed"] is False and "has not received" in unknown["verdict"]


async def test_one_click_unsubscribe_stops_that_kind_of_email_only(notifications):
    staff = STAFF[0]
    first = submitted_event(contact_email=address())
    await notifications.publish(first.to_json())
    [mail] = await notifications.sink.wait_for(
        lambda m: staff in m.rcpt_tos and str(first.payload.application_id) in (m.text_body or "")
    )
    link = str(mail.message["List-Unsubscribe"]).strip("<>")
    assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click" and link in mail.text_body
    async with httpx.AsyncClient(timeout=10) as client:
        page = await client.get(link)
        assert page.status_code == 200 and "<form" in page.text
        assert (await client.post(link)).status_code == 200
        assert (await client.post(link.replace("token=", "token=x"))).status_code == 400
    second = submitted_event(contact_email=address())
    await notifications.publish(second.to_json())
    await notifications.sink.wait_for(lambda m: m.rcpt_tos[0] == str(second.payload.contact_email))
    rows = await notifications.wait_for_deliveries(
        lambda r: len(r) == 1, recipient=staff, event_id=str(second.event_id)
    )
    assert rows[0]["status"] == "suppressed" and "unsubscribed" in rows[0]["decision"]


async def test_staff_digest_collects_the_day_in_the_staff_language(notifications):
    staff = STAFF[1]
    async with httpx.AsyncClient(base_url=notifications.url, timeout=10, headers=ADMIN) as client:
        profile = {"language": "de", "timezone": "Europe/Berlin", "digest_kinds": ["staff_new_application"]}
        response = await client.put(f"/api/v1/staff-profiles/{staff}", json=profile)
        assert response.status_code == 200, response.text
        bad = await client.put(f"/api/v1/staff-profiles/{staff}", json=profile | {"digest_kinds": ["nope"]})
        assert bad.status_code == 422
    events = [submitted_event(contact_email=address()) for _ in range(2)]
    await notifications.publish(*(e.to_json() for e in events))
    for event in events:
        await notifications.wait_for_deliveries(
            lambda r: [x["status"] for x in r] == ["held"], recipient=staff, event_id=str(event.event_id)
        )
    settings = load_settings(
        database_url=notifications.config.database_url,
        kafka_bootstrap_servers=notifications.kafka.bootstrap_servers,
        secret_key=notifications.config.secret_key,
        staff_emails=STAFF,
    )
    pool = await create_pool(settings.dsn, "notifications")
    try:
        tomorrow = datetime.now(UTC) + timedelta(days=1)
        deps = Dependencies.of("notifications", pool, settings, clock=lambda: tomorrow)
        wake_delivery = NotifyWakeup(settings.dsn, WAKEUP_CHANNEL).poke  # this process has no worker to poke
        assert await compose_due(deps, wake_delivery) == 1
        assert await compose_due(deps, wake_delivery) == 0
    finally:
        await pool.close()
    [digest] = await notifications.sink.wait_for(lambda m: staff in m.rcpt_tos and "Tageszusammenfassung" in m.subject)
    assert digest.language == "de" and digest.subject.endswith(": 2 Benachrichtigungen")
    assert all(str(e.payload.city) in digest.text_body for e in events)


async def test_person_erased_removes_address_and_bodies(notifications):
    target = address()
    await notifications.publish(submitted_event(contact_email=target).to_json())
    await notifications.sink.wait_for(lambda m: target in m.rcpt_tos)
    erased = PersonErased(person_id=uuid.uuid4(), email=target, erased_at=datetime.now(UTC), reason="request")
    await notifications.publish(
        new_event(
            erased,
            key="p",
            event_id=uuid.uuid4(),
            occurred_at=datetime.now(UTC),
            producer="registration",
            correlation_id="c",
        ).to_json()
    )
    await notifications.wait_for_deliveries(lambda r: r == [], recipient=target)
    async with httpx.AsyncClient(base_url=notifications.url, timeout=10, headers=REVIEWER) as client:
        erased_rows = [
            r
            for r in (await client.get("/api/v1/deliveries", params={"limit": 500})).json()["deliveries"]
            if r["recipient"].startswith("erased:")
        ]
        assert erased_rows and all(r["subject"] == "" for r in erased_rows)
        detail = (await client.get(f"/api/v1/deliveries/{erased_rows[0]['id']}")).json()
        assert detail["body_text"] == detail["body_html"] == ""


async def test_replaying_dead_letters_resends_failed_emails_and_republishes_poison(notifications):
    target = address()
    refuse(notifications.sink, target, "451 4.7.1 greylisted")
    await notifications.publish(
        b"{poison " + uuid.uuid4().hex.encode(), submitted_event(contact_email=target).to_json()
    )
    await notifications.wait_for_deliveries(lambda r: r and r[0]["status"] == "failed", recipient=target)
    notifications.sink.rcpt_rule = None
    [failed] = await notifications.deliveries(recipient=target)
    async with httpx.AsyncClient(base_url=notifications.url, timeout=60, headers=ADMIN) as client:
        waiting = await waiting_sources(client, f"deliveries/{failed['id']}")
        assert waiting[f"deliveries/{failed['id']}"] == "resend" and "republish" in waiting.values()
        assert (await client.get("/api/v1/dead-letters", headers=REVIEWER)).status_code == 403
        first = (await client.post("/api/v1/dead-letters/replay")).json()
        assert first["resent"] >= 1 and first["republished"] >= 1, first
        await notifications.sink.wait_for(lambda m: target in m.rcpt_tos)
        again = (await client.post("/api/v1/dead-letters/replay")).json()
        assert again["resent"] == 0, "each dead letter is replayed once"
        after = (await client.get("/api/v1/dead-letters")).json()
        assert f"deliveries/{failed['id']}" not in {d["source"] for d in after}


async def waiting_sources(client: httpx.AsyncClient, source: str, timeout: float = 30) -> dict[str, str]:
    """Source -> replay action of the dead letters the next replay would act on, once `source` is among them."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        listed = (await client.get("/api/v1/dead-letters")).json()
        found = {d["source"]: d["action"] for d in listed}
        if source in found or asyncio.get_running_loop().time() > deadline:
            return found
        await asyncio.sleep(0.5)


async def test_invitation_arrives_with_its_calendar(notifications):
    target = address()
    event = confirmed(target, sequence=2, language="it")
    await notifications.publish(event.to_json(), topic=topics.SCHEDULING.name)
    [mail] = await notifications.sink.wait_for(lambda m: target in m.rcpt_tos)
    assert mail.language == "it" and mail.subject.startswith("Invito:")
    assert [a.filename for a in mail.attachments] == ["invite.ics"]
    calendar_part = next(p for p in mail.message.walk() if p.get_content_type() == "text/calendar")
    vevent = icalendar.Calendar.from_ical(calendar_part.get_content()).walk("VEVENT")[0]
    assert str(vevent["UID"]) == event.payload.invitation.ics_uid and int(vevent["SEQUENCE"]) == 2


async def dead_letters(bootstrap: str, needle: bytes, timeout: float = 30) -> list[dict]:
    records = await read_dead_letters(bootstrap, lambda r: needle in (r.value or b""), count=1, timeout=timeout)
    return [{k: v.decode() for k, v in r.headers} | {"value": r.value} for r in records]
