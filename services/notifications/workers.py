"""Notifications' background loops (thin: each round is a workflow): the delivery loop sends what is
due and otherwise waits on its wakeup; the digest loop composes the staff digests once a minute; the
coalescing loop sends the staff notices whose window ended (workflows/coalescing.py); the
retention loop empties old emails' bodies once a minute (workflows/retention.py); with a bounce address
and port, the bounce inbox receives the reports of mail that bounced (mail/inbound.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial

from services.notifications.mail.inbound import serve_bounce_inbox
from services.notifications.workflows import coalescing, retention
from services.notifications.workflows.digest import compose_due
from services.notifications.workflows.sending import BATCH, Sending, deliver_due
from shared.background import in_rounds
from shared.dependencies import Dependencies
from shared.messaging.wakeup import NotifyWakeup
from shared.storage.database import DATABASE_ERRORS

log = logging.getLogger(__name__)

POLL_INTERVAL = 1.0
DIGEST_INTERVAL = 60.0
RETENTION_INTERVAL = 60.0
COALESCING_INTERVAL = 5.0
PAUSE_AFTER_DATABASE_ERROR = 1.0


async def retention_round(deps: Dependencies) -> int:
    erased = await retention.erase_old_bodies(deps)
    if erased:
        log.info("bodies of old emails erased", extra={"deliveries": erased})
    return erased


def build(deps: Dependencies, sending: Sending, wakeup: NotifyWakeup) -> list[Callable[[], Awaitable[None]]]:
    """`wakeup` is the process's delivery wakeup: the consumer pokes it after each committed event."""

    async def deliver_emails() -> None:
        try:
            await in_rounds(
                "deliver_emails",
                partial(deliver_due, deps, sending),
                wait=partial(wakeup.wait, POLL_INTERVAL),
                batch=BATCH,
                expected=DATABASE_ERRORS,
                pause_after_failure=PAUSE_AFTER_DATABASE_ERROR,
            )
        finally:
            await wakeup.close()
            for sender in sending.senders:
                await sender.close()

    async def compose_digests() -> None:
        await in_rounds(
            "compose_digests",
            partial(compose_due, deps, wakeup.poke),
            wait=partial(asyncio.sleep, DIGEST_INTERVAL),
            expected=DATABASE_ERRORS,
        )

    async def release_coalesced() -> None:
        await in_rounds(
            "release_coalesced",
            partial(coalescing.release_due, deps, wakeup.poke),
            wait=partial(asyncio.sleep, COALESCING_INTERVAL),
            expected=DATABASE_ERRORS,
        )

    async def erase_old_bodies() -> None:
        await in_rounds(
            "erase_old_bodies",
            partial(retention_round, deps),
            wait=partial(asyncio.sleep, RETENTION_INTERVAL),
            batch=retention.BATCH,
            expected=DATABASE_ERRORS,
        )

    loops = [deliver_emails, compose_digests, release_coalesced, erase_old_bodies]
    if deps.settings.bounce_address and deps.settings.bounce_smtp_port:

        async def bounce_inbox() -> None:
            await serve_bounce_inbox(deps)

        loops.append(bounce_inbox)
    return loops
