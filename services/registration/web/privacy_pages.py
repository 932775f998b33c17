"""The personal data page (admins): export everything the platform holds about an email address, as
the ZIP of the API's `GET /api/v1/staff/subject-access/export` (api/subject_access.py: the other
services are asked with the admin's own sign-in; a service that does not answer is named in the ZIP).

The download is a POST with the CSRF token: an export is audited processing of personal data, which a
link followed by a mail scanner or another site must not start."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import EmailStr, TypeAdapter, ValidationError

from services.registration.api.subject_access import export_zip
from services.registration.web.staff_texts import PAGES, StaffTexts
from shared.dependencies import Dependencies
from shared.runtime import dependencies_of
from shared.security.auth import StaffMember
from shared.web.pages.forms import csrf_ok, posted
from shared.web.pages.guard import StaffPage

router = APIRouter(prefix="/staff/privacy", include_in_schema=False)
Deps = Annotated[Dependencies, Depends(dependencies_of)]
Admin = Annotated[StaffMember, Depends(StaffPage())]
ADDRESS = TypeAdapter(EmailStr)


def texts_of(request: Request) -> StaffTexts:
    return PAGES.texts(PAGES.viewer(request))  # type: ignore[return-value]


def _page(request: Request, email: str = "", error: str = "", alert: str = "", code: int = 200) -> HTMLResponse:
    return PAGES.render(request, "privacy.html", code, current="accounts", email=email, error=error, alert=alert)


@router.get("", response_class=HTMLResponse)
async def privacy(request: Request, who: Admin) -> Response:
    return _page(request)


@router.post("", response_class=HTMLResponse)
async def export(request: Request, deps: Deps, who: Admin) -> Response:
    data = await posted(request)
    email = data.get("email", "").strip()
    t = texts_of(request)
    if not csrf_ok(request, data):
        return _page(request, email, alert=t("Session expired: please try again."), code=403)
    try:
        address = ADDRESS.validate_python(email)
    except ValidationError:
        return _page(request, email, error=t.field_error("email"), code=422)
    return await export_zip(request, deps, str(address), who)
