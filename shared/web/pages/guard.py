"""Who may open a staff page: `StaffPage(...)` as a FastAPI dependency of a page handler.

A signed-out visitor is sent to sign in (303 to registration's /sign-in); a signed-in person without
the role gets the 403 page in their language, never a stack trace. People are signed in by the
session cookie (shared.web.access.session_member); machine clients with a STAFF_TOKENS token may use
registration's /staff/login form, which keeps the token in the `STAFF_TOKEN_COOKIE`.
`install_page_errors` (done by shared.runtime for every service) turns both refusals into pages, and
every HTTP error a browser meets (an unknown address, a malformed link, a crash: 4xx and 500) into a
readable page on the layout in the viewer's language (`LAYOUT_PAGES`: every EU language); a client
that does not ask for HTML (the JSON API's) keeps FastAPI's JSON answers.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request, status
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.security.auth import Role, StaffMember, authenticate
from shared.web.access import session_contact, session_member
from shared.web.pages import navigation
from shared.web.pages.rendering import LAYOUT_PAGES
from shared.web.pages.texts import N_

STAFF_TOKEN_COOKIE = "pactesur_staff"
log = logging.getLogger(__name__)
ERROR_PAGES = {
    "unknown": (
        N_("Page not found"),
        N_("There is no page at this address. Please check the link, or use the one in your latest email."),
    ),
    "refused": (N_("Not allowed"), N_("You may not open this page.")),
    "malformed": (N_("This address is not valid"), N_("Please check the link or the form, and try again.")),
    "broken": (
        N_("Something went wrong"),
        N_("We could not answer this request. Please try again in a few minutes."),
    ),
}
"""The title and text of each kind of error page (`_kind_of` says which HTTP status is which)."""


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


def wants_html(request: Request) -> bool:
    """A browser (it asks for text/html); API clients and probes ask for JSON or anything."""
    return "text/html" in request.headers.get("accept", "")


def _kind_of(code: int) -> str:
    if code in (status.HTTP_401_UNAUTHORIZED, status.HTTP_403_FORBIDDEN):
        return "refused"
    if code in (status.HTTP_404_NOT_FOUND, status.HTTP_405_METHOD_NOT_ALLOWED, status.HTTP_410_GONE):
        return "unknown"
    return "broken" if code >= 500 else "malformed"


def error_page(request: Request, code: int) -> HTMLResponse:
    """The page for an HTTP error `code`, in the viewer's language (never the exception's English detail)."""
    t = LAYOUT_PAGES.texts(LAYOUT_PAGES.viewer(request))
    title, body = ERROR_PAGES[_kind_of(code)]
    return LAYOUT_PAGES.render(request, "message.html", code, title=t(title), body=t(body))


async def _known_person(request: Request) -> None:
    """Before an error page: the signed-in person (for their language), when no page dependency ran
    (an unknown address is refused before any)."""
    if hasattr(request.state, "staff_member") or hasattr(request.state, "contact"):
        return
    try:
        if await signed_in_staff(request) is None:
            request.state.contact = await session_contact(request)
    except Exception:  # noqa: BLE001 - the session check failed (database down): the page for nobody known
        log.warning("the error page's viewer could not be read", exc_info=True)
        request.state.staff_member = request.state.contact = None


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    if not wants_html(request):
        return await http_exception_handler(request, error)
    await _known_person(request)
    page = error_page(request, error.status_code)
    page.headers.update(error.headers or {})
    return page


async def _invalid_request(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    if not wants_html(request):
        return await request_validation_exception_handler(request, error)
    await _known_person(request)
    return error_page(request, status.HTTP_422_UNPROCESSABLE_ENTITY)


def _crashed(request: Request, error: Exception) -> Response:
    """Starlette still logs the exception and re-raises it after this answer."""
    if wants_html(request):
        try:
            return error_page(request, status.HTTP_500_INTERNAL_SERVER_ERROR)
        except Exception:  # noqa: BLE001 - the page itself failed: the plain answer below
            log.exception("the error page could not be rendered")
    return PlainTextResponse("Internal Server Error", status.HTTP_500_INTERNAL_SERVER_ERROR)


def install_page_errors(app: FastAPI) -> None:
    app.add_exception_handler(SignInNeeded, _to_sign_in)
    app.add_exception_handler(RoleNeeded, _not_allowed)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(Exception, _crashed)
