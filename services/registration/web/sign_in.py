"""Sign-in pages: ask for a link by email, confirm it, sign out (in the visitor's language).

`GET /sign-in` asks for an address; `POST /sign-in` answers the SAME page whether the address has an
account or not (the public limits middleware counts these posts per client; workflows/sign_in.py
limits links per person). The emailed link opens `GET /sign-in/{token}`, a page with a button: only its
`POST` uses the link (mail scanners follow links, they do not press buttons), opens the session and
sets the session cookie (shared.security.sessions). A used, expired or unknown link gets a page saying
so (410/404). `POST /sign-out` ends the session server-side and deletes the cookie.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import EmailStr, TypeAdapter, ValidationError

from services.registration.domain.sign_in import LinkExpired
from services.registration.web.public import csrf_ok, lang_of, page, posted
from services.registration.workflows import sign_in as flow
from shared.dependencies import Dependencies
from shared.refusals import NotFound, Refused
from shared.runtime import dependencies_in, dependencies_of
from shared.security import sessions, signing
from shared.security.auth import StaffMember
from shared.settings import Settings
from shared.web.access import check_sessions_with

router = APIRouter(include_in_schema=False)
Deps = Annotated[Dependencies, Depends(dependencies_of)]
TEMPLATE = "sign_in.html"
AFTER_SIGN_IN = "/staff"
CONTACT_HOME = "/city"
"""Where a city's focal point or deputy lands (web/city_pages.py)."""
_ADDRESS = TypeAdapter(EmailStr)


async def _current_staff(request: Request, session: sessions.Session) -> StaffMember | None:
    return await flow.current_staff(dependencies_in(request), session)


async def _current_contact(request: Request, session: sessions.Session) -> sessions.SignedInContact | None:
    found = await flow.current_contact(dependencies_in(request), session)
    if found is None:
        return None
    city, contact = found
    return sessions.SignedInContact(
        session.kind, contact.person_id, contact.name, city.id, contact.language, contact.timezone
    )


def install_session_check(app: FastAPI, settings: Settings) -> None:
    """Registration owns the sessions: every staff page and staff API call, and every city contact's
    page, checks the record."""
    check_sessions_with(app, _current_staff, _current_contact)


def _page(request: Request, state: str, code: int = 200, **context: object) -> HTMLResponse:
    return page(request, lang_of(request), TEMPLATE, code, state=state, **({"error": None} | context))


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_page(request: Request) -> Response:
    state = "signed_out" if request.query_params.get("signed-out") else "form"
    return _page(request, state, address="")


@router.post("/sign-in", response_class=HTMLResponse)
async def request_link(request: Request, deps: Deps) -> Response:
    data = await posted(request)
    address = data.get("email", "").strip()[:320]
    if not csrf_ok(request, data):
        return _page(request, "form", 403, address=address, error="session")
    try:
        _ADDRESS.validate_python(address)
    except ValidationError:
        return _page(request, "form", 422, address=address, error="address")
    await flow.request_link(deps, address)
    return _page(request, "sent")


def _refused(request: Request, error: NotFound | Refused) -> HTMLResponse:
    if isinstance(error, NotFound):
        return _page(request, "refused", 404, reason="unknown")
    return _page(request, "refused", 410, reason="expired" if isinstance(error, LinkExpired) else "used")


@router.get("/sign-in/{token}", response_class=HTMLResponse)
async def confirm_page(token: str, request: Request, deps: Deps) -> Response:
    try:
        await flow.link_is_usable(deps, token)
    except (NotFound, Refused) as error:
        return _refused(request, error)
    return _page(request, "confirm", token=token)


@router.post("/sign-in/{token}", response_class=HTMLResponse)
async def confirm(token: str, request: Request, deps: Deps) -> Response:
    data = await posted(request)
    if not csrf_ok(request, data):
        return _page(request, "confirm", 403, token=token, error="session")
    try:
        session = await flow.sign_in(deps, token)
    except (NotFound, Refused) as error:
        return _refused(request, error)
    response = RedirectResponse(AFTER_SIGN_IN if session.kind == "staff" else CONTACT_HOME, status.HTTP_303_SEE_OTHER)
    cookie = sessions.issue(deps.settings.signing_key, session)
    response.set_cookie(sessions.COOKIE, cookie, **sessions.cookie_settings(str(deps.settings.public_base_url)))
    return response


async def end_session(request: Request, *other_cookies: str) -> Response:
    """Sign-out: the session ends server-side (if the cookie names one) and every sign-in cookie goes."""
    deps = dependencies_in(request)
    value = request.cookies.get(sessions.COOKIE)
    if value:
        try:
            session = sessions.read(deps.settings.signing_key, value, deps.now())
        except signing.InvalidToken:
            session = None
        if session is not None:
            await flow.sign_out(deps, session.session_id, session.person_id)
    response = RedirectResponse("/sign-in?signed-out=1", status.HTTP_303_SEE_OTHER)
    for name in (sessions.COOKIE, *other_cookies):
        response.delete_cookie(name, path="/")
    return response


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    return await end_session(request)
