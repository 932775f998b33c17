"""The programme report: per activity and city, nominations against attendance."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
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


@dataclass(frozen=True)
class Totals:
    """Participants of a group of report lines (one activity, or one city over the programme)."""

    label: str
    confirmed: int = 0
    waitlisted: int = 0
    attended: int = 0

    def plus(self, line: ReportLine) -> Totals:
        confirmed, waitlisted = self.confirmed + line.confirmed, self.waitlisted + line.waitlisted
        return Totals(self.label, confirmed, waitlisted, self.attended + line.attended)

    @property
    def largest(self) -> int:
        return max(self.confirmed, self.waitlisted, self.attended)


def per_activity(lines: Iterable[ReportLine]) -> dict[UUID, Totals]:
    """Each activity's participants (labelled by its English title), in programme order."""
    return _summed(lines, lambda line: line.activity_id, lambda line: line.activity)


def per_city(lines: Iterable[ReportLine]) -> dict[tuple[str, str], Totals]:
    """Each city's participants over the programme (labelled 'City (CC)'), in the report's order."""
    return _summed(lines, lambda line: (line.country, line.city), lambda line: f"{line.city} ({line.country})")


def _summed(lines: Iterable[ReportLine], key: Callable[[ReportLine], Hashable], label: Callable[[ReportLine], str]):
    found: dict = {}
    for line in lines:
        found[key(line)] = found.get(key(line), Totals(label(line))).plus(line)
    return found
