"""Who may do what: staff roles, city focal points scoped to their city; and 4xx answers for rule breaks.

Roles: `admin` (everything), `reviewer` (reads everything), a city's focal point or deputy (a signed
token from `POST /cities/{id}/access-tokens`: nominates, cancels and marks attendance for its own city,
reads its city's nominations). A focal point's token stops working as soon as registration reports
that they are no longer the city's focal point or deputy (ContactChanged).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated
from uuid import UUID

import asyncpg
from fastapi import Depends, HTTPException, status

from services.scheduling.domain.activities import RuleBroken
from services.scheduling.domain.cities import SignedUpCity
from services.scheduling.domain.invitations import Links
from services.scheduling.storage import cities as city_rows
from services.scheduling.workflows.nominating import NotFound
from services.scheduling.workflows.publishing import Context, links_of
from shared.runtime import Runtime, runtime_of
from shared.security.auth import FocalPoint, StaffMember
from shared.web.access import require_role, require_staff_or_focal_point
from shared.web.openapi import detail_answer

RuntimeDep = Annotated[Runtime, Depends(runtime_of)]
Admin = Annotated[StaffMember, Depends(require_role("admin"))]
Reader = Annotated[StaffMember, Depends(require_role("reviewer"))]
Principal = StaffMember | FocalPoint
AdminOrCity = Annotated[Principal, Depends(require_staff_or_focal_point())]
ReaderOrCity = Annotated[Principal, Depends(require_staff_or_focal_point("reviewer"))]
UNKNOWN = {404: detail_answer("No such activity, session, nomination or signed-up city")}
INVALID_LINK = {403: detail_answer("The signed link is not valid, or has expired")}


def links(runtime: Runtime) -> Links:
    return links_of(runtime.settings)


def context(runtime: Runtime, actor: str) -> Context:
    return Context(now=runtime.clock(), new_id=runtime.new_id, links=links(runtime), actor=actor)


def actor_name(principal: Principal) -> str:
    if isinstance(principal, FocalPoint):
        return f"{principal.name} (focal point)"
    return principal.name


async def acting_city(conn: asyncpg.Connection, principal: Principal, city_id: UUID) -> SignedUpCity:
    """The signed-up city `principal` acts for; 403 outside a focal point's own city."""
    city = await city_rows.member(conn, city_id)
    if isinstance(principal, FocalPoint):
        if str(city_id) != principal.city_id or city is None or not city.may_act(UUID(principal.person_id)):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "This token acts only for its own city's focal point.")
    if city is None:
        raise unprocessable(
            "city_id", "This city has not signed up to the programme: only coordinator, partner and "
            "associated cities may nominate.",
        )  # fmt: skip
    return city


def focal_city(principal: Principal) -> UUID | None:
    """The city a focal point is limited to; None for staff (every city)."""
    return UUID(principal.city_id) if isinstance(principal, FocalPoint) else None


def unprocessable(field: str, message: str) -> HTTPException:
    """A 422 shaped like FastAPI's validation errors, so clients show it next to the field."""
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_ENTITY, [{"loc": ["body", field], "msg": message, "type": "rule_broken"}]
    )


@asynccontextmanager
async def transaction(runtime: Runtime) -> AsyncIterator[asyncpg.Connection]:
    """One transaction per request; a broken rule or a missing row answers 422/404 with nothing written."""
    try:
        async with runtime.pool.acquire() as conn, conn.transaction():
            yield conn
    except RuleBroken as broken:
        raise unprocessable(broken.field, broken.message) from None
    except NotFound as missing:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(missing)) from None
