"""Cities: the public list of cities heard of; signed-up cities and focal-point access for staff."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from services.scheduling.api.access import UNKNOWN, Admin, Deps, Reader
from services.scheduling.workflows import cities as known
from shared.paging import DEFAULT_LIMIT, Window
from shared.security.auth import issue_focal_point_token
from shared.web.paged_answers import Limit, Offset, WindowAnswer, window_fields

router = APIRouter(prefix="/api/v1", tags=["cities"])


class CityView(BaseModel):
    city: str
    country: str
    status: str = Field(description="'applicant', or the role once signed up")
    first_seen_at: datetime


class MemberView(BaseModel):
    city_id: UUID
    name: str
    country: str
    role: str
    languages: tuple[str, ...]
    timezone: str
    focal_point_name: str
    focal_point_email: str


class AccessTokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    deputy: bool = Field(default=False, description="issue it to the deputy instead of the focal point")
    valid_days: int = Field(default=180, ge=1, le=730)


class AccessToken(BaseModel):
    token: str
    person_name: str
    person_email: str
    expires_at: datetime


class CityPage(WindowAnswer):
    cities: list[CityView]


@router.get("/cities", response_model=CityPage)
async def cities(
    deps: Deps,
    country: Annotated[str | None, Query(pattern="^[A-Z]{2}$", description="ISO code, e.g. LV")] = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> CityPage:
    """Cities scheduling knows of (from registration's events): names and countries only, by country and
    name, one window at a time (`limit`, `offset`)."""
    page = await known.listed(deps, country, Window(offset, limit))
    return CityPage(
        **window_fields(page), cities=[CityView.model_validate(c, from_attributes=True) for c in page.items]
    )


@router.get("/members", response_model=list[MemberView])
async def members(deps: Deps, staff: Reader) -> list[MemberView]:
    """The signed-up cities that may nominate, with their focal point."""
    return [
        MemberView(
            **{k: getattr(c, k) for k in ("city_id", "name", "country", "role", "languages", "timezone")},
            focal_point_name=c.focal_point.name,
            focal_point_email=str(c.focal_point.email),
        )
        for c in await known.signed_up_cities(deps)
    ]


@router.post("/cities/{city_id}/access-tokens", status_code=201, response_model=AccessToken, responses=UNKNOWN)
async def issue_access_token(city_id: UUID, body: AccessTokenIn, deps: Deps, staff: Admin) -> AccessToken:
    """A bearer token for the city's focal point (or deputy): nominate, cancel, mark attendance for
    this city only. It stops working when registration says the person no longer holds the role."""
    person = await known.access_holder(deps, city_id, deputy=body.deputy)
    expires_at = deps.now() + timedelta(days=body.valid_days)
    token = issue_focal_point_token(
        deps.settings.signing_key,
        city_id=str(city_id),
        person_id=str(person.person_id),
        name=person.name,
        expires_at=expires_at,
    )
    return AccessToken(token=token, person_name=person.name, person_email=str(person.email), expires_at=expires_at)
