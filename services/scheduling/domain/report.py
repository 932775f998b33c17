"""The programme report: per activity and city, nominations against attendance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True)
class ReportLine:
    """One city's participants in one activity; `withdrawn` counts declined and cancelled ones."""

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
