"""Admins manage staff accounts through pages: list, invite a colleague (who gets a sign-in link by
email, in their language), change a role, deactivate (after a confirming page).

The same models and workflows as the JSON API (api/accounts.Invitation, workflows/staff), which keep
the rules (the last active admin stays) and write the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.registration.api.accounts import Invitation
from services.registration.domain.reference import EU_CAPITAL_TIMEZONES
from services.registration.web.form_errors import Location, field_errors
from services.registration.web.staff_texts import PAGES, StaffTexts
from services.registration.workflows import staff
from shared.contracts.common import EU_LANGUAGES
from shared.dependencies import Dependencies
from shared.refusals import NotFound, Refused
from shared.runtime import dependencies_of
from shared.security.auth import ROLES, StaffMember
from shared.web.pages.forms import csrf_ok, posted
from shared.web.pages.guard import StaffPage
from shared.web.pages.rendering import kept_language
from shared.web.pages.texts import N_

router = APIRouter(prefix="/staff/accounts", include_in_schema=False)
Deps = Annotated[Dependencies, Depends(dependencies_of)]
Admin = Annotated[StaffMember, Depends(StaffPage())]
DONE = {
    "invited": N_("Invitation sent: your colleague gets a sign-in link by email."),
    "role": N_("Role changed; the person signs in again."),
    "deactivated": N_("Account deactivated; its sessions have ended."),
}
"""What the accounts page says after an action (?done=...)."""


@dataclass(frozen=True)
class InviteForm:
    email: str = ""
    name: str = ""
    role: str = "reviewer"
    language: str = "en"
    timezone: str = "Europe/Brussels"
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of_post(cls, data: dict[str, str]) -> InviteForm:
        return cls(*(data.get(name, "").strip() for name in ("email", "name", "role", "language", "timezone")))

    def body(self) -> dict[str, str | None]:
        return {"email": self.email, "name": self.name or None, "role": self.role, "language": self.language,
                "timezone": self.timezone}  # fmt: skip


def _field_of(location: Location, kind: str) -> tuple[str, str]:
    name = str(location[0]) if location else "email"
    kinds = {"email": "email", "name": "too_long", "timezone": "timezone"}
    return name, kinds.get(name, "choice")


def texts_of(request: Request) -> StaffTexts:
    return PAGES.texts(PAGES.viewer(request))  # type: ignore[return-value]


async def _accounts_page(
    request: Request, deps: Dependencies, form: InviteForm | None = None, alert: str = "", code: int = 200
) -> HTMLResponse:
    done = request.query_params.get("done", "")
    t = texts_of(request)
    return PAGES.render(
        request,
        "accounts.html",
        code,
        current="accounts",
        overviews=await staff.account_overviews(deps),
        form=form or InviteForm(),
        roles=ROLES,
        languages_of_accounts=EU_LANGUAGES,
        timezones=EU_CAPITAL_TIMEZONES,
        notice=t(DONE[done]) if done in DONE else "",
        alert=alert,
    )


def _done(request: Request, what: str) -> RedirectResponse:
    kept = kept_language(request).replace("?", "&")
    return RedirectResponse(f"/staff/accounts?done={what}{kept}", status.HTTP_303_SEE_OTHER)


@router.get("", response_class=HTMLResponse)
async def accounts(request: Request, deps: Deps, who: Admin) -> Response:
    return await _accounts_page(request, deps)


@router.post("", response_class=HTMLResponse)
async def invite(request: Request, deps: Deps, who: Admin) -> Response:
    data = await posted(request)
    form = InviteForm.of_post(data)
    t = texts_of(request)
    if not csrf_ok(request, data):
        return await _accounts_page(request, deps, form, t("Session expired: please try again."), 403)
    try:
        body = Invitation.model_validate(form.body())
    except ValidationError as error:
        refused = InviteForm(**{**form.__dict__, "errors": field_errors(error, _field_of, t)})
        return await _accounts_page(request, deps, refused, code=422)
    wanted = staff.NewAccount(str(body.email), body.role, body.name, body.language, body.timezone)
    try:
        await staff.invite(deps, who, wanted)
    except Refused as error:
        refused = InviteForm(**{**form.__dict__, "errors": {"email": t.refusal(error)}})
        return await _accounts_page(request, deps, refused, code=status.HTTP_409_CONFLICT)
    return _done(request, "invited")


@router.post("/{account_id}/role", response_class=HTMLResponse)
async def change_role(account_id: UUID, request: Request, deps: Deps, who: Admin) -> Response:
    data = await posted(request)
    t = texts_of(request)
    if not csrf_ok(request, data):
        return await _accounts_page(request, deps, alert=t("Session expired: please try again."), code=403)
    try:
        await staff.change_role(deps, who, account_id, data.get("role", ""))
    except (NotFound, Refused) as error:
        return await _refused(request, deps, error)
    return _done(request, "role")


@router.get("/{account_id}/deactivation", response_class=HTMLResponse)
async def confirm_deactivation(account_id: UUID, request: Request, deps: Deps, who: Admin) -> Response:
    account = await staff.account_of(deps, account_id)
    if account is None:
        return await _refused(request, deps, NotFound("staff account"))
    return PAGES.render(request, "deactivate.html", current="accounts", account=account)


@router.post("/{account_id}/deactivation", response_class=HTMLResponse)
async def deactivate(account_id: UUID, request: Request, deps: Deps, who: Admin) -> Response:
    data = await posted(request)
    t = texts_of(request)
    if not csrf_ok(request, data):
        return await _accounts_page(request, deps, alert=t("Session expired: please try again."), code=403)
    try:
        await staff.deactivate(deps, who, account_id)
    except (NotFound, Refused) as error:
        return await _refused(request, deps, error)
    return _done(request, "deactivated")


async def _refused(request: Request, deps: Dependencies, error: Exception) -> HTMLResponse:
    t = texts_of(request)
    if isinstance(error, NotFound):
        return await _accounts_page(request, deps, alert=t(N_("No such staff account.")), code=404)
    return await _accounts_page(request, deps, alert=t.refusal(error), code=status.HTTP_409_CONFLICT)
