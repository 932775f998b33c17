"""Delivering what the delivery log says is due, and recording the outcome.

A row is leased ('sending', lease_until) before the SMTP transaction and marked 'sent' right after
the server accepted it. The remaining window for a duplicate is a crash between the server's
acceptance (the reply to DATA) and that one-row UPDATE: the lease then expires and the email is
sent again, with the same Message-ID, so mail clients and the sink can recognise it. Nothing
shorter is possible with SMTP, which has no idempotent submission; the UPDATE runs on a pooled
connection straight after the reply (one database round trip), and is retried while the lease
holds if PostgreSQL is briefly unreachable, so only a crash of this process opens the window.

Two replicas never send the same row concurrently: claiming uses FOR UPDATE SKIP LOCKED.
Each process sends over NOTIFICATIONS_SMTP_CONNECTIONS connections at once (one lane each); a
recipient always maps to the same lane, so their emails keep their order. With one connection the
worker waited on every SMTP and database round trip in turn (~75 emails/s measured).
Pacing: each process sends at most NOTIFICATIONS_MAX_SEND_RATE emails per second, all lanes together.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from services.notifications.domain.bounces import return_path
from services.notifications.domain.dead_letters import DELIVERY_CONSUMER
from services.notifications.domain.delivery import (
    LEASE,
    RetryPolicy,
    SendPace,
    StoredEmail,
    final_error,
    lane_of,
    retry_at,
)
from services.notifications.domain.emails import failure_notices
from services.notifications.mail.message import build_message
from services.notifications.mail.smtp import DeliveryFailed, SmtpSender
from services.notifications.storage import deliveries
from services.notifications.workflows.recording import Origin, read_staff, record
from shared.dependencies import Dependencies
from shared.logs import correlation_id
from shared.settings import Settings
from shared.storage.database import DATABASE_ERRORS

log = logging.getLogger(__name__)

BATCH = 100
DEAD_LETTER_CONSUMER = DELIVERY_CONSUMER


class DeadLetterSender(Protocol):
    """shared.messaging.kafka.DeadLetters, as delivering uses it."""

    async def send_value(self, value: bytes, key: bytes | None, reason: str, *, consumer: str, source: str) -> None: ...


@dataclass
class Sending:
    """What delivering needs besides Dependencies: one SMTP sender per lane, the shared pace, the retry
    policy and its jitter, where finally failed events go, and the delivery wakeup to poke."""

    senders: Sequence[SmtpSender]
    policy: RetryPolicy
    pace: SendPace
    dead_letters: DeadLetterSender
    wake: Callable[[], None]
    rng: random.Random = field(default_factory=random.Random)

    @classmethod
    def configured(
        cls, settings: Settings, senders: Sequence[SmtpSender], dead_letters: DeadLetterSender, wake: Callable[[], None]
    ) -> Sending:
        policy = RetryPolicy(settings.notifications_max_attempts, settings.notifications_retry_base_seconds)
        pace = SendPace(settings.notifications_max_send_rate, burst=max(1.0, settings.notifications_max_send_rate))
        return cls(senders, policy, pace, dead_letters, wake)


async def deliver_due(deps: Dependencies, sending: Sending) -> int:
    """Send up to BATCH due emails, each lane in order; returns how many were claimed."""
    due = await deliveries.claim_due(deps.pool, deps.now(), BATCH)
    lanes: list[list[StoredEmail]] = [[] for _ in sending.senders]
    for email in due:
        lanes[lane_of(email.recipient, len(lanes))].append(email)
    await asyncio.gather(
        *(_deliver_in_order(deps, sending, sender, lane) for sender, lane in zip(sending.senders, lanes, strict=True))
    )
    return len(due)


async def _deliver_in_order(
    deps: Dependencies, sending: Sending, sender: SmtpSender, emails: list[StoredEmail]
) -> None:
    for email in emails:
        wait = sending.pace.wait_before_next(deps.now())
        if wait > 0:
            await asyncio.sleep(wait)
        await _deliver(deps, sending, sender, email)


async def _deliver(deps: Dependencies, sending: Sending, sender: SmtpSender, email: StoredEmail) -> None:
    token = correlation_id.set(email.correlation_id)
    try:
        mail = build_message(
            sender=deps.settings.mail_from,
            recipient=email.recipient,
            subject=email.subject,
            text=email.body_text,
            html=email.body_html,
            language=email.language,
            message_id=email.message_id,
            date=email.created_at,
            unsubscribe_url=email.unsubscribe_url,
            calendar=email.calendar,
            calendar_method=email.calendar_method,
        )
        bounce_address = deps.settings.bounce_address
        envelope_from = return_path(str(bounce_address), email.id) if bounce_address else None
        try:
            await sender.send(mail, envelope_from)
        except DeliveryFailed as failure:
            await _record_failure(deps, sending, email, failure)
            return
        await _record_sent(deps, email)
        log.info("email sent", extra={"template": email.template, "message_id": email.message_id})
    finally:
        correlation_id.reset(token)


async def _record_sent(deps: Dependencies, email: StoredEmail) -> None:
    """The server accepted the email: keep trying to say so while the lease holds (PostgreSQL may be
    restarting), so that the lease does not expire into a resend."""
    deadline = asyncio.get_running_loop().time() + LEASE.total_seconds() - 5
    delay = 0.2
    while True:
        try:
            await deliveries.mark_sent(deps.pool, email.id, deps.now())
            return
        except DATABASE_ERRORS as error:
            if asyncio.get_running_loop().time() + delay > deadline:
                raise
            log.warning("could not record a sent email yet", extra={"error": repr(error)})
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


async def _record_failure(deps: Dependencies, sending: Sending, email: StoredEmail, failure: DeliveryFailed) -> None:
    attempts, transient = email.attempts, failure.transient
    again_at = retry_at(deps.now(), attempts, sending.rng.random(), sending.policy, transient=transient)
    if again_at is not None:
        await deliveries.mark_retry(deps.pool, email.id, str(failure), again_at)
        log.warning("email deferred", extra={"attempts": attempts, "error": str(failure)})
        return
    error = final_error(str(failure), attempts, transient=transient)
    await _fail_and_tell_staff(deps, email, error)
    sending.wake()
    if transient and email.event is not None:
        await _dead_letter(sending.dead_letters, email, email.event, error)
    log.error("email failed", extra={"attempts": attempts, "error": error, "template": email.template})


async def _fail_and_tell_staff(deps: Dependencies, email: StoredEmail, error: str) -> None:
    async with deps.pool.acquire() as conn, conn.transaction():
        await deliveries.mark_failed(conn, email.id, error)
        staff = await read_staff(conn, deps.settings)
        notice_id, notices = failure_notices(
            email.id, email.recipient, email.template, email.subject, error, staff.members
        )
        await record(conn, deps.settings, Origin(notice_id, "DeliveryFailed", email.correlation_id), notices, staff)


async def _dead_letter(dead_letters: DeadLetterSender, email: StoredEmail, event: str, error: str) -> None:
    """Best effort: the row already says failed, and staff were told even if Kafka is down."""
    try:
        await dead_letters.send_value(
            event.encode(),
            str(email.event_id).encode(),
            f"email {email.template} to delivery {email.id} failed: {error}",
            consumer=DEAD_LETTER_CONSUMER,
            source=f"deliveries/{email.id}",
        )
    except Exception as failure:
        log.warning("could not dead-letter a failed delivery", extra={"error": repr(failure)})
