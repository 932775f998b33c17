"""The programme's staff pages: the activities with their timetable and participants; admins create,
edit, reschedule and cancel activities, edit their sessions, cancel nominations and record attendance.

Every change goes through the workflows the JSON API calls (workflows.planning, workflows.nominating),
with the API's own bodies (web/staff_forms.py). The waitlist is promoted by those workflows themselves
whenever a place frees (a cancellation, a raised capacity or quota: domain.places), so the page has no
"promote" button: an admin frees a place, and the next eligible person gets it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.scheduling.domain.activities import Activity, RuleBroken, Timetable
from services.scheduling.domain.cities import Actor, NotYourCity
from services.scheduling.domain.nominations import Listed
from services.scheduling.domain.report import Totals, per_activity
from services.scheduling.web.staff_forms import (
    FormRefused,
    activity_changes,
    activity_values,
    cancel_reason,
    form_of_activity,
    form_of_session,
    session_values,
)
from services.scheduling.web.staff_texts import EDITABLE_STATES, GROUPS, KINDS, PAGES, StaffTexts
from services.scheduling.workflows import nominating, planning, reporting
from shared.dependencies import Dependencies
from shared.refusals import NotFound
from shared.runtime import dependencies_of
from shared.security.auth import StaffMember
from shared.web.pages.forms import csrf_ok, posted
from shared.web.pages.guard import StaffPage
from shared.web.pages.rendering import kept_language
from shared.web.pages.texts import N_

router = APIRouter(prefix="/staff", include_in_schema=False)
Deps = Annotated[Dependencies, Depends(dependencies_of)]
Reviewer = Annotated[StaffMember, Depends(StaffPage("reviewer"))]
Admin = Annotated[StaffMember, Depends(StaffPage())]
NEW_ACTIVITY = {"status": "planned", "timezone": "Europe/Brussels", "working_languages": "en", "reminder_days": "14, 2"}
"""The create form's first values."""


@dataclass(frozen=True)
class ProgrammeLine:
    activity: Activity
    totals: Totals


@dataclass(frozen=True)
class ActivityFile:
    """What the activity page shows: the timetable and the nominations in their groups."""

    timetable: Timetable
    groups: tuple[tuple[str, tuple[Listed, ...]], ...]

    @classmethod
    def of(cls, timetable: Timetable, listed: list[Listed]) -> ActivityFile:
        return cls(timetable, tuple((g, tuple(i for i in listed if i.group == g)) for g in GROUPS))


@dataclass(frozen=True)
class Form:
    """A form shown again: which one, the values posted, the refused fields' messages."""

    name: str = ""
    values: Mapping[str, str] | None = None
    errors: Mapping[str, str] | None = None

    def value(self, form: str, field: str, default: str = "") -> str:
        return (self.values or {}).get(field, default) if form == self.name else default

    def error(self, form: str, field: str) -> str | None:
        if form != self.name or field not in (self.errors or {}):
            return None
        return (self.errors or {})[field]


def texts_of(request: Request) -> StaffTexts:
    return PAGES.texts(PAGES.viewer(request))  # type: ignore[return-value]


def render(request: Request, template: str, code: int = 200, **context: Any) -> HTMLResponse:
    return PAGES.render(request, template, code, current="programme", **context)


def message(request: Request, code: int, title: str, body: str) -> HTMLResponse:
    t = texts_of(request)
    return render(request, "message.html", code, title=t(title), body=body)


def to_page(request: Request, path: str, notice: str) -> RedirectResponse:
    kept = {"lang": texts_of(request).language} if kept_language(request) else {}
    return RedirectResponse(f"{path}?{urlencode({'notice': notice} | kept)}", status.HTTP_303_SEE_OTHER)


@router.get("/programme", response_class=HTMLResponse)
async def programme(request: Request, deps: Deps, who: Reviewer) -> Response:
    return await _programme(request, deps, Form("new", NEW_ACTIVITY))


async def _programme(request: Request, deps: Dependencies, form: Form, code: int = 200) -> Response:
    totals = per_activity(await reporting.report(deps))
    lines = [ProgrammeLine(a, totals.get(a.id, Totals(""))) for a in await planning.programme(deps)]
    return render(
        request,
        "programme.html",
        code,
        lines=lines,
        form=form,
        kinds=KINDS,
        states=EDITABLE_STATES,
        notice=request.query_params.get("notice"),
    )


@router.post("/programme")
async def create(request: Request, deps: Deps, who: Admin) -> Response:
    data = await posted(request)
    if not csrf_ok(request, data):
        return message(request, 403, N_("Nothing saved"), texts_of(request)("Session expired: please try again."))
    try:
        timetable = await planning.schedule(deps, activity_values(data), who.name)
    except FormRefused as refused:
        return await _programme(request, deps, Form("new", data, refused.fields), 422)
    except RuleBroken as broken:
        return await _programme(request, deps, Form("new", data, {broken.field: broken.message}), 422)
    t = texts_of(request)
    return to_page(request, f"/staff/programme/{timetable.activity.id}", t("Activity created."))


@router.get("/programme/{activity_id}", response_class=HTMLResponse)
async def activity_page(activity_id: UUID, request: Request, deps: Deps, who: Reviewer) -> Response:
    return await _activity(request, deps, activity_id, Form())


async def _activity(request: Request, deps: Dependencies, activity_id: UUID, form: Form, code: int = 200) -> Response:
    try:
        timetable = await planning.timetable(deps, activity_id)
        listed = await nominating.roster(deps, activity_id)
    except NotFound:
        return message(request, 404, N_("No such activity"), str(activity_id))
    return render(
        request,
        "activity.html",
        code,
        file=ActivityFile.of(timetable, listed),
        activity=timetable.activity,
        form=form,
        as_is=form_of_activity(timetable.activity),
        sessions=[(s, form_of_session(s, timetable.activity.timezone)) for s in timetable.sessions],
        kinds=KINDS,
        states=EDITABLE_STATES,
        started=deps.now() >= timetable.activity.starts_at,
        notice=request.query_params.get("notice"),
    )


