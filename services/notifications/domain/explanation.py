"""'Why did X (not) get this email?': the delivery log, the consumer's ledger and the recipient's
preferences put into one answer for staff."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from uuid import UUID

from services.notifications.domain.delivery import Delivery

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


def outcome(delivery: Delivery) -> str:
    return STATUS_MEANING[delivery.status].format(**asdict(delivery))


def describe(delivery: Delivery) -> dict[str, Any]:
    return {
        "delivery_id": delivery.id,
        "event_type": delivery.event_type,
        "template": delivery.template,
        "essential": delivery.essential,
        "language": delivery.language,
        "status": delivery.status,
        "decision": delivery.decision,
        "outcome": outcome(delivery),
    }


def verdict(event_id: UUID | None, processed: bool | None, mine: list[Delivery], others: list[Delivery]) -> str:
    if mine:
        return "; ".join(f"{d.template}: {outcome(d)}" for d in mine)
    if event_id is None:
        return "no email to this address in the delivery log"
    if not processed:
        return (
            "notifications has not received this event (yet): look at the producer's outbox, the topic's lag "
            "and the dead-letter topic"
        )
    if not others:
        return "the event was processed but caused no email: its type has no route (ignored on purpose)"
    templates = sorted({d.template for d in others})
    return f"the event caused {len(others)} email(s) ({', '.join(templates)}) but this address is not a recipient"


def explanation(
    recipient: str,
    event_id: UUID | None,
    processed: bool | None,
    mine: list[Delivery],
    others: list[Delivery],
    unsubscribed_from: list[str],
    routed_event_types: list[str],
) -> dict[str, Any]:
    return {
        "recipient": recipient,
        "event_id": event_id,
        "event_processed": processed,
        "verdict": verdict(event_id, processed, mine, others),
        "deliveries": [describe(d) for d in mine],
        "unsubscribed_from": unsubscribed_from,
        "routed_event_types": routed_event_types,
    }
