"""'Why did X (not) get this email?': the delivery log, the consumer's ledger and the recipient's
preferences put into one answer for staff.

The answer's `reason` is one of REASONS (the staff pages say each in words); `verdict` says the same
in an English sentence with the details, for the JSON API and logs."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from services.notifications.domain.delivery import Delivery

Reason = Literal["emailed", "no_email_to_address", "event_not_received", "no_route", "not_a_recipient"]
REASONS: tuple[Reason, ...] = ("emailed", "no_email_to_address", "event_not_received", "no_route", "not_a_recipient")

STATUS_MEANING = {
    "pending": "waiting to be sent (due {next_attempt_at})",
    "sending": "being sent right now (attempt {attempts})",
    "sent": "accepted by the mail server at {sent_at} as {message_id}",
    "retrying": "temporary failure ({last_error}); attempt {attempts} done, next at {next_attempt_at}",
    "failed": "not delivered after {attempts} attempt(s): {last_error}; staff were told",
    "suppressed": "not sent",
    "held": "held for the daily digest",
    "digested": "sent inside the daily digest (delivery {digest_id})",
    "bounced": "accepted at {sent_at}, then bounced back ({last_error})",
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


def reason_of(event_id: UUID | None, processed: bool | None, mine: list[Delivery], others: list[Delivery]) -> Reason:
    if mine:
        return "emailed"
    if event_id is None:
        return "no_email_to_address"
    if not processed:
        return "event_not_received"
    return "not_a_recipient" if others else "no_route"


def verdict(event_id: UUID | None, processed: bool | None, mine: list[Delivery], others: list[Delivery]) -> str:
    reason = reason_of(event_id, processed, mine, others)
    if reason == "emailed":
        return "; ".join(f"{d.template}: {outcome(d)}" for d in mine)
    if reason == "no_email_to_address":
        return "no email to this address in the delivery log"
    if reason == "event_not_received":
        return (
            "notifications has not received this event (yet): look at the producer's outbox, the topic's lag "
            "and the dead-letter topic"
        )
    if reason == "no_route":
        return "the event was processed but caused no email: its type has no route (ignored on purpose)"
    templates = sorted({d.template for d in others})
    return f"the event caused {len(others)} email(s) ({', '.join(templates)}) but this address is not a recipient"


@dataclass(frozen=True)
class BounceSeen:
    """A bounce as the explainer shows it."""

    delivery_id: int | None
    kind: str
    status: str
    diagnostic: str
    received_at: datetime


@dataclass(frozen=True)
class Explanation:
    recipient: str
    event_id: UUID | None
    event_processed: bool | None
    reason: Reason
    verdict: str
    deliveries: tuple[Delivery, ...]
    """The recipient's emails (of the event, or their latest), newest first."""
    unsubscribed_from: tuple[str, ...]
    routed_event_types: tuple[str, ...]
    caused_templates: tuple[str, ...]
    """The templates the event caused for others (when this address is not a recipient)."""
    bounces: tuple[BounceSeen, ...] = ()
    """The bounces of this address, newest first; a permanent one stops its non-essential mail."""

    def answer(self) -> dict[str, Any]:
        """The JSON API's answer."""
        return {
            "recipient": self.recipient,
            "event_id": self.event_id,
            "event_processed": self.event_processed,
            "reason": self.reason,
            "verdict": self.verdict,
            "deliveries": [describe(d) for d in self.deliveries],
            "unsubscribed_from": list(self.unsubscribed_from),
            "bounces": [asdict(b) for b in self.bounces],
            "routed_event_types": list(self.routed_event_types),
        }


def explanation(
    recipient: str,
    event_id: UUID | None,
    processed: bool | None,
    mine: list[Delivery],
    others: list[Delivery],
    unsubscribed_from: list[str],
    routed_event_types: list[str],
    bounces: tuple[BounceSeen, ...] = (),
) -> Explanation:
    return Explanation(
        recipient=recipient,
        event_id=event_id,
        event_processed=processed,
        reason=reason_of(event_id, processed, mine, others),
        verdict=verdict(event_id, processed, mine, others),
        deliveries=tuple(mine),
        unsubscribed_from=tuple(unsubscribed_from),
        routed_event_types=tuple(routed_event_types),
        caused_templates=tuple(sorted({d.template for d in others})) if not mine else (),
        bounces=bounces,
    )
