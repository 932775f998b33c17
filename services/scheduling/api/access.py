"""Who may do what, and how the workflows' refusals are answered.

Roles: `admin` (everything), `reviewer` (reads everything), a city's focal point or deputy (a signed
token from `POST /cities/{id}/access-tokens`: nominates, cancels and marks attendance for its own city,
reads its city's nominations). A focal point's token stops working as soon as registration reports
that they are no longer the city's focal point or deputy (ContactChanged): the workflows check it
(domain.cities.acting_city).

Refusals: a broken rule is a 422 shaped like FastAPI's validation errors (next to the field), a
focal point outside its city a 403, something unknown a 404; nothing is written then.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi.responses import JSONResponse

from services.scheduling.domain.activities import RuleBroken
from services.scheduling.domain.cities import Actor, NotYourCity
from services.scheduling.domain.links import Links
from shared.dependencies import Dependencies
from shared.refusals import NotFound
from shared.runtime import dependencies_of
from shared.security import signing
from shared.security.auth import FocalPoint, StaffMember
from shared.settings import Settings
from shared.web.access import require_role, require_staff_or_focal_point
from shared.web.openapi import detail_answer

Deps = Annotated[Dependencies, Depends(dependencies_of)]
Admin = Annotated[StaffMember, Depends(require_role("admin"))]
Reader = Annotated[StaffMember, Depends(require_role("reviewer"))]
Principal = StaffMember | FocalPoint
AdminOrCity = Annotated[Principal, Depends(require_staff_or_focal_point())]
ReaderOrCity = Annotated[Principal, Depends(require_staff_or_focal_point("reviewer"))]
UNKNOWN = {404: detail_answer("No such activity, session, nomination or signed-up city")}
INVALID_LINK = {403: detail_answer("The signed link is not valid, or has expired")}


def links(deps: Dependencies) -> Links:
    return Links.of(deps.settings)


def actor(principal: Principal) -> Actor:
    """A staff member acts for every city; a focal point only for its own."""
    if isinstance(principal, FocalPoint):
        return Actor(f"{principal.name} (focal point)", UUID(principal.city_id), UUID(principal.person_id))
    return Actor(principal.name)


def verified(deps: Dependencies, purpose: str, token: str) -> UUID:
    """The nomination a participant's signed link names; 403 when it is not valid (any more)."""
    try:
        return links(deps).nomination_of(purpose, token, deps.now())
    except signing.InvalidToken as error:
        raise HTTPException(status.HTTP_403_FORBIDDEN, error.reason) from None


def rule_broken(field: str, message: str) -> JSONResponse:
    """A 422 shaped like FastAPI's validation errors, so clients show it next to the field."""
    detail = [{"loc": ["body", field], "msg": message, "type": "rule_broken"}]
    return JSONResponse({"detail": detail}, status.HTTP_422_UNPROCESSABLE_ENTITY)


async def _rule_broken(request: Request, broken: RuleBroken) -> JSONResponse:
    return rule_broken(broken.field, broken.message)


async def _not_your_city(request: Request, refused: NotYourCity) -> JSONResponse:
    return JSONResponse({"detail": str(refused)}, status.HTTP_403_FORBIDDEN)


async def _not_found(request: Request, missing: NotFound) -> JSONResponse:
    return JSONResponse({"detail": missing.what}, status.HTTP_404_NOT_FOUND)


def answer_refusals(app: FastAPI, settings: Settings) -> None:
    """Installed on the app (Service.middleware): every handler just calls its workflow."""
    app.add_exception_handler(RuleBroken, _rule_broken)
    app.add_exception_handler(NotYourCity, _not_your_city)
    app.add_exception_handler(NotFound, _not_found)
