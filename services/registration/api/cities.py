"""Cities JSON API: the registry (staff), the focal point's sign-up and contact changes (signed link)."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel

from services.registration.api.refusals import not_found, refusing_bad_links
from services.registration.domain.cities import City, ContactsInput
from services.registration.workflows import cities as city_flow
from services.registration.workflows.cities import FOCAL_POINT
from shared.dependencies import Dependencies
from shared.refusals import NotFound, Refused
from shared.runtime import dependencies_of
from shared.security.auth import StaffMember
from shared.web.access import require_role

router = APIRouter(prefix="/api/v1", tags=["cities"])
Deps = Annotated[Dependencies, Depends(dependencies_of)]
Reviewer = Annotated[StaffMember, Depends(require_role("reviewer"))]
Admin = Annotated[StaffMember, Depends(require_role("admin"))]


class SignUp(BaseModel):
    accept_terms: Literal[True]


def city_view(city: City) -> dict[str, Any]:
    return {
        "id": str(city.id),
        "name": city.name,
        "country": city.country,
        "region": city.region,
        "role": city.role,
        "languages": list(city.languages),
        "timezone": city.timezone,
        "status": city.status,
        "signed_up_at": city.signed_up_at,
        "terms_version": city.terms_version,
        "signup_due_at": city.signup_due_at,
        "contacts": [
            {
                "person_id": str(c.person_id),
                "designation": c.designation,
                "name": c.name,
                "email": c.email,
                "language": c.language,
                "timezone": c.timezone,
                "role": c.role,
            }
            for c in city.contacts
        ],
    }


@router.get("/staff/cities", tags=["staff"], responses={401: {}, 403: {}})
async def list_cities(deps: Deps, who: Reviewer) -> list[dict[str, Any]]:
    return [city_view(c) for c in await city_flow.list_cities(deps)]


@router.put("/staff/cities/{city_id}/contacts", tags=["staff"], responses={401: {}, 403: {}, 404: {}})
async def staff_change_contacts(city_id: UUID, body: ContactsInput, deps: Deps, who: Admin) -> dict:
    try:
        city = await city_flow.change_contacts(deps, city_id, body, f"{who.role}:{who.name}")
    except NotFound as error:
        raise not_found(error) from None
    return city_view(city)


@router.post("/staff/cities/{city_id}/place-release", tags=["staff"], responses={401: {}, 403: {}, 404: {}, 409: {}})
async def give_place_to_waitlist(city_id: UUID, deps: Deps, who: Admin) -> dict:
    """A selected city did not sign up by its due date: its place goes to the next city on the waiting list."""
    try:
        offered = await city_flow.give_place_to_waitlist(deps, city_id, f"{who.role}:{who.name}")
    except NotFound as error:
        raise not_found(error) from None
    except Refused as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    return {"status": "withdrawn", "place_offered_to_next": offered}


async def _city(deps: Dependencies, token: str) -> City:
    with refusing_bad_links():
        return await city_flow.city_by_token(deps, token)


@router.get("/cities/signup/{token}", responses={404: {}, 410: {}})
async def signup_view(token: str, deps: Deps) -> dict:
    return city_view(await _city(deps, token))


@router.post("/cities/signup/{token}", responses={404: {}, 410: {}})
async def sign_up(token: str, body: SignUp, deps: Deps) -> dict:
    """The focal point accepts the terms: the city joins the programme (CitySignedUp)."""
    city = await _city(deps, token)
    return city_view(await city_flow.sign_up(deps, city.id))


@router.put("/cities/signup/{token}/contacts", responses={404: {}, 410: {}})
async def focal_point_change_contacts(token: str, body: ContactsInput, deps: Deps) -> dict:
    city = await _city(deps, token)
    return city_view(await city_flow.change_contacts(deps, city.id, body, FOCAL_POINT))


@router.post("/cities/signup/{token}/decline", responses={404: {}, 409: {}, 410: {}})
async def decline_place(token: str, deps: Deps) -> dict:
    """A selected city that has not signed up gives its place back; the next waitlisted city is offered it."""
    city = await _city(deps, token)
    try:
        offered = await city_flow.decline_place(deps, city)
    except Refused as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    return {"status": "declined", "place_offered_to_next": offered}
