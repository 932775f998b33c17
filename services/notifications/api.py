"""HTTP API of notifications. Staff/ops endpoints with authentication arrive with [3/5]."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from services.notifications import storage
from shared.runtime import Runtime, runtime_of

router = APIRouter(prefix="/api/v1", tags=["deliveries"])


class DeliveryCounts(BaseModel):
    """How many emails are in each state of the delivery log (no personal data)."""

    counts: dict[str, int]


@router.get("/deliveries/counts", response_model=DeliveryCounts)
async def delivery_counts(runtime: Annotated[Runtime, Depends(runtime_of)]) -> DeliveryCounts:
    return DeliveryCounts(counts=await storage.count_by_status(runtime.pool))
