"""Subject access (GDPR art. 15), admins only: what registration holds about an email address as JSON
(`GET /api/v1/staff/subject-access`, the same route as scheduling's and notifications'), and the
platform's whole export as a ZIP (`GET /api/v1/staff/subject-access/export`), which gathers the other
services' JSON over HTTP with the caller's own staff credentials: each service checks them itself."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import EmailStr, ValidationError

from services.registration.domain.subject_access import SERVICES, Export
from services.registration.workflows import privacy
from shared.dependencies import Dependencies
from shared.logs import correlation_id
from shared.runtime import dependencies_of
from shared.security import sessions
from shared.security.auth import StaffMember
from shared.settings import Settings
from shared.subject_access import PATH, SubjectAccess
from shared.web.access import require_role
from shared.web.middleware import CORRELATION_HEADER
from shared.web.pages.guard import STAFF_TOKEN_COOKIE

router = APIRouter(prefix="/api/v1/staff", tags=["staff"], responses={401: {}, 403: {}})
Deps = Annotated[Dependencies, Depends(dependencies_of)]
Admin = Annotated[StaffMember, Depends(require_role("admin"))]
Address = Annotated[EmailStr, Query(description="the person's email address")]
OTHERS = tuple(s for s in SERVICES if s != "registration")
PEER_TIMEOUT = httpx.Timeout(20.0, connect=5.0)
ZIP = "application/zip"
log = logging.getLogger(__name__)


def forwarded_credentials(request: Request) -> dict[str, str]:
    """The caller's staff credentials, passed on as they came: its bearer token, else its sign-in session
    cookie (the other services refuse a session registration ended), else the token kept by /staff/login."""
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        return {"Authorization": authorization}
    if session := request.cookies.get(sessions.COOKIE):
        return {"Cookie": f"{sessions.COOKIE}={session}"}
    if token := request.cookies.get(STAFF_TOKEN_COOKIE):
        return {"Authorization": f"Bearer {token}"}
    return {}


async def _answer_of(client: httpx.AsyncClient, base: str, email: str) -> SubjectAccess:
    response = await client.get(base + PATH, params={"email": email})
    response.raise_for_status()
    return SubjectAccess.model_validate_json(response.content)


def _why(error: Exception) -> str:
    if isinstance(error, httpx.HTTPStatusError):
        return f"it answered HTTP {error.response.status_code}"
    if isinstance(error, ValidationError):
        return "its answer was not a subject access answer"
    return f"it could not be reached ({type(error).__name__})"


async def other_services(
    request: Request, settings: Settings, email: str
) -> tuple[dict[str, SubjectAccess], dict[str, str]]:
    """The other services' answers about `email`, and why each one that gave none did not."""
    headers = forwarded_credentials(request) | {CORRELATION_HEADER: correlation_id.get() or ""}
    async with httpx.AsyncClient(timeout=PEER_TIMEOUT, headers=headers) as client:
        results = await asyncio.gather(
            *(_answer_of(client, settings.internal_url_of(s), email) for s in OTHERS), return_exceptions=True
        )
    answered, missing = {}, {}
    for service, result in zip(OTHERS, results, strict=True):
        if isinstance(result, SubjectAccess):
            answered[service] = result
        elif isinstance(result, httpx.HTTPError | ValidationError):
            log.warning("subject access: %s gave no answer", service, exc_info=result)
            missing[service] = _why(result)
        else:
            raise result
    return answered, missing


def zip_response(export: Export) -> Response:
    disposition = f'attachment; filename="{export.filename}"'
    return Response(export.content, media_type=ZIP, headers={"Content-Disposition": disposition,
                                                              "Cache-Control": "no-store"})  # fmt: skip


async def export_zip(request: Request, deps: Dependencies, email: str, who: StaffMember) -> Response:
    """The platform's export of `email` as a download (the API's and the staff page's)."""
    answered, missing = await other_services(request, deps.settings, email)
    return zip_response(await privacy.export_person(deps, email, f"admin:{who.name}", answered, missing))


@router.get("/subject-access", response_model=SubjectAccess)
async def subject_access(email: Address, deps: Deps, who: Admin) -> SubjectAccess:
    """Everything registration holds about the address: applications (form, status, questions and
    answers, reviews), city contacts, staff account, sign-in links and sessions, audit entries."""
    return await privacy.subject_access(deps, str(email), f"admin:{who.name}")


@router.get("/subject-access/export", response_class=Response, responses={200: {"content": {ZIP: {}}}})
async def subject_access_export(request: Request, email: Address, deps: Deps, who: Admin) -> Response:
    """A ZIP of everything the platform holds about the address: one JSON file per service and a
    README.txt; a service that does not answer is named in a MISSING-<service>.txt file."""
    return await export_zip(request, deps, str(email), who)
