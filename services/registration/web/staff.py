"""Simple staff pages (English and French: web/staff_texts.py) on top of the same workflows as the staff API.

People sign in with an emailed link (web/sign_in.py: the session cookie, checked against registration's
session record on every page); the old staff-token form (/staff/login, the token kept in an HttpOnly,
SameSite=Strict cookie) stays as a fallback. Every form carries the signed CSRF token. Reviewers list,
read and score; admins also move, stage, release and export.

A page is in the viewer's language and timezone: the signed-in account's, English and Europe/Brussels
for a staff-token client; `?lang=` overrides the language (links and forms of the page keep it).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from services.registration.api.staff import csv_response
from services.registration.domain.fields import N_, by_section
from services.registration.domain.review import DECISIONS, Status
from services.registration.domain.scoring import ReviewInput
from services.registration.web.public import csrf_ok, posted
from services.registration.web.sign_in import end_session
from services.registration.web.staff_texts import STAFF_LANGUAGES, StaffTexts, Viewer, staff_language
from services.registration.workflows import calls, selection
from services.registration.workflows import staff as accounts
from shared.dependencies import Dependencies
from shared.refusals import NotFound, Refused
from shared.runtime import dependencies_of
from shared.security.auth import StaffMember, authenticate
from shared.web import csrf
from shared.web.access import session_member

TEMPLATES = Path(__file__).parent / "templates" / "staff"
COOKIE = "pactesur_staff"
router = APIRouter(prefix="/staff", include_in_schema=False)
Deps = Annotated[Dependencies, Depends(dependencies_of)]
MOVES = (Status.UNDER_REVIEW, Status.SHORTLISTED)
"""The moves the application page offers as buttons."""


@lru_cache(maxsize=len(STAFF_LANGUAGES))
def environment(language: str) -> Environment:
    """One Environment per language, `_()` from the staff catalogue (see web/public.py for why)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(("html",)),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
    )
    env.install_gettext_translations(StaffTexts(Viewer(language)).translations, newstyle=True)
    return env


async def signed_in(request: Request) -> StaffMember | None:
    """The staff member of the sign-in session, or of the old staff-token cookie; kept for render()
    with whose language and timezone the page is in."""
    token = request.cookies.get(COOKIE)
    deps = dependencies_of(request)
    member = authenticate(deps.settings.staff_tokens, token) if token else None
    request.state.staff_member = member or await session_member(request)
    request.state.viewer = await _viewer(deps, request.state.staff_member)
    return request.state.staff_member


async def _viewer(deps: Dependencies, who: StaffMember | None) -> Viewer:
    account = await accounts.account_of(deps, who.person_id) if who and who.person_id else None
    return Viewer(account.language, account.timezone) if account else Viewer()


def texts_of(request: Request) -> StaffTexts:
    """The page's words: the viewer's, in the ?lang= language if the staff pages speak it."""
    viewer = getattr(request.state, "viewer", None) or Viewer()
    language = staff_language(request.query_params.get("lang"), viewer.language)
    return StaffTexts(Viewer(language, viewer.timezone))


def kept_language(request: Request) -> str:
    """'?lang=fr' when the page's language was chosen by ?lang=, for its links and forms to keep."""
    wanted = (request.query_params.get("lang") or "").lower()
    return f"?lang={wanted}" if wanted in STAFF_LANGUAGES else ""


def render(request: Request, template: str, code: int = 200, **context: Any) -> HTMLResponse:
    deps = dependencies_of(request)
    token = csrf.new_token(deps.settings.signing_key, deps.now())
    who = getattr(request.state, "staff_member", None)
    texts = texts_of(request)
    html = (
        environment(texts.language)
        .get_template(template)
        .render(csrf_token=token, who=who, t=texts, keep=kept_language(request), **context)
    )
    response = HTMLResponse(html, status_code=code)
    response.set_cookie(csrf.COOKIE, token, httponly=True, samesite="strict", max_age=4 * 3600)
    return response


def to_login() -> RedirectResponse:
    """Signed out (or never in): to the sign-in page, which links to the staff-token form too."""
    return RedirectResponse("/sign-in", status.HTTP_303_SEE_OTHER)


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request) -> Response:
    return render(request, "login.html", error=None)


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, deps: Deps) -> Response:
    data = await posted(request)
    member = authenticate(deps.settings.staff_tokens, data.get("token", ""))
    if member is None or not csrf_ok(request, data):
        t = texts_of(request)
        return render(request, "login.html", 401, error=t("This token is not valid."))
    response = RedirectResponse("/staff", status.HTTP_303_SEE_OTHER)
    secure = str(deps.settings.public_base_url).startswith("https")
    response.set_cookie(COOKIE, data["token"], httponly=True, samesite="strict", secure=secure, max_age=12 * 3600)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    """Ends both kinds of sign-in (the session one server-side too: web/sign_in.py)."""
    return await end_session(request, COOKIE)


@router.get("", response_class=HTMLResponse)
async def home(request: Request, deps: Deps) -> Response:
    if await signed_in(request) is None:
        return to_login()
    return render(request, "calls.html", calls=await calls.list_calls(deps))


