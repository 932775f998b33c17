"""The personal data page (admins): export everything the platform holds about an email address, as
the ZIP of the API's `GET /api/v1/staff/subject-access/export` (api/subject_access.py: the other
services are asked with the admin's own sign-in; a service that does not answer is named in the ZIP);
and erase a person everywhere, as `POST /api/v1/staff/people/erasure` does (workflows/privacy.py),
once the admin ticked the confirmation: an erasure cannot be undone.

The download is a POST with the CSRF token: an export is audited processing of personal data, which a
link followed by a mail scanner or another site must not start."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import EmailStr, TypeAdapter, ValidationError

from services.registration.api.subject_access import export_zip
from services.registration.web.staff_texts import PAGES, StaffTexts
from services.registration.workflows import privacy as privacy_flow
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


REASON_LENGTH = 2000


def _page(request: Request, code: int = 200, **shown: str) -> HTMLResponse:
    """The page; `shown` fills the forms again: email, error (export), erase_email, erase_errors..."""
    blank = {"email": "", "error": "", "alert": "", "erase_email": "", "erase_reason": "", "erase_errors": {}}
    return PAGES.render(request, "privacy.html", code, current="accounts", **(blank | shown))


@router.get("", response_class=HTMLResponse)
async def privacy(request: Request, who: Admin) -> Response:
    return _page(request)


@router.post("", response_class=HTMLResponse)
async def export(request: Request, deps: Deps, who: Admin) -> Response:
    data = await posted(request)
    email = data.get("email", "").strip()
    t = texts_of(request)
    if not csrf_ok(request, data):
        return _page(request, 403, email=email, alert=t("Session expired: please try again."))
    try:
        address = ADDRESS.validate_python(email)
    except ValidationError:
        return _page(request, 422, email=email, error=t.field_error("email"))
    return await export_zip(request, deps, str(address), who)


@router.post("/erase", response_class=HTMLResponse)
async def erase(request: Request, deps: Deps, who: Admin) -> Response:
    data = await posted(request)
    email, reason = data.get("email", "").strip(), data.get("reason", "").strip()
    t = texts_of(request)
    shown = {"erase_email": email, "erase_reason": reason}
    if not csrf_ok(request, data):
        return _page(request, 403, alert=t("Session expired: please try again."), **shown)
    errors = {}
    try:
        address = str(ADDRESS.validate_python(email))
    except ValidationError:
        errors["erase_email"] = t.field_error("email")
    if not reason or len(reason) > REASON_LENGTH:
        errors["erase_reason"] = t("Say why, e.g. the person's request of 3 December.")
    if data.get("confirm") != "yes":
        errors["erase_confirm"] = t("Tick the box to confirm: an erasure cannot be undone.")
    if errors:
        return _page(request, 422, erase_errors=errors, **shown)  # type: ignore[arg-type]
    records = await privacy_flow.erase_person(deps, address, f"{who.role}:{who.name}", reason)
    done = t("Erased: %(count)s records here; scheduling and notifications erase theirs now.", count=records)
    return _page(request, 200, alert=done)
