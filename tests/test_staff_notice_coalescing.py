"""Staff notices coalesced per staff member (issue [5/6]): during a burst, a staff member gets the first
"new application" at once and the others together in one email when the window ends; applicants still
get their own confirmation at once. Alone: the rule. On the stack's database and sink: the workflows,
with the clock stopped at chosen moments."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.notifications.domain.coalescing import COALESCED, LISTED, WaitingNotice, coalesces, held_until
from services.notifications.domain.emails import PlannedEmail, Recipient
from services.notifications.mail.rendering import render
from services.notifications.mail.samples import PAYLOADS
from services.notifications.workflows.coalescing import release_due
from services.notifications.workflows.events import record_emails
from shared.contracts.events import new_event
from shared.dependencies import Dependencies
from shared.settings import Settings
from shared.storage.database import create_pool

WINDOW = timedelta(minutes=5)
T = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def test_the_first_notice_goes_and_the_next_ones_wait_for_the_end_of_its_window():
    assert held_until(None, T, WINDOW) is None
    assert held_until(T, T + timedelta(seconds=10), WINDOW) == T + WINDOW
    assert held_until(T, T + WINDOW, WINDOW) is None
    assert held_until(T, T + timedelta(seconds=10), timedelta(0)) is None  # 0: each at once


def test_only_staff_notices_are_coalesced():
    staff, applicant = Recipient("s@efus.eu", "Efus staff", "en", is_staff=True), Recipient("a@x.eu", "A", "pl")
    assert coalesces(PlannedEmail(staff, "staff_new_application", False, {}))
    assert not coalesces(PlannedEmail(applicant, "application_received", True, {}))
    assert not coalesces(PlannedEmail(staff, COALESCED, False, {}))


@pytest.fixture
async def pool(stack):
    connections = await create_pool(stack.config.database_url, "notifications", max_size=2)
    yield connections
    await connections.close()


def at(stack, pool, moment: datetime, staff: str) -> Dependencies:
    config = stack.config
    settings = Settings(
        database_url=config.database_url, kafka_bootstrap_servers=config.kafka_bootstrap_servers,
        secret_key=config.secret_key, staff_emails=(staff,), staff_notice_window_seconds=int(WINDOW.total_seconds()),
    )  # fmt: skip
    return Dependencies.of("notifications", pool, settings, clock=lambda: moment)


async def a_new_application(deps: Dependencies, city: str) -> None:
    payload = PAYLOADS["staff_new_application"].model_copy(update={"city": city, "application_id": uuid.uuid4()})
    event = new_event(payload, key=str(payload.application_id), event_id=uuid.uuid4(), occurred_at=deps.now(),
                      producer="registration", correlation_id="coalescing-test")  # fmt: skip
    async with deps.pool.acquire() as conn, conn.transaction():
        await record_emails(deps, conn, event)


async def test_a_burst_gives_staff_one_email_at_once_and_one_listing_the_rest(stack, pool, smtp_sink):
    staff = f"staff-{uuid.uuid4().hex[:8]}@efus.example.eu"
    now = datetime.now(UTC)
    cities = [f"Sopot {uuid.uuid4().hex[:4]}" for _ in range(3)]
    for seconds, city in zip((0, 10, 20), cities, strict=True):
        await a_new_application(at(stack, pool, now + timedelta(seconds=seconds), staff), city)
    rows = await pool.fetch(
        "SELECT status, release_at, body_text, body_html FROM deliveries WHERE recipient = $1 ORDER BY id", staff
    )
    assert [r["status"] for r in rows][0] in ("pending", "sending", "sent")
    assert [(r["status"], r["release_at"]) for r in rows[1:]] == [("coalesced", now + WINDOW)] * 2
    assert rows[0]["body_html"] and all(r["body_text"] and r["body_html"] == "" for r in rows[1:]), (
        "a waiting notice keeps its text for the list, and no HTML part nobody reads"
    )

    assert await release_due(at(stack, pool, now + WINDOW - timedelta(seconds=1), staff), lambda: None) == 0
    assert await release_due(at(stack, pool, now + WINDOW, staff), lambda: None) == 1
    await pool.execute("SELECT pg_notify('notifications_deliveries', '')")
    mails = await smtp_sink.wait_for(lambda m: staff in m.rcpt_tos, count=2, timeout=30)
    [together] = [m for m in mails if "more" in m.subject]
    [first] = [m for m in mails if m is not together]
    assert cities[0] in first.subject and cities[1] in together.subject and "1" in together.subject
    assert cities[1] in together.text_body and cities[2] in together.text_body
    listed = await pool.fetch("SELECT id, status, digest_id FROM deliveries WHERE recipient = $1 ORDER BY id", staff)
    assert [(r["status"], r["digest_id"]) for r in listed[1:3]] == [("digested", listed[3]["id"])] * 2

    # The email that listed them opened the next window: a notice just after it waits again.
    after = at(stack, pool, now + WINDOW + timedelta(seconds=5), staff)
    await a_new_application(after, f"Sopot {uuid.uuid4().hex[:4]}")
    last = await pool.fetchrow("SELECT status, release_at FROM deliveries WHERE recipient = $1 ORDER BY id DESC", staff)
    assert (last["status"], last["release_at"]) == ("coalesced", now + 2 * WINDOW)
    applicants = await pool.fetchval(
        "SELECT count(*) FROM deliveries WHERE template = 'application_received' AND correlation_id = 'coalescing-test'"
        " AND status <> 'coalesced'"
    )
    assert applicants >= 4  # the applicants' own confirmations are never held


def test_a_window_of_thousands_lists_the_first_and_counts_the_rest():
    """After a deadline burst, one email does not carry ten thousand notices: LISTED in full, the rest counted."""
    now = datetime.now(UTC)
    notices = [
        WaitingNotice(n, "staff@efus.eu", "staff_new_application", "fr", f"Candidature {n}", f"Ville {n}", now)
        for n in range(LISTED)
    ]
    email = render(COALESCED, "fr", {"notices": notices, "total": 10_000})
    assert email.subject.startswith("Candidature 0") and "9999" in email.subject
    assert f"Ville {LISTED - 1}" in email.text and email.text.count("* Candidature") == LISTED
    assert "non repris ici : 9980" in email.text and "9980" in email.html