Change = Callable[[dict[str, str], StaffTexts], Awaitable[str]]
"""One admin change of an activity page: runs a workflow with the posted form, answers the notice."""


async def _change(request: Request, deps: Dependencies, activity_id: UUID, form: str, change: Change) -> Response:
    """Runs `change`; a refused form or rule shows the page again (422) with the form as posted."""
    data = await posted(request)
    t = texts_of(request)
    if not csrf_ok(request, data):
        return message(request, 403, N_("Nothing saved"), t("Session expired: please try again."))
    try:
        notice = await change(data, t)
    except FormRefused as refused:
        return await _activity(request, deps, activity_id, Form(form, data, refused.fields), 422)
    except RuleBroken as broken:
        return await _activity(request, deps, activity_id, Form(form, data, {broken.field: broken.message}), 422)
    except (NotFound, NotYourCity):
        return message(request, 404, N_("No such activity, session or nomination"), str(activity_id))
    return to_page(request, f"/staff/programme/{activity_id}", notice)


@router.post("/programme/{activity_id}/edit")
async def edit(activity_id: UUID, request: Request, deps: Deps, who: Admin) -> Response:
    async def change(data: dict[str, str], t: StaffTexts) -> str:
        await planning.change(deps, activity_id, activity_changes(data), who.name)
        return t("Activity saved.")

    return await _change(request, deps, activity_id, "edit", change)


@router.get("/programme/{activity_id}/cancel", response_class=HTMLResponse)
async def cancel_page(activity_id: UUID, request: Request, deps: Deps, who: Admin) -> Response:
    """Asks for confirmation (and a reason, sent to the participants) before the POST cancels."""
    try:
        timetable = await planning.timetable(deps, activity_id)
    except NotFound:
        return message(request, 404, N_("No such activity"), str(activity_id))
    return render(request, "cancel.html", activity=timetable.activity, form=Form())


@router.post("/programme/{activity_id}/cancel")
async def cancel(activity_id: UUID, request: Request, deps: Deps, who: Admin) -> Response:
    """Cancels the activity; a missing reason or a closed activity shows the confirmation page again."""
    data = await posted(request)
    t = texts_of(request)
    if not csrf_ok(request, data):
        return message(request, 403, N_("Nothing saved"), t("Session expired: please try again."))
    try:
        await planning.cancel(deps, activity_id, cancel_reason(data), who.name)
    except NotFound:
        return message(request, 404, N_("No such activity"), str(activity_id))
    except (FormRefused, RuleBroken) as refused:
        fields = refused.fields if isinstance(refused, FormRefused) else {"reason": refused.message}
        activity = (await planning.timetable(deps, activity_id)).activity
        return render(request, "cancel.html", 422, activity=activity, form=Form("cancel", data, fields))
    return to_page(request, f"/staff/programme/{activity_id}", t("Activity cancelled; the participants are told."))


@router.post("/programme/{activity_id}/sessions")
async def add_session(activity_id: UUID, request: Request, deps: Deps, who: Admin) -> Response:
    async def change(data: dict[str, str], t: StaffTexts) -> str:
        await planning.add_session(deps, activity_id, session_values(data), who.name)
        return t("Session added.")

    return await _change(request, deps, activity_id, "session", change)


@router.post("/programme/{activity_id}/sessions/{session_id}")
async def change_session(activity_id: UUID, session_id: UUID, request: Request, deps: Deps, who: Admin) -> Response:
    async def change(data: dict[str, str], t: StaffTexts) -> str:
        await planning.change_session(deps, activity_id, session_id, session_values(data), who.name)
        return t("Session saved.")

    return await _change(request, deps, activity_id, f"session-{session_id}", change)


@router.post("/programme/{activity_id}/sessions/{session_id}/remove")
async def remove_session(activity_id: UUID, session_id: UUID, request: Request, deps: Deps, who: Admin) -> Response:
    async def change(data: dict[str, str], t: StaffTexts) -> str:
        await planning.remove_session(deps, activity_id, session_id, who.name)
        return t("Session removed.")

    return await _change(request, deps, activity_id, f"session-{session_id}", change)


@router.post("/programme/{activity_id}/nominations/{nomination_id}/cancel")
async def cancel_nomination(
    activity_id: UUID, nomination_id: UUID, request: Request, deps: Deps, who: Admin
) -> Response:
    """Withdraws a nomination; a freed place goes to the next eligible waitlisted person (the workflow)."""

    async def change(data: dict[str, str], t: StaffTexts) -> str:
        reason = data.get("reason", "").strip()[:5000] or None
        cancelled = await nominating.cancel(deps, nomination_id, Actor(who.name), reason)
        return t("Nomination of %(name)s cancelled.", name=cancelled.name)

    return await _change(request, deps, activity_id, f"nomination-{nomination_id}", change)


@router.post("/programme/{activity_id}/nominations/{nomination_id}/attendance")
async def attendance(activity_id: UUID, nomination_id: UUID, request: Request, deps: Deps, who: Admin) -> Response:
    async def change(data: dict[str, str], t: StaffTexts) -> str:
        came = data.get("attended") == "yes"
        recorded = await nominating.record_attendance(deps, nomination_id, came, Actor(who.name))
        if came:
            return t("%(name)s attended.", name=recorded.name)
        return t("%(name)s did not attend.", name=recorded.name)

    return await _change(request, deps, activity_id, f"nomination-{nomination_id}", change)
