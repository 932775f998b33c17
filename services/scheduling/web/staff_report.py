"""The report page: participation per city and per activity (confirmed, waitlisted, attended) as an
inline SVG bar chart drawn on the server, the same numbers in tables, and the CSV download.

The numbers are the programme report's (workflows.reporting, as GET /api/v1/report); the download is
the API's CSV (api.report.csv_response), here behind the console's sign-in instead of a bearer token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from services.scheduling.api.report import csv_response
from services.scheduling.domain.report import Totals, per_activity, per_city
from services.scheduling.web.staff_texts import PAGES
from services.scheduling.workflows import reporting
from shared.dependencies import Dependencies
from shared.runtime import dependencies_of
from shared.security.auth import StaffMember
from shared.web.pages.guard import StaffPage
from shared.web.pages.texts import N_

router = APIRouter(prefix="/staff", include_in_schema=False)
Deps = Annotated[Dependencies, Depends(dependencies_of)]
Reviewer = Annotated[StaffMember, Depends(StaffPage("reviewer"))]
SERIES = (
    ("confirmed", N_("Confirmed"), "#0b3d6e"),
    ("waitlisted", N_("Waitlisted"), "#b45309"),
    ("attended", N_("Attended"), "#15803d"),
)
"""The chart's series: a Totals field, its legend's label, its colour (contrast >= 4.5:1 on white)."""
WIDTH, LABELS, BAR, GAP, TOP = 720, 230, 12, 14, 34
"""The chart's width, the labels' column, one bar's height, the gap between groups, the legend's band (px)."""


@dataclass(frozen=True)
class Bar:
    series: str
    colour: str
    value: int
    y: int
    width: int


@dataclass(frozen=True)
class Group:
    label: str
    y: int
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Chart:
    """Horizontal bars, one group of three per activity or city, scaled to the largest number."""

    groups: tuple[Group, ...]
    height: int
    width: int = WIDTH
    labels: int = LABELS

    @classmethod
    def of(cls, totals: list[Totals]) -> Chart:
        largest = max((t.largest for t in totals), default=0) or 1
        room = WIDTH - LABELS - 50
        step = BAR * len(SERIES) + GAP
        groups = tuple(
            Group(
                total.label,
                TOP + i * step,
                tuple(
                    Bar(key, colour, value, TOP + i * step + j * BAR, round(room * value / largest))
                    for j, (key, _, colour) in enumerate(SERIES)
                    for value in [getattr(total, key)]
                ),
            )
            for i, total in enumerate(totals)
        )
        return cls(groups, TOP + len(totals) * step)


@dataclass(frozen=True)
class Part:
    """One part of the report: its heading, its chart and its table's rows."""

    key: str
    heading: str
    totals: tuple[Totals, ...]
    chart: Chart


@router.get("/report", response_class=HTMLResponse)
async def report(request: Request, deps: Deps, who: Reviewer) -> Response:
    lines = await reporting.report(deps)
    by_activity = list(per_activity(lines).values())
    by_city = sorted(per_city(lines).values(), key=lambda total: total.label)
    parts = (
        Part("activities", N_("Per activity"), tuple(by_activity), Chart.of(by_activity)),
        Part("cities", N_("Per city"), tuple(by_city), Chart.of(by_city)),
    )
    return PAGES.render(request, "report.html", current="report", parts=parts, series=SERIES)


@router.get("/report.csv")
async def report_csv(deps: Deps, who: Reviewer) -> Response:
    return csv_response(await reporting.report(deps))
