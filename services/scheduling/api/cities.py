"""Cities: the public list of cities heard of; signed-up cities and focal-point access for staff."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field

from services.scheduling.api.access import UNKNOWN, Admin, Reader, RuntimeDep, unprocessable
from services.scheduling.storage import cities as city_rows
from shared.security.auth import issue_focal_point_token

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


@router.get("/cities", response_model=list[CityView])
async def cities(runtime: RuntimeDep) -> list[CityView]:
    """Cities scheduling knows of (from registration's events): names and countries only."""
    async with runtime.pool.acquire() as conn:
        return [CityView(**dict(r)) for r in await city_rows.list_cities(conn)]


@router.get("/members", response_model=list[MemberView])
async def members(runtime: RuntimeDep, staff: Reader) -> list[MemberView]:
    """The signed-up cities that may nominate, with their focal point."""
    async with runtime.pool.acquire() as conn:
        found = await city_rows.members(conn)
    return [
        MemberView(
            **{k: getattr(c, k) for k in ("city_id", "name", "country", "role", "languages", "timezone")},
            focal_point_name=c.focal_point.name,
            focal_point_email=str(c.focal_point.email),
        )
        for c in found
    ]


@router.post("/cities/{city_id}/access-tokens", status_code=201, response_model=AccessToken, responses=UNKNOWN)
async def issue_access_token(city_id: UUID, body: AccessTokenIn, runtime: RuntimeDep, staff: Admin) -> AccessToken:
    """A bearer token for the city's focal point (or deputy): nominate, cancel, mark attendance for
    this city only. It stops working when registration says the person no longer holds the role."""
    async with runtime.pool.acquire() as conn:
        city = await city_rows.member(conn, city_id)
    if city is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "This city has not signed up to the programme.")
    person = city.deputy if body.deputy else city.focal_point
    if person is None:
        raise unprocessable("deputy", "This city has no deputy.")
    expires_at = runtime.clock() + timedelta(days=body.valid_days)
    token = issue_focal_point_token(
        runtime.settings.signing_key,
        city_id=str(city_id),
        person_id=str(person.person_id),
        name=person.name,
        expires_at=expires_at,
    )
    return AccessToken(token=token, person_name=person.name, person_email=str(person.email), expires_at=expires_at)
