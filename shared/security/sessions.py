"""The sign-in session: a signed, expiring cookie that all three services accept.

Registration signs a person in (an emailed one-time link) and sets the cookie `COOKIE`; its value is a
`shared.security.signing` token (purpose `PURPOSE`, SECRET_KEY) naming the server-side session, the
person, their kind, their role and their name. Pure: the secret and the clock are passed in.

Who may revoke what: only registration owns accounts and sessions, so only registration can tell that
a session was ended (sign-out, deactivation, role change). It checks its session record on every staff
page and staff API call. Scheduling and notifications trust the signature until the cookie expires
(`LIFETIME`, kept short for that reason): a signed-out cookie that was copied before sign-out keeps
working there for at most that long. The browser's copy is deleted on sign-out in any case.

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
Kind = Literal["staff"]
"""Who signed in. Focal points and deputies (kinds of their own) come with the city portal."""
KINDS: tuple[Kind, ...] = ("staff",)


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

    def staff_member(self) -> StaffMember | None:
        """The staff member this session signs in, if it is a staff session."""
        if self.kind != "staff" or self.role not in ROLES:
            return None
        return StaffMember(self.name, self.role, self.person_id, self.language, self.timezone)


def new_session(
    session_id: UUID,
    person_id: UUID,
    kind: Kind,
    name: str,
    role: Role | None,
    now: datetime,
    language: str = "en",
    timezone: str | None = None,
) -> Session:
    return Session(session_id, person_id, kind, name, role, now + LIFETIME, language, timezone)


def issue(secret: bytes, session: Session) -> str:
    """The cookie value."""
    data = {"s": str(session.session_id), "p": str(session.person_id), "k": session.kind, "n": session.name}
    data |= {"r": session.role, "e": int(session.expires_at.timestamp()), "l": session.language, "z": session.timezone}
    return signing.sign(secret, PURPOSE, data, expires_at=session.expires_at)


def read(secret: bytes, value: str, now: datetime) -> Session:
    """The session a cookie names; signing.InvalidToken when tampered, expired or malformed."""
    data = signing.verify(secret, PURPOSE, value, now=now)
    try:
        kind, role = data["k"], data["r"]
        if kind not in KINDS or (role is not None and role not in ROLES):
            raise ValueError(kind)
        expires_at = datetime.fromtimestamp(int(data["e"]), UTC)
        language, timezone = str(data.get("l") or "en"), data.get("z")
        if timezone is not None and not isinstance(timezone, str):
            raise ValueError(timezone)
        session = Session(UUID(data["s"]), UUID(data["p"]), kind, str(data["n"]), role, expires_at, language, timezone)
    except (KeyError, ValueError, TypeError):
        raise signing.InvalidToken("this session is not valid") from None
    return session


def cookie_settings(public_base_url: str) -> dict[str, object]:
    """How the session cookie is set: HttpOnly, SameSite=Lax (an emailed link opens a signed-in page),
    Secure on https, for LIFETIME."""
    secure = public_base_url.startswith("https")
    lifetime = int(LIFETIME.total_seconds())
    return {"httponly": True, "samesite": "lax", "secure": secure, "max_age": lifetime, "path": "/"}
