"""'Why did X (not) get this email?': the delivery log, the consumer's ledger and the recipient's
preferences, put into one answer for staff."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from services.notifications import storage
from services.notifications.consumers import CONSUMER
from services.notifications.routes import ROUTES
from shared.runtime import Runtime

STATUS_MEANING = {
    "pending": "waiting to be sent (due {next_attempt_at})",
    "sending": "being sent right now (attempt {attempts})",
    "sent": "accepted by the mail server at {sent_at} as {message_id}",
    "retrying": "temporary failure ({last_error}); attempt {attempts} done, next at {next_attempt_at}",
    "failed": "not delivered after {attempts} attempt(s): {last_error}; staff were told",
    "suppressed": "not sent",
    "held": "held for the daily digest",
    "digested": "sent inside the daily digest (delivery {digest_id})",
}


def describe(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "delivery_id": row["id"],
        "event_type": row["event_type"],
        "template": row["template"],
        "essential": row["essential"],
        "language": row["language"],
        "status": row["status"],
        "decision": row["decision"],
        "outcome": STATUS_MEANING[row["status"]].format(**dict(row)),
    }


def verdict(
    event_id: UUID | None, processed: bool | None, mine: list[asyncpg.Record], others: list[asyncpg.Record]
) -> str:
    if mine:
        return "; ".join(f"{r['template']}: {STATUS_MEANING[r['status']].format(**dict(r))}" for r in mine)
    if event_id is None:
        return "no email to this address in the delivery log"
    if not processed:
        return (
            "notifications has not received this event (yet): look at the producer's outbox, the topic's lag "
            "and the dead-letter topic"
        )
    if not others:
        return "the event was processed but caused no email: its type has no route (ignored on purpose)"
    templates = sorted({r["template"] for r in others})
    return f"the event caused {len(others)} email(s) ({', '.join(templates)}) but this address is not a recipient"


async def explain(runtime: Runtime, recipient: str, event_id: UUID | None) -> dict[str, Any]:
    pool = runtime.pool
    mine = await storage.deliveries_about(pool, recipient, event_id)
    processed = await storage.was_processed(pool, CONSUMER, event_id) if event_id else None
    others = (
        await storage.list_deliveries(pool, recipient=None, event_id=event_id, status=None, limit=500, before_id=None)
        if event_id
        else []
    )
    opted = sorted(kind for _, kind in await storage.opted_out(pool, [recipient]))
    return {
        "recipient": recipient,
        "event_id": event_id,
        "event_processed": processed,
        "verdict": verdict(event_id, processed, mine, others),
        "deliveries": [describe(r) for r in mine],
        "unsubscribed_from": opted,
        "routed_event_types": sorted(payload.TYPE for payload in ROUTES),
    }
