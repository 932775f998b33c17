"""Subject access (GDPR art. 15), admins only: what notifications holds about an email address, for
registration's export (which forwards the admin's own credentials)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import EmailStr

from services.notifications.workflows import subject_access as workflow
from shared.dependencies import Dependencies
from shared.runtime import dependencies_of
from shared.security.auth import StaffMember
from shared.subject_access import SubjectAccess
from shared.web.access import require_role

router = APIRouter(prefix="/api/v1/staff", tags=["staff"])
Deps = Annotated[Dependencies, Depends(dependencies_of)]
Admin = Annotated[StaffMember, Depends(require_role("admin"))]


@router.get("/subject-access", response_model=SubjectAccess)
async def subject_access(email: Annotated[EmailStr, Query()], deps: Deps, who: Admin) -> SubjectAccess:
    """Deliveries to the address (subject, status, when sent, text), opt-outs, bounces, staff profile."""
    return await workflow.subject_access(deps, str(email))
