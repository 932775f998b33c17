"""My profile (any staff role): the signed-in member chooses, per kind of staff notice, an email at
once or the daily digest (the same workflow as PUT /api/v1/staff-profiles/{email}).

The profile belongs to the member's address, which is the `name` of a person signed in with an
emailed link; a STAFF_TOKENS client has no address, so its page says that a personal sign-in is
needed. The saved language and timezone of the notices are kept as they are.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from services.notifications.domain.emails import StaffProfile
from services.notifications.domain.routes import STAFF_KINDS
from services.notifications.web.staff_texts import PAGES, StaffTexts
from services.notifications.workflows import preferences
from shared.dependencies import Dependencies
from shared.refusals import Refused
from shared.runtime import dependencies_of
from shared.security.auth import StaffMember
from shared.web.pages.forms import csrf_ok, posted
from shared.web.pages.guard import StaffPage

router = APIRouter(prefix="/staff/profile", include_in_schema=False)
Deps = Annotated[Dependencies, Depends(dependencies_of)]
Staff = Annotated[StaffMember, Depends(StaffPage("reviewer"))]


def texts_of(request: Request) -> StaffTexts:
    return PAGES.texts(PAGES.viewer(request))  # type: ignore[return-value]


def render(request: Request, template: str, code: int = 200, **context: Any) -> HTMLResponse:
    return PAGES.render(request, template, code, current="profile", **context)


def _needs_personal_sign_in(request: Request, code: int = 200) -> HTMLResponse:
    t = texts_of(request)
    body = t("Notices go to a person's address: sign in with your own account (an emailed link) to choose yours.")
    return render(request, "message.html", code, title=t("A personal sign-in is needed"), body=body)


@router.get("", response_class=HTMLResponse)
async def profile_page(request: Request, deps: Deps, who: Staff) -> Response:
    if who.person_id is None:
        return _needs_personal_sign_in(request)
    return _page(request, await preferences.staff_profile(deps, who.name))


def _page(
    request: Request, profile: StaffProfile, notice: str | None = None, error: str | None = None, code: int = 200
) -> HTMLResponse:
    return render(request, "profile.html", code, profile=profile, kinds=STAFF_KINDS, notice=notice, error=error)


@router.post("", response_class=HTMLResponse)
async def save_profile(request: Request, deps: Deps, who: Staff) -> Response:
    if who.person_id is None:
        return _needs_personal_sign_in(request, 409)
    data = await posted(request)
    t = texts_of(request)
    saved = await preferences.staff_profile(deps, who.name)
    if not csrf_ok(request, data):
        return _page(request, saved, error=t("Session expired: please try again."), code=403)
    wanted = replace(saved, digest_kinds=tuple(k for k in STAFF_KINDS if data.get(f"kind-{k}") == "digest"))
    try:
        await preferences.save_staff_profile(deps, wanted)
    except Refused:
        why = t("Your address does not receive staff notices (it is not among the staff addresses notices go to).")
        return _page(request, saved, error=why, code=409)
    return _page(request, wanted, notice=t("Your choices are saved."))
