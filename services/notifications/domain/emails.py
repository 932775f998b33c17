"""Who an email goes to, what recipients chose, and how each email is keyed and decided: now, in
the staff digest or not at all. Staff are told when an email finally failed."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID, uuid5

from shared.calendar import CalendarInvite
from shared.contracts.common import is_erased_address

STAFF_LANGUAGE = "en"
STAFF_TIMEZONE = "Europe/Brussels"
STAFF_NAME = "Efus staff"
MESSAGE_ID_DOMAIN = "pactesur.efus.eu"
FAILURE_NOTICE = "staff_delivery_failed"
NOTICE_NAMESPACE = UUID("5d0c8f55-6c1f-4b53-9c7e-8a0d7f2b3e11")

InitialStatus = Literal["pending", "suppressed", "held"]


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    language: str
    timezone: str = STAFF_TIMEZONE
    is_staff: bool = False


@dataclass(frozen=True)
class PlannedEmail:
    """One email to write to the delivery log. `context` holds what its templates read: for an event's
    email the contract instance as `payload`, plus `recipient_name` and, for an invitation, the
    recipient's `invitation` and the `change` it announces."""

    recipient: Recipient
    template: str
    essential: bool
    context: Mapping[str, Any]
    calendar: CalendarInvite | None = None


@dataclass(frozen=True)
class StaffProfile:
    email: str
    language: str
    timezone: str
    digest_kinds: tuple[str, ...]


@dataclass(frozen=True)
class Staff:
    """The staff as emails see them: each member in their language and zone, and their digest choices."""

    members: tuple[Recipient, ...] = ()
    digest: frozenset[tuple[str, str]] = frozenset()
    """(lower-cased address, kind) a member takes in the daily digest."""


NO_STAFF = Staff()


def staff_of(emails: tuple[str, ...], profiles: Mapping[str, StaffProfile]) -> Staff:
    """The staff from STAFF_EMAILS and their saved profiles (a member without one gets the defaults)."""
    members = []
    for email in emails:
        profile = profiles.get(email.lower())
        language = profile.language if profile else STAFF_LANGUAGE
        timezone = profile.timezone if profile else STAFF_TIMEZONE
        members.append(Recipient(email, STAFF_NAME, language, timezone, is_staff=True))
    digest = {(profile.email, kind) for profile in profiles.values() for kind in profile.digest_kinds}
    return Staff(tuple(members), frozenset(digest))


@dataclass(frozen=True)
class Preferences:
    """What recipients chose: kinds they unsubscribed from, kinds staff want in the daily digest; and
    the addresses whose mail bounced permanently (domain/bounces.py)."""

    opted_out: frozenset[tuple[str, str]] = frozenset()  # (lower-cased address, kind)
    digest: frozenset[tuple[str, str]] = frozenset()
    bounced: frozenset[str] = frozenset()  # lower-cased addresses


@dataclass(frozen=True)
class Disposition:
    status: InitialStatus
    decision: str


def disposition(email: PlannedEmail, preferences: Preferences) -> Disposition:
    """Essential emails always go (except to an erased person's placeholder); others respect an
    unsubscribe, a permanent bounce, and staff's digest choice."""
    key = (email.recipient.email.lower(), email.template)
    if is_erased_address(key[0]):
        return Disposition("suppressed", "not sent: the recipient's personal data was erased")
    if email.essential:
        return Disposition("pending", "essential: always sent")
    if key in preferences.opted_out:
        return Disposition("suppressed", "not sent: the recipient unsubscribed from this kind of email")
    if key[0] in preferences.bounced:
        return Disposition("suppressed", "not sent: earlier mail to this address bounced permanently")
    if email.recipient.is_staff and key in preferences.digest:
        return Disposition("held", "held for the recipient's daily digest")
    return Disposition("pending", "sent immediately")


def message_id(event_id: UUID, recipient: str, template: str) -> str:
    """Deterministic Message-ID from the idempotency key: a resend is recognisably the same email."""
    digest = hashlib.sha256(f"{event_id}|{recipient.lower()}|{template}".encode()).hexdigest()[:40]
    return f"<{digest}@{MESSAGE_ID_DOMAIN}>"


def failure_notices(
    delivery_id: int, recipient: str, template: str, subject: str, error: str, staff: tuple[Recipient, ...]
) -> tuple[UUID, list[PlannedEmail]]:
    """Staff are told when an email is finally not delivered (never about a failed notice itself).

    The notice's event id derives from the failed delivery, so telling twice is impossible."""
    notice_id = uuid5(NOTICE_NAMESPACE, f"delivery-failed:{delivery_id}")
    if template == FAILURE_NOTICE:
        return notice_id, []
    context = {"recipient": recipient, "failed_subject": subject, "error": error[:500], "delivery_id": delivery_id}
    return notice_id, [PlannedEmail(member, FAILURE_NOTICE, False, context) for member in staff]
