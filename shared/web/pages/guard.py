"""Who may open a staff page: `StaffPage(...)` as a FastAPI dependency of a page handler.

A signed-out visitor is sent to sign in (303 to registration's /sign-in); a signed-in person without
the role gets the 403 page in their language, never a stack trace. People are signed in by the
session cookie (shared.web.access.session_member); machine clients with a STAFF_TOKENS token may use
registration's /staff/login form, which keeps the token in the `STAFF_TOKEN_COOKIE`.
`install_page_errors` (done by shared.runtime for every service) turns both refusals into pages.
"""

from __future__ import annotations

from fastapi import FastAPI, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from shared.security.auth import Role, StaffMember, authenticate
from shared.web.access import session_member
from shared.web.pages import navigation
from shared.web.pages.rendering import LAYOUT_PAGES
from shared.web.pages.texts import N_

STAFF_TOKEN_COOKIE = "pactesur_staff"


class SignInNeeded(Exception):
    """The visitor is not signed in (or their session ended)."""


class RoleNeeded(Exception):
    def __init__(self, roles: tuple[Role, ...]) -> None:
        super().__init__(", ".join(roles))
        self.roles = roles


async def signed_in_staff(request: Request) -> StaffMember | None:
    """The staff member of the request (session cookie, else staff-token cookie), kept for the page."""
    member = await session_member(request)
    if member is None and (token := request.cookies.get(STAFF_TOKEN_COOKIE)):
        member = authenticate(request.app.state.runtime.settings.staff_tokens, token)
    request.state.staff_member = member
    return member


class StaffPage:
    """Dependency: the signed-in staff member, if their role is one of `roles` (admins always are)."""

    def __init__(self, *roles: Role) -> None:
        self.roles: tuple[Role, ...] = tuple(dict.fromkeys(("admin", *roles)))

    async def __call__(self, request: Request) -> StaffMember:
        member = await signed_in_staff(request)
        if member is None:
            raise SignInNeeded()
        if member.role not in self.roles:
            raise RoleNeeded(self.roles)
        return member


def _to_sign_in(request: Request, error: Exception) -> Response:
    settings = request.app.state.runtime.settings
    return RedirectResponse(
        navigation.url_of(settings, "registration", navigation.SIGN_IN_PATH), status.HTTP_303_SEE_OTHER
    )


def _not_allowed(request: Request, error: Exception) -> HTMLResponse:
    t = LAYOUT_PAGES.texts(LAYOUT_PAGES.viewer(request))
    roles = error.roles if isinstance(error, RoleNeeded) else ()
    body = t(N_("This page needs the role: %(roles)s."), roles=", ".join(t.role(role) for role in roles))
    return LAYOUT_PAGES.render(request, "message.html", 403, title=t(N_("Not allowed")), body=body)


def install_page_errors(app: FastAPI) -> None:
    app.add_exception_handler(SignInNeeded, _to_sign_in)
    app.add_exception_handler(RoleNeeded, _not_allowed)
