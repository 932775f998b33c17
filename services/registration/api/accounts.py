"""Staff accounts JSON API (admins): list, invite, change a role, deactivate."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, EmailStr, StringConstraints

from services.registration.api.refusals import not_found, refused
from services.registration.domain.staff import StaffAccount
from services.registration.workflows import staff
from shared.contracts.common import EuLanguage, TimeZone
from shared.dependencies import Dependencies
from shared.refusals import NotFound, Refused
from shared.runtime import dependencies_of
from shared.security.auth import Role, StaffMember
from shared.web.access import require_role
from shared.web.openapi import detail_answer

router = APIRouter(prefix="/api/v1/staff/accounts", tags=["staff accounts"], responses={401: {}, 403: {}})
Deps = Annotated[Dependencies, Depends(dependencies_of)]
Admin = Annotated[StaffMember, Depends(require_role("admin"))]
UNKNOWN = {404: detail_answer("No such staff account")}
REFUSED = {409: {"description": "The rules refuse it (e.g. the last active admin): `detail` says why"}}


class Invitation(BaseModel):
    email: EmailStr
    role: Role
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = None
    language: EuLanguage = "en"
    timezone: TimeZone = "Europe/Brussels"


class RoleChange(BaseModel):
    role: Role


@router.get("")
async def list_accounts(deps: Deps, who: Admin) -> list[StaffAccount]:
    return list(await staff.list_accounts(deps))


@router.post("", status_code=status.HTTP_201_CREATED, responses=REFUSED)
async def invite(body: Invitation, deps: Deps, who: Admin) -> StaffAccount:
    """Create the account (or bring a deactivated one back) and email its owner a sign-in link."""
    wanted = staff.NewAccount(str(body.email), body.role, body.name, body.language, body.timezone)
    try:
        return await staff.invite(deps, who, wanted)
    except Refused as error:
        raise refused(error) from None


@router.put("/{account_id}/role", responses=UNKNOWN | REFUSED)
async def change_role(account_id: UUID, body: RoleChange, deps: Deps, who: Admin) -> StaffAccount:
    try:
        return await staff.change_role(deps, who, account_id, body.role)
    except NotFound as error:
        raise not_found(error) from None
    except Refused as error:
        raise refused(error) from None


@router.post("/{account_id}/deactivation", responses=UNKNOWN | REFUSED)
async def deactivate(account_id: UUID, deps: Deps, who: Admin) -> StaffAccount:
    try:
        return await staff.deactivate(deps, who, account_id)
    except NotFound as error:
        raise not_found(error) from None
    except Refused as error:
        raise refused(error) from None
