"""The programme report: participants per city and activity, attendance against nominations."""

from __future__ import annotations

from services.scheduling.domain.report import ReportLine
from services.scheduling.storage import nominations
from shared.dependencies import Dependencies


async def report(deps: Dependencies) -> list[ReportLine]:
    async with deps.pool.acquire() as conn:
        return await nominations.report(conn)
