"""The programme report: participants per city and activity, attendance against nominations."""

from __future__ import annotations

import csv
import dataclasses
import io

from fastapi import APIRouter, Response
from pydantic import TypeAdapter

from services.scheduling.api.access import Deps, Reader
from services.scheduling.domain.report import ReportLine
from services.scheduling.workflows import reporting

router = APIRouter(prefix="/api/v1", tags=["report"])
LINE = TypeAdapter(ReportLine)


@router.get("/report", response_model=list[ReportLine])
async def report(deps: Deps, staff: Reader) -> list[ReportLine]:
    return await reporting.report(deps)


@router.get("/report.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
async def report_csv(deps: Deps, staff: Reader) -> Response:
    """The same as /report, for spreadsheets."""
    return csv_response(await reporting.report(deps))


def csv_response(lines: list[ReportLine]) -> Response:
    """The report as a CSV download (UTF-8 with BOM so that Excel reads accents); the staff page's too."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(field.name for field in dataclasses.fields(ReportLine))
    for line in lines:
        writer.writerow(LINE.dump_python(line, mode="json").values())
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="pactesur2-programme-report.csv"'},
    )
