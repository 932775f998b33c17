"""Simple staff pages (English) on top of the same workflows as the staff API.

Sign-in with the staff token, kept in an HttpOnly, SameSite=Strict cookie; every form carries the
signed CSRF token. Reviewers list, read and score; admins also move, stage, release and export.
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

from services.registration.domain.review import Status
from services.registration.domain.scoring import ReviewInput, visible_reviews, weighted_score
from services.registration.export import applications_csv, csv_response
from services.registration.storage import applications, audit, calls, reviews
from services.registration.web import csrf_ok, posted
from services.registration.workflows import selection
from shared.refusals import NotFound, Refused
from shared.runtime import Runtime, runtime_of
from shared.security.auth import StaffMember, authenticate
from shared.web import csrf

TEMPLATES = Path(__file__).parent / "templates" / "staff"
COOKIE = "pactesur_staff"
router = APIRouter(prefix="/staff", include_in_schema=False)
RuntimeDep = Annotated[Runtime, Depends(runtime_of)]


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(("html",)), undefined=StrictUndefined
    )


def signed_in(request: Request) -> StaffMember | None:
    token = request.cookies.get(COOKIE)
    return authenticate(request.app.state.runtime.settings.staff_tokens, token) if token else None


def render(request: Request, template: str, code: int = 200, **context: Any) -> HTMLResponse:
    runtime: Runtime = request.app.state.runtime
    token = csrf.new_token(runtime.settings.signing_key, runtime.clock())
    html = environment().get_template(template).render(csrf_token=token, who=signed_in(request), **context)
    response = HTMLResponse(html, status_code=code)
    response.set_cookie(csrf.COOKIE, token, httponly=True, samesite="strict", max_age=4 * 3600)
    return response


def to_login() -> RedirectResponse:
    return RedirectResponse("/staff/login", status.HTTP_303_SEE_OTHER)


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request) -> Response:
    return render(request, "login.html", error=None)


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, runtime: RuntimeDep) -> Response:
    data = await posted(request)
    member = authenticate(runtime.settings.staff_tokens, data.get("token", ""))
    if member is None or not csrf_ok(request, data):
        return render(request, "login.html", 401, error="This token is not valid.")
    response = RedirectResponse("/staff", status.HTTP_303_SEE_OTHER)
    secure = str(runtime.settings.public_base_url).startswith("https")
    response.set_cookie(COOKIE, data["token"], httponly=True, samesite="strict", secure=secure, max_age=12 * 3600)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    response = to_login()
    response.delete_cookie(COOKIE)
    return response


@router.get("", response_class=HTMLResponse)
async def home(request: Request, runtime: RuntimeDep) -> Response:
    if signed_in(request) is None:
        return to_login()
    async with runtime.pool.acquire() as conn:
        found = await calls.list_calls(conn)
    return render(request, "calls.html", calls=found)


@router.get("/calls/{slug}", response_class=HTMLResponse)
async def call_page(slug: str, request: Request, runtime: RuntimeDep) -> Response:
    who = signed_in(request)
    if who is None:
        return to_login()
    wanted_status = request.query_params.get("status") or None
    wanted_country = (request.query_params.get("country") or "").upper() or None
    async with runtime.pool.acquire() as conn:
        call = await calls.get_call(conn, slug)
        if call is None:
            return render(request, "message.html", 404, title="No such call", body=slug)
        order, scores = await selection.call_ranking(conn, call)
        found = {a.id: a for a in await applications.list_applications(conn, slug, wanted_status, wanted_country)}
        by_application = await reviews.reviews_of_call(conn, slug)
    rows = []
    for application_id in (a for a in order if a in found):
        mine = any(r.reviewer == who.name for r in by_application.get(application_id, []))
        score = scores[application_id] if who.role == "admin" or mine else None
        rows.append((found[application_id], score, mine))
    return render(
        request,
        "call.html",
        call=call,
        rows=rows,
        statuses=[s.value for s in Status],
        wanted_status=wanted_status or "",
        wanted_country=wanted_country or "",
    )


@router.get("/calls/{slug}/export.csv")
async def export(slug: str, request: Request, runtime: RuntimeDep) -> Response:
    who = signed_in(request)
    if who is None or who.role != "admin":
        return to_login()
    async with runtime.pool.acquire() as conn:
        call = await calls.get_call(conn, slug)
        if call is None:
            return render(request, "message.html", 404, title="No such call", body=slug)
        return csv_response(await applications_csv(conn, call), slug, runtime.clock())


@router.get("/applications/{application_id}", response_class=HTMLResponse)
async def application_page(application_id: UUID, request: Request, runtime: RuntimeDep) -> Response:
    return await _application_view(request, runtime, application_id, request.query_params.get("notice"))


async def _application_view(
    request: Request, runtime: Runtime, application_id: UUID, notice: str | None, code: int = 200
) -> Response:
    who = signed_in(request)
    if who is None:
        return to_login()
    async with runtime.pool.acquire() as conn:
        application = await applications.get_application(conn, application_id)
        if application is None:
            return render(request, "message.html", 404, title="No such application", body=str(application_id))
        call = await calls.get_call(conn, application.call_slug)
        every = await reviews.reviews_of(conn, application_id)
        log = await audit.entries(conn, str(application_id)) if who.role == "admin" else []
    shown = [
        (r, weighted_score(r.scores, call.criteria)) for r in visible_reviews(every, who.name, who.role == "admin")
    ]
    return render(
        request,
        "application.html",
        code,
        application=application,
        call=call,
        reviews=shown,
        hidden=len(every) - len(shown),
        log=log,
        notice=notice,
    )


async def _act(request: Request, runtime: Runtime, application_id: UUID, admin_only: bool, action) -> Response:
    who = signed_in(request)
    if who is None:
        return to_login()
    data = await posted(request)
    if not csrf_ok(request, data):
        return await _application_view(request, runtime, application_id, "Session expired: please try again.", 403)
    if admin_only and who.role != "admin":
        return await _application_view(request, runtime, application_id, "This needs the admin role.", 403)
    try:
        notice = await action(who, data)
    except (Refused, NotFound, ValueError) as error:
        return await _application_view(request, runtime, application_id, f"Refused: {error}", 409)
    target = f"/staff/applications/{application_id}?{urlencode({'notice': notice})}"
    return RedirectResponse(target, status.HTTP_303_SEE_OTHER)


@router.post("/applications/{application_id}/review")
async def score(application_id: UUID, request: Request, runtime: RuntimeDep) -> Response:
    async def action(who: StaffMember, data: dict[str, str]) -> str:
        scores = {k.removeprefix("score_"): int(v) for k, v in data.items() if k.startswith("score_") and v}
        await selection.score(runtime, application_id, ReviewInput(scores=scores, comment=data.get("comment", "")), who)
        return "Scores saved."

    return await _act(request, runtime, application_id, False, action)


@router.post("/applications/{application_id}/move")
async def move(application_id: UUID, request: Request, runtime: RuntimeDep) -> Response:
    async def action(who: StaffMember, data: dict[str, str]) -> str:
        target = Status(data.get("status", ""))
        await selection.move(runtime, application_id, target, who, data.get("reason") or None)
        return f"Moved to {target.value}."

    return await _act(request, runtime, application_id, True, action)


@router.post("/applications/{application_id}/decision")
async def decide(application_id: UUID, request: Request, runtime: RuntimeDep) -> Response:
    async def action(who: StaffMember, data: dict[str, str]) -> str:
        decision = Status(data["decision"]) if data.get("decision") else None
        await selection.stage(runtime, application_id, decision, who, data.get("reason") or None)
        return f"Staged: {decision.value}." if decision else "Unstaged."

    return await _act(request, runtime, application_id, True, action)


@router.post("/applications/{application_id}/more-information")
async def more_information(application_id: UUID, request: Request, runtime: RuntimeDep) -> Response:
    async def action(who: StaffMember, data: dict[str, str]) -> str:
        message = data.get("message", "").strip()
        if not message:
            raise ValueError("write the question to the applicant")
        await selection.request_more_information(runtime, application_id, message[:4000], 14, who)
        return "The applicant has been asked."

    return await _act(request, runtime, application_id, True, action)


@router.post("/calls/{slug}/release")
async def release(slug: str, request: Request, runtime: RuntimeDep) -> Response:
    who = signed_in(request)
    data = await posted(request)
    if who is None or who.role != "admin" or not csrf_ok(request, data):
        return to_login()
    try:
        released = await selection.release(runtime, slug, who)
    except (Refused, NotFound) as error:
        return render(request, "message.html", 409, title="Nothing released", body=str(error))
    return render(request, "message.html", title="Decisions released", body=f"{len(released)} applicants notified.")
