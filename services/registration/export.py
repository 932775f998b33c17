"""CSV export of a call's applications and scores (staff API and staff pages)."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import asyncpg
from fastapi.responses import Response

from services.registration.domain.calls import Call
from services.registration.storage import applications, reviews
from services.registration.workflows.selection import call_ranking

CSV_COLUMNS = (
    "id", "city", "country", "region", "population", "status", "staged_decision", "waitlist_position", "score",
    "reviews", "contact_name", "contact_role", "contact_email", "contact_phone", "language", "timezone",
    "commit_police_academies", "commit_host_exchange", "submitted_at", "motivation", "experience",
    "public_events", "public_private_cooperation",
)  # fmt: skip


def _cell(value: object) -> str:
    """Spreadsheet-safe: a cell starting with = + - @ is not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


async def applications_csv(conn: asyncpg.Connection, call: Call) -> str:
    order, scores = await call_ranking(conn, call)
    found = {a.id: a for a in await applications.list_applications(conn, call.slug)}
    by_application = await reviews.reviews_of_call(conn, call.slug)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for application_id in order:
        a = found[application_id]
        row = a.form.answers() | {
            "id": a.id,
            "status": a.status.value,
            "staged_decision": a.staged_decision.value if a.staged_decision else "",
            "waitlist_position": a.waitlist_position,
            "score": scores[application_id],
            "reviews": len(by_application.get(application_id, [])),
            "submitted_at": a.submitted_at.isoformat(),
        }
        writer.writerow([_cell(row.get(column)) for column in CSV_COLUMNS])
    return out.getvalue()


def csv_response(text: str, slug: str, now: datetime) -> Response:
    filename = f"{slug}-applications-{now.date().isoformat()}.csv"
    return Response(
        "\ufeff" + text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
