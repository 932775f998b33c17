"""Sign-in by an emailed one-time link.

The link carries a random token; only its SHA-256 is stored, with its expiry (LINK_LIFETIME) and the
moment it was used: a link works once, within 15 minutes, and a copy of the table signs nobody in.
Opening the link shows a button; only pressing it (a POST) uses the link, so that mail scanners that
follow links do not use it up. A person may have a few links on their way at once (LINKS_PER_WINDOW
per LINK_LIFETIME); beyond that, requests are answered the same but send nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from uuid import UUID

from shared.refusals import Refused
from shared.security.sessions import Kind

LINK_LIFETIME = timedelta(minutes=15)
LINKS_PER_WINDOW = 3


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class SignInLink:
    token_sha256: str
    person_kind: Kind
    person_id: UUID
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    city_id: UUID | None = None
    """The city a focal point's or deputy's link signs in for; None for staff."""


class LinkUsed(Refused):
    def __init__(self) -> None:
        super().__init__("link_used", "this sign-in link has already been used")


class LinkExpired(Refused):
    def __init__(self) -> None:
        super().__init__("link_expired", "this sign-in link has expired")


def new_link(token: str, kind: Kind, person_id: UUID, now: datetime, city_id: UUID | None = None) -> SignInLink:
    """`token` is the random secret that goes into the email (never stored)."""
    return SignInLink(digest(token), kind, person_id, now, now + LINK_LIFETIME, city_id=city_id)


def may_send_another(links_in_window: int) -> bool:
    """Whether one more link may go to a person who was sent `links_in_window` in the last LINK_LIFETIME."""
    return links_in_window < LINKS_PER_WINDOW


def use(link: SignInLink, now: datetime) -> SignInLink:
    """The link, used now; LinkUsed or LinkExpired when it cannot be."""
    if link.used_at is not None:
        raise LinkUsed()
    if now >= link.expires_at:
        raise LinkExpired()
    return replace(link, used_at=now)
