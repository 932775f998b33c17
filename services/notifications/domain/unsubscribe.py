"""The unsubscribe link of a non-essential email: signed, it names the recipient, the kind of email
(its template) and the language of the confirmation page; it never expires (an old email's link must
still work)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from services.notifications.domain.emails import Recipient
from shared.security.signing import sign, verify
from shared.settings import Settings

UNSUBSCRIBE_PURPOSE = "unsubscribe"


@dataclass(frozen=True)
class Unsubscription:
    recipient: str
    kind: str
    language: str


def unsubscribe_url(settings: Settings, recipient: Recipient, kind: str) -> str:
    token = sign(
        settings.signing_key,
        UNSUBSCRIBE_PURPOSE,
        {"r": recipient.email.lower(), "k": kind, "l": recipient.language},
        expires_at=None,
    )
    return f"{public_url(settings)}/unsubscribe?token={quote(token)}"


def unsubscription(settings: Settings, token: str, now: datetime) -> Unsubscription:
    """What a link asks; shared.security.signing.InvalidToken when it is not one of ours."""
    data = verify(settings.signing_key, UNSUBSCRIBE_PURPOSE, token, now=now)
    return Unsubscription(data["r"], data["k"], data.get("l", "en"))


def public_url(settings: Settings) -> str:
    return settings.public_url_of("notifications")