@router.get("/calls/{slug}", response_class=HTMLResponse)
async def call_page(slug: str, request: Request, deps: Deps) -> Response:
    who = await signed_in(request)
    if who is None:
        return to_login()
    wanted_status = request.query_params.get("status") or None
    wanted_country = (request.query_params.get("country") or "").upper() or None
    try:
        found = await selection.call_applications(deps, slug, who, wanted_status, wanted_country)
    except NotFound:
        return _no_such(request, N_("No such call"), slug)
    return render(
        request,
        "call.html",
        call=found.call,
        listed=found.listed,
        statuses=list(Status),
        wanted_status=wanted_status or "",
        wanted_country=wanted_country or "",
    )


@router.get("/calls/{slug}/export.csv")
async def export(slug: str, request: Request, deps: Deps) -> Response:
    who = await signed_in(request)
    if who is None or who.role != "admin":
        return to_login()
    try:
        text = await selection.export_applications(deps, slug)
    except NotFound:
        return _no_such(request, N_("No such call"), slug)
    return csv_response(text, slug, deps.now())


@router.get("/applications/{application_id}", response_class=HTMLResponse)
async def application_page(application_id: UUID, request: Request, deps: Deps) -> Response:
    return await _application_view(request, deps, application_id, request.query_params.get("notice"))


async def _application_view(
    request: Request, deps: Dependencies, application_id: UUID, notice: str | None, code: int = 200
) -> Response:
    who = await signed_in(request)
    if who is None:
        return to_login()
    try:
        file = await selection.application_file(deps, application_id, who)
    except NotFound:
        return _no_such(request, N_("No such application"), str(application_id))
    return render(
        request,
        "application.html",
        code,
        file=file,
        application=file.application,
        call=file.call,
        answers=by_section(file.application.form.labelled_answers()),
        notice=notice,
        moves=MOVES,
        decisions=DECISIONS,
    )


def _no_such(request: Request, title: str, body: str) -> HTMLResponse:
    return render(request, "message.html", 404, title=texts_of(request)(title), body=body)


async def _act(request: Request, deps: Dependencies, application_id: UUID, admin_only: bool, action) -> Response:
    """Runs one review action; `action(who, data, texts)` answers the notice shown after the redirect."""
    who = await signed_in(request)
    if who is None:
        return to_login()
    data = await posted(request)
    t = texts_of(request)
    if not csrf_ok(request, data):
        return await _application_view(request, deps, application_id, t("Session expired: please try again."), 403)
    if admin_only and who.role != "admin":
        return await _application_view(request, deps, application_id, t("This needs the admin role."), 403)
    try:
        notice = await action(who, data, t)
    except (Refused, NotFound, ValueError) as error:
        return await _application_view(request, deps, application_id, t("Refused: %(why)s", why=error), 409)
    kept = {"lang": t.language} if kept_language(request) else {}
    target = f"/staff/applications/{application_id}?{urlencode({'notice': notice} | kept)}"
    return RedirectResponse(target, status.HTTP_303_SEE_OTHER)


@router.post("/applications/{application_id}/review")
async def score(application_id: UUID, request: Request, deps: Deps) -> Response:
    async def action(who: StaffMember, data: dict[str, str], t: StaffTexts) -> str:
        scores = {k.removeprefix("score_"): int(v) for k, v in data.items() if k.startswith("score_") and v}
        await selection.score(deps, application_id, ReviewInput(scores=scores, comment=data.get("comment", "")), who)
        return t("Scores saved.")

    return await _act(request, deps, application_id, False, action)


@router.post("/applications/{application_id}/move")
async def move(application_id: UUID, request: Request, deps: Deps) -> Response:
    async def action(who: StaffMember, data: dict[str, str], t: StaffTexts) -> str:
        target = Status(data.get("status", ""))
        await selection.move(deps, application_id, target, who, data.get("reason") or None)
        return t("Moved to: %(status)s.", status=t.status(target))

    return await _act(request, deps, application_id, True, action)


@router.post("/applications/{application_id}/decision")
async def decide(application_id: UUID, request: Request, deps: Deps) -> Response:
    async def action(who: StaffMember, data: dict[str, str], t: StaffTexts) -> str:
        decision = Status(data["decision"]) if data.get("decision") else None
        await selection.stage(deps, application_id, decision, who, data.get("reason") or None)
        return t("Staged: %(decision)s.", decision=t.status(decision)) if decision else t("Unstaged.")

    return await _act(request, deps, application_id, True, action)


@router.post("/applications/{application_id}/more-information")
async def more_information(application_id: UUID, request: Request, deps: Deps) -> Response:
    async def action(who: StaffMember, data: dict[str, str], t: StaffTexts) -> str:
        message = data.get("message", "").strip()
        if not message:
            raise ValueError(t("write the question to the applicant"))
        await selection.request_more_information(
            deps, application_id, message[:4000], selection.DEFAULT_MORE_INFO_DAYS, who
        )
        return t("The applicant has been asked.")

    return await _act(request, deps, application_id, True, action)


@router.post("/calls/{slug}/release")
async def release(slug: str, request: Request, deps: Deps) -> Response:
    who = await signed_in(request)
    data = await posted(request)
    if who is None or who.role != "admin" or not csrf_ok(request, data):
        return to_login()
    t = texts_of(request)
    try:
        released = await selection.release(deps, slug, who)
    except (Refused, NotFound) as error:
        return render(request, "message.html", 409, title=t("Nothing released"), body=str(error))
    body = t("%(count)s applicants notified.", count=len(released))
    return render(request, "message.html", title=t("Decisions released"), body=body)
