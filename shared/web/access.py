"""FastAPI dependencies that authenticate a request: a staff member with a role, by a bearer token
(machine clients, STAFF_TOKENS) or by the sign-in session cookie (people; shared.security.sessions),
or a city focal point's signed token (the identities and token rules are in shared.security.auth).

A bearer token, when one is sent, decides alone. The session cookie is checked by its signature and
expiry, then by the service's `SessionCheck`: registration, which owns the session records, installs
one with `check_sessions_with` (it may refuse an ended session or give the account's current role);
the other services install `refuse_ended_sessions`, which refuses the sessions registration said
ended. Cookie requests are protected against cross-site forgery by SameSite=Lax (no cookie on a cross-site POST).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.dependencies import Dependencies
from shared.security import sessions, signing
from shared.security.auth import FOCAL_POINT_PURPOSE, FocalPoint, Role, StaffMember, authenticate
from shared.settings import Settings

_bearer = HTTPBearer(auto_error=False, description="Staff token (see STAFF_TOKENS) or the sign-in session cookie")
SessionCheck = Callable[[Request, sessions.Session], Awaitable[StaffMember | None]]
"""The staff member a valid session cookie signs in, or None when its owner ended or lost it."""
ContactCheck = Callable[[Request, sessions.Session], Awaitable[sessions.SignedInContact | None]]
"""The city focal point or deputy a valid session cookie signs in, or None when the session ended or
the person is no longer that city's focal point or deputy."""


EndedCheck = Callable[[Dependencies, sessions.Session], Awaitable[bool]]
"""Whether registration ended a session (a service's workflow over what its SessionsEnded events said)."""


def check_sessions_with(app: FastAPI, check: SessionCheck, contacts: ContactCheck | None = None) -> None:
    app.state.session_check = check
    app.state.contact_check = contacts


def refuse_ended_sessions(is_ended: EndedCheck) -> Callable[[FastAPI, Settings], None]:
    """The session check of a service that does not own the sessions (scheduling, notifications), to
    install as its middleware: a cookie signs its person in as it says, unless registration said that
    its session ended."""

    async def staff(request: Request, session: sessions.Session) -> StaffMember | None:
        return None if await is_ended(request.app.state.runtime.dependencies, session) else session.staff_member()

    async def contact(request: Request, session: sessions.Session) -> sessions.SignedInContact | None:
        return None if await is_ended(request.app.state.runtime.dependencies, session) else session.contact()

    def install(app: FastAPI, settings: Settings) -> None:
        check_sessions_with(app, staff, contact)

    return install


def _session(request: Request) -> sessions.Session | None:
    """The session the request's cookie names, if its signature and expiry are good."""
    value = request.cookies.get(sessions.COOKIE)
    if not value:
        return None
    runtime = request.app.state.runtime
    try:
        return sessions.read(runtime.settings.signing_key, value, runtime.clock())
    except signing.InvalidToken:
        return None


async def session_member(request: Request) -> StaffMember | None:
    """The staff member signed in by the request's session cookie, if any."""
    session = _session(request)
    if session is None:
        return None
    check: SessionCheck | None = getattr(request.app.state, "session_check", None)
    return await check(request, session) if check is not None else session.staff_member()


async def session_contact(request: Request) -> sessions.SignedInContact | None:
    """The city focal point or deputy signed in by the request's session cookie (kind, person, city),
    if any; never a staff member. Where registration installed its check, the session must be open
    and the person still that city's focal point or deputy."""
    session = _session(request)
    if session is None:
        return None
    check: ContactCheck | None = getattr(request.app.state, "contact_check", None)
    return await check(request, session) if check is not None else session.contact()


def require_role(*roles: Role) -> Callable[..., StaffMember]:
    """FastAPI dependency: the authenticated staff member, if their role is one of `roles`."""
    allowed = set(roles) | {"admin"}

    async def dependency(
        request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
    ) -> StaffMember:
        if credentials is None or credentials.scheme.lower() != "bearer":
            member = await session_member(request)
            if member is None:
                raise HTTPException(
                    status.HTTP_401_UNAUTHORIZED,
                    "A staff bearer token or sign-in is required.",
                    {"WWW-Authenticate": "Bearer"},
                )
        else:
            member = authenticate(request.app.state.runtime.settings.staff_tokens, credentials.credentials)
        if member is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, "This token is not valid.", {"WWW-Authenticate": "Bearer"}
            )
        if member.role not in allowed:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"This needs the role: {' or '.join(sorted(allowed))}.")
        return member

    return dependency


def require_staff_or_focal_point(*roles: Role) -> Callable[..., StaffMember | FocalPoint]:
    """FastAPI dependency: a staff member with one of `roles` (or admin), or a city focal point.

    The caller must check the focal point's city scope: this only proves who they are."""
    staff = require_role(*roles)

    async def dependency(
        request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
    ) -> StaffMember | FocalPoint:
        runtime = request.app.state.runtime
        presented = credentials.credentials if credentials and credentials.scheme.lower() == "bearer" else ""
        if presented and authenticate(runtime.settings.staff_tokens, presented) is None:
            try:
                data = signing.verify(runtime.settings.signing_key, FOCAL_POINT_PURPOSE, presented, now=runtime.clock())
            except signing.InvalidToken as error:
                raise HTTPException(
                    status.HTTP_401_UNAUTHORIZED,
                    f"This token is not valid: {error.reason}.",
                    {"WWW-Authenticate": "Bearer"},
                ) from None
            return FocalPoint(city_id=data["city"], person_id=data["person"], name=data["name"])
        return await staff(request, credentials)

    return dependency
