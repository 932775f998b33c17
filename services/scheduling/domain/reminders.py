"""Reminders: when they fall due before an activity, and whether one is still worth sending."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from services.scheduling.domain.activities import Activity
from services.scheduling.domain.nominations import Nomination


@dataclass(frozen=True)
class PlannedReminder:
    """A reminder `days_before` the activity starts, falling due at `due_at`."""

    days_before: int
    due_at: datetime


@dataclass(frozen=True, kw_only=True)
class Reminder(PlannedReminder):
    """One participant's planned reminder."""

    id: UUID
    nomination_id: UUID


def plan_reminders(starts_at: datetime, reminder_days: Sequence[int], now: datetime) -> list[PlannedReminder]:
    """One reminder per configured day, `days` before the start; those already past are not planned
    (a person nominated two days before gets the invitation, not a late 14-day reminder)."""
    planned = [PlannedReminder(d, starts_at - timedelta(days=d)) for d in sorted(set(reminder_days), reverse=True)]
    return [r for r in planned if r.due_at > now]


def reminders_of(activity: Activity, nomination_id: UUID, now: datetime, new_id: Callable[[], UUID]) -> list[Reminder]:
    """The reminders of a participant just confirmed (or of everyone confirmed, when the activity moved)."""
    return [
        Reminder(id=new_id(), nomination_id=nomination_id, days_before=planned.days_before, due_at=planned.due_at)
        for planned in plan_reminders(activity.starts_at, activity.reminder_days, now)
    ]


def still_due(nomination: Nomination, activity: Activity) -> bool:
    """A reminder goes out only to a confirmed participant of an activity still taking place."""
    return nomination.status == "confirmed" and not activity.closed
