"""Subject access (GDPR art. 15), admins only: what scheduling holds about an email address, for
registration's export (which forwards the admin's own credentials)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import EmailStr

from services.scheduling.api.access import Admin, Deps
from services.scheduling.workflows import subject_access as workflow
from shared.subject_access import SubjectAccess

router = APIRouter(prefix="/api/v1/staff", tags=["staff"])


@router.get("/subject-access", response_model=SubjectAccess)
async def subject_access(email: Annotated[EmailStr, Query()], deps: Deps, staff: Admin) -> SubjectAccess:
    """Nominations (with their reminders) and the city contacts where the address appears."""
    return await workflow.subject_access(deps, str(email))
