"""The programme report: participants per city and activity, attendance against nominations."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from uuid import UUID

from fastapi import APIRouter, Response
from pydantic import BaseModel

from services.scheduling.api.access import Reader, RuntimeDep
from services.scheduling.storage import nominations as nomination_rows

router = APIRouter(prefix="/api/v1", tags=["report"])


class ReportLine(BaseModel):
    activity_id: UUID
    activity: str
    starts_at: datetime
    activity_status: str
    city: str
    country: str
    nominated: int
    confirmed: int
    waitlisted: int
    withdrawn: int
    attended: int
    absent: int


async def _lines(runtime) -> list[ReportLine]:
    async with runtime.pool.acquire() as conn:
        return [ReportLine(**dict(r)) for r in await nomination_rows.report(conn)]


@router.get("/report", response_model=list[ReportLine])
async def report(runtime: RuntimeDep, staff: Reader) -> list[ReportLine]:
    return await _lines(runtime)


@router.get("/report.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
async def report_csv(runtime: RuntimeDep, staff: Reader) -> Response:
    """The same as /report, for spreadsheets (UTF-8 with BOM so that Excel reads accents)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(ReportLine.model_fields)
    for line in await _lines(runtime):
        writer.writerow(line.model_dump(mode="json").values())
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="pactesur2-programme-report.csv"'},
    )
