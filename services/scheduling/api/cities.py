"""HTTP API of scheduling. Activities, sessions and nominations arrive with [4/5]."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from services.scheduling import storage
from shared.runtime import Runtime, runtime_of

router = APIRouter(prefix="/api/v1", tags=["cities"])


class CityView(BaseModel):
    city: str
    country: str
    status: str
    first_seen_at: datetime


@router.get("/cities", response_model=list[CityView])
async def cities(runtime: Annotated[Runtime, Depends(runtime_of)]) -> list[CityView]:
    """Cities scheduling knows of (from registration's events): names and countries only."""
    async with runtime.pool.acquire() as conn:
        return [CityView(**dict(r)) for r in await storage.list_cities(conn)]
