"""The sign-in session: a signed, expiring cookie that all three services accept.

Registration signs a person in (an emailed one-time link) and sets the cookie `COOKIE`; its value is a
`shared.security.signing` token (purpose `PURPOSE`, SECRET_KEY) naming the server-side session, the
person, their kind, their role and their name. Pure: the secret and the clock are passed in.

Who may revoke what: only registration owns accounts and sessions, so only registration can tell that
a session was ended (sign-out, deactivation, role change, a city contact replaced). It checks its
session record on every request, and publishes `SessionsEnded` in the same transaction. Scheduling and
notifications verify the signature, then refuse the sessions those events ended
(`shared.security.revocation`; `shared.web.access.refuse_ended_sessions`): a cookie copied before
sign-out stops working there as soon as they read the event, within seconds. They keep what ended for
`LIFETIME` only, since no cookie lives longer. The browser's copy is deleted on sign-out in any case.

The cookie is host-only (no Domain attribute): the services must be reached on one host name (as on
127.0.0.1 in development, or behind one reverse proxy), cookies do not depend on the port.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from uuid import UUID

from shared.security import signing
from shared.security.auth import ROLES, Role, StaffMember

PURPOSE = "sign-in-session"
COOKIE = "pactesur_session"
LIFETIME = timedelta(hours=12)
Kind = Literal["staff", "focal_point", "deputy"]
"""Who signed in: a staff member, or a city's focal point or deputy (their session names the city)."""
KINDS: tuple[Kind, ...] = ("staff", "focal_point", "deputy")
CONTACT_KINDS: tuple[Kind, ...] = ("focal_point", "deputy")


@dataclass(frozen=True)
class SignedInContact:
    """A city's focal point or deputy, signed in (registration re-reads the city on each request)."""

    kind: Kind
    person_id: UUID
    name: str
    city_id: UUID
    language: str = "en"
    timezone: str | None = None


@dataclass(frozen=True)
class Session:
    session_id: UUID
    person_id: UUID
    kind: Kind
    name: str
    role: Role | None
    """The staff role when the session began (registration re-reads the account on each request)."""
    expires_at: datetime
    language: str = "en"
    """The language of the person's pages when the session began."""
    timezone: str | None = None
    city_id: UUID | None = None
    """The city of a focal point's or deputy's session; None for staff."""

    def staff_member(self) -> StaffMember | None:
        """The staff member this session signs in, if it is a staff session."""
        if self.kind != "staff" or self.role not in ROLES:
            return None
        return StaffMember(self.name, self.role, self.person_id, self.language, self.timezone)

    def contact(self) -> SignedInContact | None:
        """The city contact this session signs in, if it is a focal point's or deputy's session."""
        if self.kind not in CONTACT_KINDS or self.city_id is None:
            return None
        return SignedInContact(self.kind, self.person_id, self.name, self.city_id, self.language, self.timezone)


def new_session(
    session_id: UUID,
    person_id: UUID,
    kind: Kind,
    name: str,
    role: Role | None,
    now: datetime,
    language: str = "en",
    timezone: str | None = None,
    city_id: UUID | None = None,
) -> Session:
    """A staff session has a role and no city; a focal point's or deputy's has a city and no role."""
    if (kind == "staff") != (city_id is None) or (kind != "staff" and role is not None):
        raise ValueError(f"a {kind} session with city {city_id} and role {role}")
    return Session(session_id, person_id, kind, name, role, now + LIFETIME, language, timezone, city_id)


def issue(secret: bytes, session: Session) -> str:
    """The cookie value."""
    data = {"s": str(session.session_id), "p": str(session.person_id), "k": session.kind, "n": session.name}
    data |= {"r": session.role, "e": int(session.expires_at.timestamp()), "l": session.language, "z": session.timezone}
    data |= {"c": str(session.city_id) if session.city_id else None}
    return signing.sign(secret, PURPOSE, data, expires_at=session.expires_at)


def read(secret: bytes, value: str, now: datetime) -> Session:
    """The session a cookie names; signing.InvalidToken when tampered, expired or malformed."""
    data = signing.verify(secret, PURPOSE, value, now=now)
    try:
        kind, role = data["k"], data["r"]
        if kind not in KINDS or (role is not None and role not in ROLES):
            raise ValueError(kind)
        city_id = UUID(data["c"]) if data.get("c") else None
        if (kind == "staff") != (city_id is None) or (kind != "staff" and role is not None):
            raise ValueError(kind)
        expires_at = datetime.fromtimestamp(int(data["e"]), UTC)
        language, timezone = str(data.get("l") or "en"), data.get("z")
        if timezone is not None and not isinstance(timezone, str):
            raise ValueError(timezone)
        person, name = UUID(data["p"]), str(data["n"])
        session = Session(UUID(data["s"]), person, kind, name, role, expires_at, language, timezone, city_id)
    except (KeyError, ValueError, TypeError):
        raise signing.InvalidToken("this session is not valid") from None
    return session


def cookie_settings(public_base_url: str) -> dict[str, object]:
    """How the session cookie is set: HttpOnly, SameSite=Lax (an emailed link opens a signed-in page),
    Secure on https, for LIFETIME."""
    secure = public_base_url.startswith("https")
    lifetime = int(LIFETIME.total_seconds())
    return {"httponly": True, "samesite": "lax", "secure": secure, "max_age": lifetime, "path": "/"}
