"""Simple staff pages (English and French: web/staff_texts.py) on top of the same workflows as the staff API.

People sign in with an emailed link (web/sign_in.py: the session cookie, checked against registration's
session record on every page); the old staff-token form (/staff/login, the token kept in an HttpOnly,
SameSite=Strict cookie) stays as a fallback. Every form carries the signed CSRF token. Reviewers list,
read and score; admins also move, stage, release and export.

A page is in the viewer's language and timezone: the signed-in account's, English and Europe/Brussels
for a staff-token client; `?lang=` overrides the language (links and forms of the page keep it).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.registration.api.staff import csv_response
from services.registration.domain.fields import N_, by_section
from services.registration.domain.review import DECISIONS, Status
from services.registration.domain.scoring import ReviewInput
from services.registration.web.sign_in import end_session
from services.registration.web.staff_texts import PAGES, StaffTexts
from services.registration.workflows import calls, selection
from shared.dependencies import Dependencies
from shared.refusals import NotFound, Refused
from shared.runtime import dependencies_of
from shared.security.auth import StaffMember, authenticate
from shared.web.pages.forms import csrf_ok, posted
from shared.web.pages.guard import STAFF_TOKEN_COOKIE, StaffPage
from shared.web.pages.pager import Pager, asked_window
from shared.web.pages.rendering import kept_language

router = APIRouter(prefix="/staff", include_in_schema=False)
Deps = Annotated[Dependencies, Depends(dependencies_of)]
Reviewer = Annotated[StaffMember, Depends(StaffPage("reviewer"))]
Admin = Annotated[StaffMember, Depends(StaffPage())]
MOVES = (Status.UNDER_REVIEW, Status.SHORTLISTED)
"""The moves the application page offers as buttons."""


def texts_of(request: Request) -> StaffTexts:
    """The page's words, in the viewer's language (shared.web.pages.viewer)."""
    return PAGES.texts(PAGES.viewer(request))  # type: ignore[return-value]


def render(request: Request, template: str, code: int = 200, **context: Any) -> HTMLResponse:
    return PAGES.render(request, template, code, current="calls", **context)


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
    response.set_cookie(
        STAFF_TOKEN_COOKIE, data["token"], httponly=True, samesite="strict", secure=secure, max_age=12 * 3600
    )
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    """Ends both kinds of sign-in (the session one server-side too: web/sign_in.py)."""
    return await end_session(request, STAFF_TOKEN_COOKIE)


@router.get("", response_class=HTMLResponse)
async def home(request: Request, deps: Deps, who: Reviewer) -> Response:
    return render(request, "calls.html", calls=await calls.call_overviews(deps))


@router.get("/calls/{slug}", response_class=HTMLResponse)
async def call_page(slug: str, request: Request, deps: Deps, who: Reviewer) -> Response:
    wanted_status = request.query_params.get("status") or None
    wanted_country = (request.query_params.get("country") or "").upper() or None
    try:
        found = await selection.call_applications(deps, slug, who, wanted_status, wanted_country, asked_window(request))
    except NotFound:
        return _no_such(request, N_("No such call"), slug)
    return render(
        request,
        "call.html",
        call=found.call,
        listed=found.listed,
        pager=Pager.of(request, found.page),
        statuses=list(Status),
        wanted_status=wanted_status or "",
        wanted_country=wanted_country or "",
    )


@router.get("/calls/{slug}/export.csv")
async def export(slug: str, request: Request, deps: Deps, who: Admin) -> Response:
    try:
        text = await selection.export_applications(deps, slug)
    except NotFound:
        return _no_such(request, N_("No such call"), slug)
    return csv_response(text, slug, deps.now())


@router.get("/applications/{application_id}", response_class=HTMLResponse)
async def application_page(application_id: UUID, request: Request, deps: Deps, who: Reviewer) -> Response:
    return await _application_view(request, deps, who, application_id, request.query_params.get("notice"))


async def _application_view(
    request: Request, deps: Dependencies, who: StaffMember, application_id: UUID, notice: str | None, code: int = 200
) -> Response:
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


async def _act(request: Request, deps: Dependencies, who: StaffMember, application_id: UUID, action) -> Response:
    """Runs one review action; `action(who, data, texts)` answers the notice shown after the redirect."""
    data = await posted(request)
    t = texts_of(request)
    if not csrf_ok(request, data):
        return await _application_view(request, deps, who, application_id, t("Session expired: please try again."), 403)
    try:
        notice = await action(who, data, t)
    except (Refused, NotFound, ValueError) as error:
        return await _application_view(request, deps, who, application_id, t("Refused: %(why)s", why=error), 409)
    kept = {"lang": t.language} if kept_language(request) else {}
    target = f"/staff/applications/{application_id}?{urlencode({'notice': notice} | kept)}"
    return RedirectResponse(target, status.HTTP_303_SEE_OTHER)


@router.post("/applications/{application_id}/review")
async def score(application_id: UUID, request: Request, deps: Deps, who: Reviewer) -> Response:
    async def action(who: StaffMember, data: dict[str, str], t: StaffTexts) -> str:
        scores = {k.removeprefix("score_"): int(v) for k, v in data.items() if k.startswith("score_") and v}
        await selection.score(deps, application_id, ReviewInput(scores=scores, comment=data.get("comment", "")), who)
        return t("Scores saved.")

    return await _act(request, deps, who, application_id, action)


@router.post("/applications/{application_id}/move")
async def move(application_id: UUID, request: Request, deps: Deps, who: Admin) -> Response:
    async def action(who: StaffMember, data: dict[str, str], t: StaffTexts) -> str:
        target = Status(data.get("status", ""))
        await selection.move(deps, application_id, target, who, data.get("reason") or None)
        return t("Moved to: %(status)s.", status=t.status(target))

    return await _act(request, deps, who, application_id, action)


@router.post("/applications/{application_id}/decision")
async def decide(application_id: UUID, request: Request, deps: Deps, who: Admin) -> Response:
    async def action(who: StaffMember, data: dict[str, str], t: StaffTexts) -> str:
        decision = Status(data["decision"]) if data.get("decision") else None
        await selection.stage(deps, application_id, decision, who, data.get("reason") or None)
        return t("Staged: %(decision)s.", decision=t.status(decision)) if decision else t("Unstaged.")

    return await _act(request, deps, who, application_id, action)


@router.post("/applications/{application_id}/more-information")
async def more_information(application_id: UUID, request: Request, deps: Deps, who: Admin) -> Response:
    async def action(who: StaffMember, data: dict[str, str], t: StaffTexts) -> str:
        message = data.get("message", "").strip()
        if not message:
            raise ValueError(t("write the question to the applicant"))
        await selection.request_more_information(
            deps, application_id, message[:4000], selection.DEFAULT_MORE_INFO_DAYS, who
        )
        return t("The applicant has been asked.")

    return await _act(request, deps, who, application_id, action)


@router.post("/calls/{slug}/release")
async def release(slug: str, request: Request, deps: Deps, who: Admin) -> Response:
    data = await posted(request)
    t = texts_of(request)
    if not csrf_ok(request, data):
        return render(
            request, "message.html", 403, title=t("Nothing released"), body=t("Session expired: please try again.")
        )
    try:
        released = await selection.release(deps, slug, who)
    except (Refused, NotFound) as error:
        return render(request, "message.html", 409, title=t("Nothing released"), body=str(error))
    body = t("%(count)s applicants notified.", count=len(released))
    return render(request, "message.html", title=t("Decisions released"), body=body)
